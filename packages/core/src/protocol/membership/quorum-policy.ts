import { InvalidArgumentError } from '../../errors.js';
import { addressOf, majorityOf, type MemberId, type View } from '../types.js';

/**
 * Which sets of a view's members may install the next view (docs/quorum.md). Every policy
 * but 'two-node' is a quorum system (any two quorums intersect), so Paxos stays safe and a
 * partition never forks the group; 'two-node' trades that for availability, as Corosync's
 * two_node does, and is only for deployments that fence the other node.
 *
 * - `majority` (default): strictly more than half of the view.
 * - `tie-breaker`: a majority, or exactly half of an even view if that half holds the
 *   tie-breaker (`tieBreaker` address, default the lowest address of the view); a group of
 *   two therefore goes on when the other member dies, unless the one that died is the
 *   tie-breaker. As members go one at a time, each view's quorum is counted on the view
 *   before it, so a group shrinks down to its last member (last man standing).
 * - `two-node`: also, in a view of exactly two, either member alone.
 */
export type QuorumPolicy =
  { readonly policy: 'majority' } | { readonly policy: 'tie-breaker'; readonly tieBreaker?: string } | { readonly policy: 'two-node' };

export const MAJORITY: QuorumPolicy = { policy: 'majority' };

export function validateQuorumPolicy(value: unknown): QuorumPolicy {
  if (value === undefined) return MAJORITY;
  const policy = (value as { policy?: unknown } | null)?.policy;
  if (typeof value !== 'object' || value === null || (policy !== 'majority' && policy !== 'tie-breaker' && policy !== 'two-node')) {
    throw new InvalidArgumentError("quorum must be { policy: 'majority' | 'tie-breaker' | 'two-node' }");
  }
  const tieBreaker = (value as { tieBreaker?: unknown }).tieBreaker;
  if (policy === 'tie-breaker' && tieBreaker !== undefined && (typeof tieBreaker !== 'string' || tieBreaker.length === 0)) {
    throw new InvalidArgumentError('quorum.tieBreaker must be a member address');
  }
  return value as QuorumPolicy;
}

/** Is `voters` (members of `view`) enough to decide the view that follows it? */
export function isQuorum(policy: QuorumPolicy, view: View, voters: ReadonlySet<MemberId>): boolean {
  const n = view.members.length;
  let count = 0;
  for (const member of view.members) if (voters.has(member)) count++;
  if (count >= majorityOf(n)) return true;
  if (policy.policy === 'two-node') return n === 2 && count === 1;
  if (policy.policy === 'tie-breaker' && n % 2 === 0 && count === n / 2) {
    const breaker = tieBreakerOf(policy, view);
    return view.members.some((member) => voters.has(member) && addressOf(member) === breaker);
  }
  return false;
}

function tieBreakerOf(policy: { tieBreaker?: string }, view: View): string {
  return policy.tieBreaker ?? view.members.map(addressOf).sort()[0]!;
}

/**
 * A view change decided with stand-ins: `standIns` are members of the view that crashed and
 * restarted at the same address, whose new incarnation votes in their place with no memory
 * of what the old one promised or accepted. That is safe (docs/protocol.md, "Stand-ins")
 * when every other member of the view votes itself, and the amnesiac ones could not form a
 * quorum on their own: then every earlier quorum holds a member that remembers.
 */
export function isQuorumWithStandIns(
  policy: QuorumPolicy,
  view: View,
  voters: ReadonlySet<MemberId>,
  standIns: ReadonlySet<MemberId>,
): boolean {
  const real = new Set([...voters].filter((member) => !standIns.has(member)));
  if (isQuorum(policy, view, real)) return true;
  if (standIns.size === 0 || isQuorum(policy, view, standIns)) return false;
  return view.members.every((member) => voters.has(member));
}
