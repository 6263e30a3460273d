import type { Address } from '../wire.js';

export type Direction = 'outbound' | 'inbound';

/** What the tie-break needs to know of a handshaken connection. */
export interface Contender {
  readonly direction: Direction;
  /** The peer's instance, from its hello. */
  readonly peerInstance: number;
}

/**
 * Two handshaken connections to the same peer: which one to keep. Both ends run this on the
 * same facts (the two listen addresses, who dialed, the instances) and so keep the same one,
 * with no extra message; the other is closed gracefully, so nothing written on it is lost.
 *
 * - Different peer instances: the peer restarted; the connection from its old life is stale.
 * - Both dialed at once (one each way): keep the one dialed by the lower address.
 * - Both dialed by the same side: that side gave up on the older one; keep the newer.
 */
export function keepConnection<C extends Contender>(current: C, incoming: C, me: Address, peer: Address): C {
  if (current.peerInstance !== incoming.peerInstance) return incoming;
  if (current.direction === incoming.direction) return incoming;
  const iAmLower = me < peer;
  const preferred: Direction = iAmLower ? 'outbound' : 'inbound';
  return current.direction === preferred ? current : incoming;
}
