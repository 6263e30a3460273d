import type { Clock, TimerHandle } from '../../env/clock.js';
import type { Random } from '../../env/random.js';
import type { Address } from '../wire.js';
import { backoffDelay, type DelayRange } from './backoff.js';
import { encodeFrame, FRAME_HEADER_BYTES } from './frame-parser.js';
import type { PeerConnection } from './peer-connection.js';
import { keepConnection } from './tie-break.js';
import { WriteCoalescer } from './write-coalescer.js';

/** What a Peer needs from its wire. */
export interface PeerHost {
  readonly me: Address;
  readonly clock: Clock;
  readonly random: Random;
  readonly reconnectDelayMs: DelayRange;
  readonly maxBufferedBytes: number;
  /** Opens an outbound connection to the peer; undefined if that failed at once. */
  dial(peer: Peer): PeerConnection | undefined;
  written(frames: number, bytes: number): void;
  dropped(frames: number): void;
  /** The peer has no connection, no queue and no timer: the wire may forget it. */
  idle(peer: Peer): void;
}

/**
 * Everything about one remote address: the one connection in use, a dial in flight, the
 * frames waiting for a connection, and the reconnect schedule.
 *
 * Reconnecting is lazy: a peer is dialed when there is something to send to it, not because
 * a connection dropped (a departed member would otherwise be dialed forever). Retries follow
 * a bounded exponential backoff and continue as long as the protocol keeps sending to the
 * peer; when a retry comes due and nothing was sent to the peer since the previous attempt,
 * its waiting frames are dropped and it is forgotten.
 */
export class Peer {
  private active: PeerConnection | undefined;
  private dialing: PeerConnection | undefined;
  private timer: TimerHandle | undefined;
  private failures = 0;
  private sentSinceAttempt = false;
  private shut = false;
  private readonly queue: WriteCoalescer;

  constructor(
    readonly address: Address,
    private readonly host: PeerHost,
  ) {
    this.queue = new WriteCoalescer(
      (fn) => host.clock.defer(fn),
      () => this.active?.target(),
      (frames, bytes) => host.written(frames, bytes),
    );
  }

  /** The connection in use, if any. */
  get connection(): PeerConnection | undefined {
    return this.active;
  }

  /** Consecutive failed dials and drops since the last handshake. */
  get failureCount(): number {
    return this.failures;
  }

  /** Bytes waiting for this peer: queued here, plus handed to the socket and not yet sent. */
  get bufferedBytes(): number {
    return this.queue.pendingBytes + (this.active?.unsentBytes ?? 0);
  }

  /** Queues one frame; false if it would exceed the peer's buffer limit (then it is dropped). */
  send(frame: Uint8Array): boolean {
    if (this.shut) return false;
    this.sentSinceAttempt = true;
    const fits = this.bufferedBytes + FRAME_HEADER_BYTES + frame.byteLength <= this.host.maxBufferedBytes;
    // Framed (and so copied) now: the caller may reuse its buffer as soon as send() returns.
    if (fits) this.queue.push(encodeFrame(frame));
    this.ensureConnection();
    return fits;
  }

  /**
   * A handshaken connection to this peer: ours once dialed, or an inbound one its hello named.
   * With two, the tie-break keeps one and the other is retired. Returns the retired one.
   */
  adopt(connection: PeerConnection): PeerConnection | undefined {
    if (connection === this.dialing) this.dialing = undefined;
    this.failures = 0;
    this.cancelTimer();
    const current = this.active;
    let loser: PeerConnection | undefined;
    if (current === undefined || current.state !== 'open') {
      this.active = connection;
    } else {
      const keep = keepConnection(current, connection, this.host.me, connection.peerAddress ?? this.address);
      loser = keep === current ? connection : current;
      this.active = keep;
    }
    loser?.retire();
    if (this.shut) this.active?.retire();
    else this.queue.flush();
    return loser;
  }

  /**
   * The peer retired the connection in use (it lost a tie-break there first, or the peer is
   * closing). Frames wait for the next connection; a redial waits a backoff step, so that the
   * connection the peer kept, usually about to be adopted, wins the race against a new dial.
   */
  retiredByPeer(connection: PeerConnection): void {
    if (connection !== this.active) return;
    this.active = undefined;
    this.failures++;
    if (this.queue.pendingFrames > 0) this.ensureConnection();
    this.checkIdle();
  }

  /** One of this peer's connections closed; returns true if it was a dial that never handshook. */
  released(connection: PeerConnection): boolean {
    let dialFailed = false;
    if (connection === this.dialing) {
      this.dialing = undefined;
      dialFailed = true;
      if (this.active === undefined) this.failures++;
    } else if (connection === this.active) {
      this.active = undefined;
      this.failures++;
    } else {
      this.checkIdle(); // a retired one: nothing depends on it, but it may have been the last
      return false;
    }
    if (this.queue.pendingFrames > 0) this.ensureConnection();
    this.checkIdle();
    return dialFailed;
  }

  /** The wire is closing: writes what is queued to the open connection, drops the rest. */
  shutdown(): void {
    this.shut = true;
    this.cancelTimer();
    this.queue.flush();
    this.host.dropped(this.queue.clear());
  }

  private ensureConnection(): void {
    if (this.shut || this.active !== undefined || this.dialing !== undefined || this.timer !== undefined) return;
    if (this.failures === 0) {
      this.dial();
      return;
    }
    const delay = backoffDelay(this.failures, this.host.reconnectDelayMs, this.host.random);
    this.timer = this.host.clock.setTimer(delay, () => {
      this.timer = undefined;
      this.retry();
    });
  }

  private retry(): void {
    if (this.shut) return;
    if (!this.sentSinceAttempt) {
      // Nobody is talking to this peer any more (a departed member): stop trying.
      this.host.dropped(this.queue.clear());
      this.checkIdle();
      return;
    }
    this.dial();
  }

  private dial(): void {
    this.sentSinceAttempt = false;
    this.dialing = this.host.dial(this);
    if (this.dialing !== undefined) return;
    this.failures++;
    this.ensureConnection();
  }

  private checkIdle(): void {
    if (this.active || this.dialing || this.timer || this.queue.pendingFrames > 0) return;
    this.host.idle(this);
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}
