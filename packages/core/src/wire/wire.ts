import type { Clock } from '../env/clock.js';
import type { Random } from '../env/random.js';

/** A transport address: "host:port" for TCP, any string on the simulated network. */
export type Address = string;

/**
 * The bottom of the stack: moves opaque frames between addresses. A wire may lose,
 * duplicate, delay and reorder frames; everything above copes with that.
 */
export interface Wire {
  readonly address: Address;
  /** Sends one frame; never throws for an unreachable peer (the frame is simply lost). */
  send(to: Address, frame: Uint8Array): void;
  /** Sets the one receiver of incoming frames (a later call replaces it). */
  onFrame(receiver: (from: Address, frame: Uint8Array) => void): void;
  /** Stops sending and receiving; idempotent. */
  close(): Promise<void>;
  /** A wire that carries its own time and randomness (the simulated one) offers them here. */
  readonly clock?: Clock;
  readonly random?: Random;
}
