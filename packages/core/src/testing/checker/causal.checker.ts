/**
 * 'causal': if send(a) → send(b) (happened-before from the history alone: see
 * causal-past.ts; it runs through other members' deliveries and through 'context-out' /
 * 'context-in' hand-overs, also across processes outside the group) and b is a 'causal' or
 * 'total' message (a of any order), every member that delivers both delivers a first.
 * A member that never delivers a (it joined later, a was lost in a crash, ...) is not judged
 * here; lost predecessors are the business of 'orphans'.
 *
 * Done after the pass, in O(events + ordered deliveries × members):
 *   1. causal-past.ts gives dep(b)[x] = how many of x's sends happened before send(b);
 *   2. one pass records, per delivering member q and sender x, the event index of q's first
 *      delivery of each of x's sends (by x's send sequence; -1 = never), turned into a
 *      prefix maximum;
 *   3. for each delivery of an ordered b by q at event i, for each x with k = dep(b)[x] > 0:
 *      the prefix maximum of q's delivery positions of x's first k sends must be < i
 *      (messages q never delivers are -1, so they never count).
 */
import { causalPastOf, isCausallyOrdered } from './causal-past.js';
import { hasCausalSends } from './lost-messages.js';
import type { CheckerFactory } from './types.js';

export const causalChecker: CheckerFactory = (report) => ({
  property: 'causal',
  finish(ctx) {
    if (!hasCausalSends(ctx)) return;
    const past = causalPastOf(ctx);
    const memberCount = ctx.memberList.length;
    /** [q][x][seq] -> event index of q's first delivery of x's send #seq, -1 if never. */
    const positions: (Int32Array | undefined)[][] = [];
    /** The deliveries of 'causal'/'total' messages: member number, message number, event index. */
    const orderedMember: number[] = [];
    const orderedMsg: number[] = [];
    const orderedAt: number[] = [];

    const events = ctx.events;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      if (event.kind !== 'deliver') continue;
      const msg = ctx.messageNumbers.get(event.id);
      const member = ctx.members.get(event.member);
      if (msg === undefined || member === undefined) continue;
      const sentAt = ctx.sendIndex[msg]!;
      if (sentAt < 0 || sentAt > i) continue; // no send before it: 'integrity'
      const x = ctx.senderNumber[msg]!;
      const q = member.index;
      const row = (positions[q] ??= []);
      let at = row[x];
      if (at === undefined) row[x] = at = new Int32Array(ctx.memberList[x]!.sent.length).fill(-1);
      const seq = ctx.seq[msg]!;
      if (at[seq] !== -1) continue; // a repeated delivery: 'no-duplicate'
      at[seq] = i;
      if (isCausallyOrdered(ctx.sends[msg]?.order)) {
        orderedMember.push(q);
        orderedMsg.push(msg);
        orderedAt.push(i);
      }
    }

    /** [q][x][seq] -> the latest of q's delivery positions of x's sends #0..#seq. */
    const latest: (Int32Array | undefined)[][] = positions.map((row) =>
      row.map((at) => {
        if (at === undefined) return undefined;
        const max = new Int32Array(at.length);
        let m = -1;
        for (let j = 0; j < at.length; j++) max[j] = m = Math.max(m, at[j]!);
        return max;
      }),
    );

    for (let d = 0; d < orderedMsg.length; d++) {
      const q = orderedMember[d]!;
      const b = orderedMsg[d]!;
      const deliveredAt = orderedAt[d]!;
      const rowLatest = latest[q];
      const rowAt = positions[q];
      if (rowLatest === undefined || rowAt === undefined) continue;
      for (let x = 0; x < memberCount; x++) {
        const max = rowLatest[x];
        if (max === undefined || max.length === 0) continue;
        const k = past.dependency(b, x);
        if (k === 0) continue;
        const last = Math.min(k, max.length) - 1;
        if (max[last]! <= deliveredAt) continue;
        const at = rowAt[x]!;
        const late: number[] = [];
        for (let j = 0; j <= last; j++) if (at[j]! > deliveredAt) late.push(j);
        const a = ctx.memberList[x]!.sent[late[0]!]!;
        const send = ctx.sends[b];
        const more = late.length > 1 ? ` (and ${late.length - 1} more of ${ctx.memberList[x]!.id}'s earlier messages)` : '';
        report(
          `${ctx.memberList[q]!.id} delivered ${ctx.messageIds[b]} ('${send?.order ?? '?'}' from ${send?.member ?? '?'}, event #${deliveredAt}) ` +
            `before ${ctx.messageIds[a]} (from ${ctx.memberList[x]!.id}, delivered at event #${at[late[0]!]})${more}, ` +
            `but the send of ${ctx.messageIds[a]} (event #${ctx.sendIndex[a]}) happened before the send of ${ctx.messageIds[b]} (event #${ctx.sendIndex[b]})`,
        );
      }
    }
  },
});
