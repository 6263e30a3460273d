/**
 * 'self-delivery': a sender delivers its own messages. When a member that sent m in view v
 * installs a later view, it has delivered m already; and a member still alive at the end of
 * the history (no crash, exclusion or leave) has delivered everything it sent. A sender that
 * crashed, was excluded or left before installing a later view owes nothing.
 */
import type { MemberId } from '../history.js';
import type { CheckerFactory } from './types.js';
import { listSome } from './types.js';

export const selfDeliveryChecker: CheckerFactory = (report) => {
  /** sender -> its sent ids not yet self-delivered -> the view each was sent in. */
  const pending = new Map<MemberId, Map<string, number>>();
  return {
    property: 'self-delivery',
    onSend(event) {
      let mine = pending.get(event.member);
      if (mine === undefined) pending.set(event.member, (mine = new Map()));
      mine.set(event.id, event.viewId);
    },
    onDeliver(event) {
      pending.get(event.member)?.delete(event.id);
    },
    onView(event, member, ctx) {
      const mine = pending.get(member.id);
      if (mine === undefined || mine.size === 0) return;
      const owed: string[] = [];
      for (const [id, viewId] of mine) {
        if (viewId < event.view.id) {
          owed.push(`${id} (view ${viewId})`);
          mine.delete(id);
        }
      }
      if (owed.length > 0) {
        report(`${member.id} installed view ${event.view.id} (event #${ctx.index}) without having delivered ${owed.length} message(s) it sent earlier: ${listSome(owed)}`);
      }
    },
    finish(ctx) {
      for (const [sender, mine] of pending) {
        if (mine.size === 0 || ctx.members.get(sender)?.exit !== undefined) continue;
        const owed = [...mine].map(([id, viewId]) => `${id} (view ${viewId})`);
        report(`${sender} is alive at the end of the history but never delivered ${owed.length} message(s) it sent: ${listSome(owed)}`);
      }
    },
  };
};
