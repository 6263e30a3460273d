import type { FlushValue, HeldMessage, PromiseBody } from './membership.header.js';
import type { MemberId, View } from '../types.js';

/**
 * The flush cut of a fresh view change, computed from the promises of the members that
 * answered. For each sender of the ending view the cut is the longest gap-free prefix of
 * everything any respondent holds: what any survivor holds is delivered by all, nothing past
 * a message no survivor holds is delivered by any (FIFO forbids skipping it).
 * The value carries the messages some member of the next view may lack: those above the
 * lowest digest among the next view's old members.
 */
export function computeFlushValue(view: View, promises: ReadonlyMap<MemberId, PromiseBody>, nextMembers: readonly MemberId[]): FlushValue {
  const survivors = nextMembers.filter((member) => promises.has(member));
  const targets: number[] = [];
  const messages: HeldMessage[] = [];
  for (let rank = 0; rank < view.members.length; rank++) {
    const union = new Map<number, HeldMessage>();
    let target = 0;
    for (const promise of promises.values()) {
      target = Math.max(target, promise.digest[rank]!);
      for (const held of promise.held) if (held.senderRank === rank) union.set(held.seq, held);
    }
    while (union.has(target + 1)) target++;
    targets.push(target);
    let lowest = target;
    for (const member of survivors) lowest = Math.min(lowest, promises.get(member)!.digest[rank]!);
    for (let seq = lowest + 1; seq <= target; seq++) {
      const held = union.get(seq);
      // Unreachable by construction: a respondent drops a message only once it is stable.
      if (!held) throw new Error(`flush invariant: message ${rank}:${seq} is in no promise`);
      messages.push(held);
    }
  }
  return { viewId: view.id + 1, members: nextMembers, targets, messages };
}
