import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../env/clock.js';
import type { Address } from '../wire.js';
import { encodeFrame, encodeRetireMarker, FrameParser } from './frame-parser.js';
import { decodeHello, HELLO_MAX_FRAME_BYTES, type Hello } from './handshake.js';
import type { Contender, Direction } from './tie-break.js';
import type { WriteTarget } from './write-coalescer.js';

/**
 * handshaking: our hello is written, the peer's is awaited; nothing else may be sent yet.
 * open: carries frames both ways. retiring: we wrote our retire marker and write nothing
 * more, but still read (and deliver) until the peer's marker. closed: the socket is gone.
 *
 * Why a marker rather than just ending the socket: when both ends pick the same connection
 * to drop, each may have written frames on it that the other has not read yet. A FIN does
 * not wait for those (with allowHalfOpen off, Node ends our side as soon as the peer's FIN
 * comes, so later writes fail; over TLS, tests lost frames this way every time). The
 * marker is in the stream, after the last frame: once each side has sent its marker and read
 * the other's, nothing is in flight and the socket ends with nothing lost.
 */
export type ConnectionState = 'handshaking' | 'open' | 'retiring' | 'closed';

export interface ConnectionListener {
  /** The peer's hello arrived and is valid. */
  handshaken(connection: PeerConnection): void;
  frame(connection: PeerConnection, frame: Uint8Array): void;
  /** The connection is being closed for cause; `closed` follows. */
  failed(connection: PeerConnection, cause: 'handshake' | 'oversized', detail: string): void;
  /** The peer retired this open connection (its marker arrived): it takes no more frames. */
  retiredByPeer(connection: PeerConnection): void;
  /** The socket closed, for whatever reason; called exactly once. */
  closed(connection: PeerConnection): void;
}

export interface ConnectionSettings {
  ownHello: Uint8Array;
  maxFrameBytes: number;
  handshakeTimeoutMs: number;
  /** How long a retiring connection waits for the peer's marker and end before destroying it. */
  retireTimeoutMs: number;
  clock: Clock;
}

/**
 * One socket to one peer: writes our hello, reads and checks the peer's, then turns the byte
 * stream into frames. It owns no queue: the Peer decides what is written and where.
 */
export class PeerConnection implements Contender {
  private currentState: ConnectionState = 'handshaking';
  private readonly parser = new FrameParser(HELLO_MAX_FRAME_BYTES);
  private hello: Hello | undefined;
  private timer: TimerHandle | undefined;
  private lastError: Error | undefined;
  private markerSent = false;
  private markerReceived = false;
  private destroyedHere = false;
  private wasBroken = false;
  /** Resolves once the socket is closed. */
  readonly closed: Promise<void>;

  constructor(
    readonly socket: Socket,
    readonly direction: Direction,
    /** For an outbound connection, the address we dialed (the key of its Peer). */
    readonly dialed: Address | undefined,
    private readonly settings: ConnectionSettings,
    private readonly listener: ConnectionListener,
  ) {
    // We coalesce ourselves; Nagle would only add a delay to the last batch of a burst.
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        // Still open here: neither side retired it (a marker makes it 'retiring') and we did
        // not close it ourselves, so the peer's end went away: EOF, reset, broken pipe.
        this.wasBroken = this.currentState === 'open' && !this.destroyedHere;
        this.currentState = 'closed';
        this.parser.stop();
        this.cancelTimer();
        resolve();
        this.listener.closed(this);
      });
    });
    // An error is always followed by 'close', which does the bookkeeping; without a listener
    // it would be thrown as an uncaught exception.
    socket.on('error', (error) => {
      this.lastError = error;
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.write(encodeFrame(settings.ownHello));
    this.timer = settings.clock.setTimer(settings.handshakeTimeoutMs, () => {
      this.timer = undefined;
      if (this.currentState !== 'handshaking') return;
      this.fail('handshake', `no hello within ${settings.handshakeTimeoutMs} ms`);
    });
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** The peer's listen address, once handshaken. */
  get peerAddress(): Address | undefined {
    return this.hello?.address;
  }

  get peerInstance(): number {
    return this.hello?.instance ?? -1;
  }

  get error(): Error | undefined {
    return this.lastError;
  }

  /**
   * Once closed: true if the connection was handshaken and in use, neither side had retired
   * it (no marker either way), and we did not destroy it ourselves: the peer's end went away
   * without the orderly marker (EOF, ECONNRESET, EPIPE ...), the sign of a crashed process.
   */
  get broken(): boolean {
    return this.wasBroken;
  }

  /** Where a Peer may write frames: only an open connection. */
  target(): WriteTarget | undefined {
    return this.currentState === 'open' && !this.socket.destroyed ? this.socket : undefined;
  }

  /** Bytes handed to the socket and not yet sent. */
  get unsentBytes(): number {
    return this.currentState === 'closed' ? 0 : this.socket.writableLength;
  }

  /**
   * Stops writing here, without losing anything either way: writes our marker after what is
   * already written, keeps delivering what the peer sends until its marker, then ends.
   * Gives up (destroys) after retireTimeoutMs.
   */
  retire(): void {
    if (this.currentState === 'retiring' || this.currentState === 'closed') return;
    if (this.beginRetiring() && this.markerReceived) this.socket.end();
  }

  /**
   * Closing the wire: marker (so the peer stops writing here at once) and end now, without
   * waiting for the peer's marker: nothing it still sends would be delivered anyway.
   */
  close(): void {
    if (this.currentState === 'closed') return;
    if (this.beginRetiring()) this.socket.end();
  }

  /** Marker out and the give-up timer armed; false if the connection was only handshaking (destroyed). */
  private beginRetiring(): boolean {
    if (this.currentState === 'handshaking') {
      this.destroy();
      return false;
    }
    this.currentState = 'retiring';
    this.sendMarker();
    this.armRetireTimer();
    return true;
  }

  /** Closes now; anything unsent is lost. */
  destroy(): void {
    if (this.currentState !== 'closed') this.destroyedHere = true;
    this.parser.stop();
    this.cancelTimer();
    if (this.currentState !== 'closed') this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.parser.push(
      chunk,
      (frame) => this.onParsed(frame),
      () => this.onMarker(),
    );
    const oversized = this.parser.oversized;
    if (oversized === undefined) return;
    if (this.hello === undefined) this.fail('handshake', `first frame of ${oversized} bytes is not a hello`);
    else this.fail('oversized', `peer announced a frame of ${oversized} bytes (limit ${this.settings.maxFrameBytes})`);
  }

  private onParsed(frame: Uint8Array): void {
    if (this.currentState === 'closed') return;
    if (this.hello !== undefined) {
      this.listener.frame(this, frame);
      return;
    }
    const result = decodeHello(frame);
    if (!result.ok) {
      this.fail('handshake', result.reason);
      return;
    }
    this.hello = result.hello;
    this.parser.maxFrameBytes = this.settings.maxFrameBytes;
    this.cancelTimer();
    if (this.currentState === 'handshaking') this.currentState = 'open';
    this.listener.handshaken(this);
  }

  private onMarker(): void {
    if (this.hello === undefined) {
      this.fail('handshake', 'retire marker before the hello');
      return;
    }
    if (this.markerReceived) return;
    this.markerReceived = true;
    if (this.currentState === 'open') {
      this.retire();
      this.listener.retiredByPeer(this);
    } else if (this.currentState === 'retiring' && !this.socket.writableEnded) {
      this.socket.end();
    }
  }

  private sendMarker(): void {
    if (this.markerSent || this.socket.writableEnded || this.socket.destroyed) return;
    this.markerSent = true;
    this.socket.write(encodeRetireMarker());
  }

  private armRetireTimer(): void {
    this.cancelTimer();
    this.timer = this.settings.clock.setTimer(this.settings.retireTimeoutMs, () => {
      this.timer = undefined;
      this.destroy();
    });
  }

  private fail(cause: 'handshake' | 'oversized', detail: string): void {
    this.lastError ??= new Error(detail);
    this.listener.failed(this, cause, detail);
    this.destroy();
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}
