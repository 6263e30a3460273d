/**
 * 'self-delivery': a sender delivers its own messages. When a member that sent m in view v
 * installs a later view, it has delivered m already; and a member still alive at the end of
 * the history (no crash, exclusion or leave) has delivered everything it sent. A sender that
 * crashed, was excluded or left before installing a later view owes nothing.
 */
import type { HistoryContext, MemberState } from './context.js';
import type { CheckerFactory } from './types.js';
import { listSome } from './types.js';

export const selfDeliveryChecker: CheckerFactory = (report) => {
  /**
   * [member number] -> how many of its sends were settled already. A member's sends are
   * in view order, so at each of its view installs only the ones after that are looked at.
   */
  const settled: number[] = [];

  /** Its sends from `settled` on that are in a view before `beforeView`: the ids it has not delivered. */
  const owed = (member: MemberState, ctx: HistoryContext, beforeView: number): string[] => {
    const out: string[] = [];
    let i = settled[member.index] ?? 0;
    for (; i < member.sent.length; i++) {
      const msg = member.sent[i]!;
      const viewId = ctx.sends[msg]?.member === member.id ? ctx.sends[msg]?.viewId : undefined;
      if (viewId === undefined) continue; // a second send of someone's id: 'integrity' reports it
      if (viewId >= beforeView) break;
      if (!member.delivered.has(msg)) out.push(`${ctx.messageIds[msg]} (view ${viewId})`);
    }
    settled[member.index] = i;
    return out;
  };

  return {
    property: 'self-delivery',
    onView(event, member, ctx) {
      if (member.sent.length === (settled[member.index] ?? 0)) return;
      const missing = owed(member, ctx, event.view.id);
      if (missing.length > 0) {
        report(
          `${member.id} installed view ${event.view.id} (event #${ctx.index}) without having delivered ` +
            `${missing.length} message(s) it sent earlier: ${listSome(missing)}`,
        );
      }
    },
    finish(ctx) {
      for (const member of ctx.memberList) {
        if (member.exit !== undefined) continue;
        const missing = owed(member, ctx, Infinity);
        if (missing.length > 0) {
          report(`${member.id} is alive at the end of the history but never delivered ${missing.length} message(s) it sent: ${listSome(missing)}`);
        }
      }
    },
  };
};
