/**
 * 'eventual-delivery' (liveness, only for a run that was allowed to settle: `quiescent`):
 * nothing is delayed forever. Every message whose sender is alive at the end (no crash,
 * exclusion or leave) is delivered by every member alive at the end that installed the view
 * the message was sent in. An orphan (lost-messages.ts: a 'causal'/'total' message that
 * depends on a message lost in a crash) is excused: it is discarded by all.
 *
 * This adds to 'survivor-delivery' and 'view-synchrony' the members that are alive but never
 * got past the view (a blocked member, one left behind by the others).
 * O(messages × members alive at the end) after the pass; nothing during it but the list of
 * each view's installers.
 */
import type { MemberState } from './context.js';
import type { LostMessages } from './lost-messages.js';
import { lostMessagesOf } from './lost-messages.js';
import type { CheckerFactory } from './types.js';
import { listSome } from './types.js';

export const eventualDeliveryChecker: CheckerFactory = (report, options) => {
  /** view id -> the members that installed it. */
  const installers = new Map<number, MemberState[]>();
  return {
    property: 'eventual-delivery',
    onView(event, member) {
      if (options.quiescent !== true) return;
      const list = installers.get(event.view.id);
      if (list === undefined) installers.set(event.view.id, [member]);
      else if (!list.includes(member)) list.push(member);
    },
    finish(ctx) {
      if (options.quiescent !== true) return;
      const alive = new Map<number, MemberState[]>();
      for (const [viewId, list] of installers) {
        const living = list.filter((m) => m.exit === undefined);
        if (living.length > 0) alive.set(viewId, living);
      }
      let lost: LostMessages | undefined;
      /** "member view" -> the ids it never delivered. */
      const missing = new Map<string, { member: MemberState; viewId: number; ids: string[] }>();
      for (let msg = 0; msg < ctx.messageIds.length; msg++) {
        const send = ctx.sends[msg];
        if (send === undefined || ctx.memberList[ctx.senderNumber[msg]!]?.exit !== undefined) continue;
        const receivers = alive.get(send.viewId);
        if (receivers === undefined) continue;
        let excused: boolean | undefined;
        for (const q of receivers) {
          if (q.delivered.has(msg)) continue;
          if (excused === undefined) {
            excused = (lost ??= lostMessagesOf(ctx, true)).discarded().has(msg);
          }
          if (excused) break;
          const key = `${q.id} ${send.viewId}`;
          let entry = missing.get(key);
          if (entry === undefined) missing.set(key, (entry = { member: q, viewId: send.viewId, ids: [] }));
          entry.ids.push(send.id);
        }
      }
      for (const { member, viewId, ids } of missing.values()) {
        report(
          `${member.id} is alive at the end and installed view ${viewId}, but never delivered ${ids.length} message(s) ` +
            `sent in view ${viewId} by members alive at the end: ${listSome(ids)}`,
        );
      }
    },
  };
};
