import type { Clock } from '../env/clock.js';
import type { Random } from '../env/random.js';
import type { CohortLogger } from '../util/logger.js';

/** A transport address: "host:port" for TCP, any string on the simulated network. */
export type Address = string;

/**
 * Why a wire reports a peer down (see Wire.onPeerDown):
 *
 * - 'closed': an established (handshaken) connection to that peer ended without the orderly
 *   retire marker (EOF, ECONNRESET, EPIPE ...), and no other live connection to that peer
 *   remains. On the simulated network: the peer's process crashed.
 * - 'refused': a dial to that address was refused (ECONNREFUSED): nothing listens there, which
 *   on loopback or a LAN is proof that the process is gone. On the simulated network: a frame
 *   was sent to an address whose latest process crashed.
 */
export type PeerDownReason = 'closed' | 'refused';

/** The one listener of Wire.onPeerDown. */
export type PeerDownListener = (address: Address, reason: PeerDownReason) => void;

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
  /**
   * Optional. Sets the one listener of "peer down" signals (a later call replaces it): strong,
   * early evidence that the process at `address` is gone, so the layer above may suspect it at
   * once instead of waiting for heartbeat silence (JGroups FD_SOCK style). A wire without the
   * method gives no such signal; a signal is never a guarantee (a wire may miss a crash).
   *
   * - 'closed': an established (handshaken) connection to that peer ended without the orderly
   *   retire marker (EOF, ECONNRESET, EPIPE ...), and no other live connection to that peer
   *   remains.
   * - 'refused': a dial to that address was refused (ECONNREFUSED: nothing listens there); at
   *   most once per failed dial.
   *
   * Never reported for: a connection retired by the one-connection-per-peer tie-break or by the
   * peer's orderly close() (its retire marker), a handshake failure from a stranger, or this
   * wire's own close(). A closed wire reports nothing. `address` is the address frames are sent
   * to (the peer's key in the wire). The listener is called from the wire's I/O callbacks: what
   * it throws is caught by the wire (counted; never thrown into the socket code).
   */
  onPeerDown?(listener: (address: Address, reason: PeerDownReason) => void): void;
  /**
   * Optional: one listener for frames this wire dropped because they failed its own check
   * (the authenticated wire: no valid tag under any key it holds). A joiner uses it to tell
   * "a seed answered with another key" from "no answer". A later call replaces the listener.
   */
  onRejected?(listener: (address: Address, reason: string) => void): void;
  /**
   * Optional: where the wire's own reports go from now on (the authenticated wire's drop
   * reports, at warn). Group.join hands the member's `logger` to its wire; a decorator passes
   * it on to the wire it wraps. A wire given a log of its own keeps it.
   */
  useLogger?(logger: CohortLogger): void;
  /** Stops sending and receiving; idempotent. */
  close(): Promise<void>;
  /** A wire that carries its own time and randomness (the simulated one) offers them here. */
  readonly clock?: Clock;
  readonly random?: Random;
}
