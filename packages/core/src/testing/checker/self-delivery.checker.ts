/**
 * 'self-delivery': a sender delivers its own messages. When a member that sent m in view v
 * installs a later view, it has delivered m already; and, in a settled run (`quiescent`), a
 * member still alive at the end of the history (no crash, exclusion or leave) has delivered
 * everything it sent. A sender that
 * crashed, was excluded or left before installing a later view owes nothing. An orphan
 * (lost-messages.ts: a 'causal'/'total' message that depends on a message of its view lost
 * in a crash) is excused: it is discarded by all, its own sender included. The misses are
 * collected during the pass and reported after it, once orphans are known.
 */
import type { HistoryContext, MemberState } from './context.js';
import type { LostMessages } from './lost-messages.js';
import { lostMessagesOf } from './lost-messages.js';
import type { CheckerFactory } from './types.js';
import { listSome } from './types.js';

interface Miss {
  member: MemberState;
  /** The view install (and its event index) at which it was owed; undefined for the end of the history. */
  install: { viewId: number; at: number } | undefined;
  /** Message numbers and the views they were sent in. */
  msgs: number[];
  views: number[];
}

export const selfDeliveryChecker: CheckerFactory = (report, options) => {
  /**
   * [member number] -> how many of its sends were settled already. A member's sends are
   * in view order, so at each of its view installs only the ones after that are looked at.
   */
  const settled: number[] = [];
  const misses: Miss[] = [];

  /** Its sends from `settled` on that are in a view before `beforeView` and that it has not delivered. */
  const owed = (member: MemberState, ctx: HistoryContext, beforeView: number, install: Miss['install']): void => {
    const miss: Miss = { member, install, msgs: [], views: [] };
    let i = settled[member.index] ?? 0;
    for (; i < member.sent.length; i++) {
      const msg = member.sent[i]!;
      const viewId = ctx.sends[msg]?.member === member.id ? ctx.sends[msg]?.viewId : undefined;
      if (viewId === undefined) continue; // a second send of someone's id: 'integrity' reports it
      if (viewId >= beforeView) break;
      if (!member.delivered.has(msg)) {
        miss.msgs.push(msg);
        miss.views.push(viewId);
      }
    }
    settled[member.index] = i;
    if (miss.msgs.length > 0) misses.push(miss);
  };

  return {
    property: 'self-delivery',
    onView(event, member, ctx) {
      if (member.sent.length === (settled[member.index] ?? 0)) return;
      owed(member, ctx, event.view.id, { viewId: event.view.id, at: ctx.index });
    },
    finish(ctx) {
      // What a member still alive owes at the end is asked only of a run that was allowed to
      // settle: in a group blocked for want of a majority, an abcast waits for a dead sequencer.
      if (options.quiescent === true) {
        for (const member of ctx.memberList) {
          if (member.exit === undefined) owed(member, ctx, Infinity, undefined);
        }
      }
      let lost: LostMessages | undefined;
      for (const miss of misses) {
        const missing: string[] = [];
        miss.msgs.forEach((msg, i) => {
          if ((lost ??= lostMessagesOf(ctx, true)).discarded().has(msg)) return;
          missing.push(`${ctx.messageIds[msg]} (view ${miss.views[i]})`);
        });
        if (missing.length === 0) continue;
        if (miss.install !== undefined) {
          report(
            `${miss.member.id} installed view ${miss.install.viewId} (event #${miss.install.at}) without having delivered ` +
              `${missing.length} message(s) it sent earlier: ${listSome(missing)}`,
          );
        } else {
          report(
            `${miss.member.id} is alive at the end of the history but never delivered ${missing.length} message(s) it sent: ${listSome(missing)}`,
          );
        }
      }
    },
  };
};
