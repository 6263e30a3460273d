/**
 * 'no-silent-loss': nothing acknowledged is lost silently (DESIGN §1, "Keeping its word
 * outside the model"). A message is *lost* (lost-messages.ts) when the view it was sent in
 * has survivors (survivors.ts) and none of them delivered it — the sender's own delivery, or
 * that of a member that crashed or was excluded with it, does not save it. A lost message
 * whose sender did not crash (no 'crash' event of that member id) must be named in an
 * 'unconfirmed' event of its sender: the application was told, and may send it again.
 *
 * Who is judged, and when:
 * - an excluded sender: always. The view it was excluded from is over once a later view is
 *   installed, so what no survivor delivered then is never delivered; it must report every
 *   such message, orphans included (it cannot confirm them either).
 * - a sender that left: always; a leaver takes part in the flush that lets it go, so its
 *   messages are delivered by the survivors. An orphan (lost-messages.ts) is excused: it is
 *   discarded by all by design.
 * - a sender alive at the end: only with `quiescent` (before the run settles its messages
 *   may still be in flight); orphans excused. Self-delivery and eventual-delivery say more.
 * - a sender that crashed: never ('view-synchrony' judges all or none for its messages).
 *
 * After the pass: O(judged messages × survivors of their view), like eventual-delivery.
 */
import type { MemberState } from './context.js';
import type { LostMessages } from './lost-messages.js';
import { lostMessagesOf } from './lost-messages.js';
import type { CheckerFactory } from './types.js';
import { listSome } from './types.js';

export const noSilentLossChecker: CheckerFactory = (report, options) => {
  /** Member numbers with a 'crash' event (any, not only the first exit). */
  const crashed = new Set<number>();
  /** Member number -> the ids its 'unconfirmed' events named. */
  const unconfirmed = new Map<number, Set<string>>();
  return {
    property: 'no-silent-loss',
    onExit(event, member) {
      if (event.kind === 'crash') crashed.add(member.index);
    },
    onUnconfirmed(event, member) {
      let ids = unconfirmed.get(member.index);
      if (ids === undefined) unconfirmed.set(member.index, (ids = new Set()));
      for (const id of event.ids) ids.add(id);
    },
    finish(ctx) {
      const quiescent = options.quiescent === true;
      let lost: LostMessages | undefined;
      const silent = new Map<MemberState, string[]>();
      for (let msg = 0; msg < ctx.messageIds.length; msg++) {
        const send = ctx.sends[msg];
        if (send === undefined) continue;
        const sender = ctx.memberList[ctx.senderNumber[msg]!];
        if (sender === undefined || crashed.has(sender.index)) continue;
        const exit = sender.exit?.kind;
        if (exit === undefined && !quiescent) continue;
        lost ??= lostMessagesOf(ctx, quiescent);
        if (!lost.isLost(msg)) continue;
        if (unconfirmed.get(sender.index)?.has(send.id) === true) continue;
        if (exit !== 'excluded' && lost.discarded().has(msg)) continue;
        let ids = silent.get(sender);
        if (ids === undefined) silent.set(sender, (ids = []));
        ids.push(`${send.id} (view ${send.viewId})`);
      }
      for (const [sender, ids] of silent) {
        const exit = sender.exit;
        const who = exit === undefined ? 'alive at the end' : `${exit.kind === 'excluded' ? 'excluded' : 'left'} at event #${exit.index}`;
        const reported = unconfirmed.get(sender.index)?.size ?? 0;
        report(
          `${sender.id} (${who}) sent ${ids.length} message(s) that no survivor of their view delivered, and ` +
            `${reported === 0 ? 'it reported none unconfirmed' : `its 'unconfirmed' reports (${reported} id(s)) do not name them`}: ${listSome(ids)}`,
        );
      }
    },
  };
};
