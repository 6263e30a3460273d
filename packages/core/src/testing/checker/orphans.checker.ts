/**
 * 'orphans': a message lost in a crash takes its causal successors with it. If a message a
 * sent in view v is lost — view v has survivors and none of them delivered a (survivors.ts:
 * members that installed v and then v + 1; with `quiescent`, also members alive at the end
 * in v) — then no survivor of v delivers a 'causal' or 'total' message b sent in the same
 * view v with send(a) → send(b) (causal-past.ts). Only a and b of the same view are
 * related: a context from an older view is satisfied by the flush that ended it.
 *
 * After the pass (lost-messages.ts): O(sends × survivors + ordered messages × members × log).
 */
import { hasCausalSends, lostMessagesOf } from './lost-messages.js';
import type { CheckerFactory } from './types.js';
import { listSome } from './types.js';

export const orphansChecker: CheckerFactory = (report, options) => ({
  property: 'orphans',
  finish(ctx) {
    if (!hasCausalSends(ctx)) return;
    const lost = lostMessagesOf(ctx, options.quiescent === true);
    for (const [b, orphan] of lost.discarded()) {
      const send = ctx.sends[b];
      if (send === undefined) continue;
      const deliverers: string[] = [];
      for (const s of lost.survivors.get(send.viewId) ?? []) if (s.member.delivered.has(b)) deliverers.push(s.member.id);
      if (deliverers.length === 0) continue;
      const a = orphan.lost;
      const sendA = ctx.sends[a];
      report(
        `${ctx.messageIds[b]} ('${send.order ?? 'fifo'}' from ${send.member}, view ${send.viewId}) is an orphan: ` +
          `its send (event #${ctx.sendIndex[b]}) happened after the send of ${ctx.messageIds[a]} (by ${sendA?.member ?? '?'}, event #${ctx.sendIndex[a]}), ` +
          `which no survivor of view ${send.viewId} delivered; yet survivor(s) ${listSome(deliverers)} delivered ${ctx.messageIds[b]}`,
      );
    }
  },
});
