import type { Random } from '../../env/random.js';
import { InvalidArgumentError } from '../../errors.js';
import type { Address, PeerDownListener, PeerDownReason, Wire } from '../wire.js';
import { NodeClock } from './node-clock.js';
import type { SimClock } from './sim-clock.js';

export type WireState = 'open' | 'closed' | 'crashed';

export type FrameReceiver = (from: Address, frame: Uint8Array) => void;

/** What the network needs from a wire it created, kept off the wire's public surface. */
export interface WireControl {
  crash(): void;
  /** The current receiver, if onFrame() was called. */
  receiver(): FrameReceiver | undefined;
  /** Reports a peer down to the listener, if one is set and this wire is open. */
  peerDown(address: Address, reason: PeerDownReason): void;
}

/** What a wire needs from its network. */
export interface WireHost {
  transmit(from: SimulatedWire, to: Address, frame: Uint8Array): void;
  detach(wire: SimulatedWire): void;
}

/**
 * One simulated process's endpoint. Its clock and random belong to the process: a crash or
 * close stops the clock (pending timers and deferred calls never fire).
 */
export class SimulatedWire implements Wire {
  readonly clock: NodeClock;
  private receiverFn: FrameReceiver | undefined;
  private peerDownFn: PeerDownListener | undefined;
  private currentState: WireState = 'open';

  constructor(
    readonly address: Address,
    /** 0 for the first wire created for this address, then 1, 2, ... after each crash/close. */
    readonly incarnation: number,
    readonly random: Random,
    sim: SimClock,
    private readonly host: WireHost,
    expose: (control: WireControl) => void,
  ) {
    this.clock = new NodeClock(sim);
    expose({
      crash: () => this.stop('crashed'),
      receiver: () => this.receiverFn,
      peerDown: (address, reason) => {
        if (this.currentState === 'open') this.peerDownFn?.(address, reason);
      },
    });
  }

  get state(): WireState {
    return this.currentState;
  }

  /** Copies `frame` and hands it to the network; silently dropped if this wire is not open. */
  send(to: Address, frame: Uint8Array): void {
    if (typeof to !== 'string') throw new InvalidArgumentError('send: the destination must be an address string');
    if (!(frame instanceof Uint8Array)) throw new InvalidArgumentError('send: the frame must be a Uint8Array');
    this.host.transmit(this, to, frame);
  }

  onFrame(receiver: FrameReceiver): void {
    if (typeof receiver !== 'function') throw new InvalidArgumentError('onFrame: the receiver must be a function');
    this.receiverFn = receiver;
  }

  /**
   * Sets the one listener of peer-down signals (a later call replaces it). The network reports
   * 'closed' when a process this wire can reach crashes, and 'refused' when this wire sends to
   * an address whose latest process crashed (see README.md, "Peer down"). Nothing is reported
   * for a graceful close(), nor to a closed or crashed wire. What the listener throws is
   * collected in network.errors, like a throwing receiver.
   */
  onPeerDown(listener: PeerDownListener): void {
    if (typeof listener !== 'function') throw new InvalidArgumentError('onPeerDown: the listener must be a function');
    this.peerDownFn = listener;
  }

  close(): Promise<void> {
    this.stop('closed');
    return Promise.resolve();
  }

  private stop(state: 'closed' | 'crashed'): void {
    if (this.currentState !== 'open') return;
    this.currentState = state;
    this.clock.stop();
    this.host.detach(this);
  }
}
