/**
 * 'view-synchrony' (Birman's virtual synchrony): a message is delivered in the view it was
 * sent in, at every member that delivers it; every send and delivery happens in the member's
 * installed view (the event's viewId is that view); and two members that both install v and
 * then v + 1 delivered exactly the same set of messages in v (so a crashed sender's messages
 * reach all survivors or none). "Delivered in v" means delivered while v was the member's
 * installed view, counting each id once.
 */
import type { MemberId } from '../history.js';
import type { SetFingerprint } from './context.js';
import { sameFingerprint } from './context.js';
import type { SetMismatch } from './delivered-sets.js';
import { describeMismatches } from './delivered-sets.js';
import type { CheckerFactory } from './types.js';

export const viewSynchronyChecker: CheckerFactory = (report) => {
  /** view id -> the first member that moved on from it to the next view, and what it delivered in it. */
  const reference = new Map<number, { member: MemberId; delivered: SetFingerprint }>();
  const mismatches: SetMismatch[] = [];
  return {
    property: 'view-synchrony',
    onSend(event, _msg, sender, ctx) {
      const view = sender.view;
      if (view === undefined) {
        report(`${sender.id} sent ${event.id} in view ${event.viewId} (event #${ctx.index}) before installing any view`);
      } else if (view.id !== event.viewId) {
        report(`${sender.id} sent ${event.id} tagged view ${event.viewId} (event #${ctx.index}) while its installed view was ${view.id}`);
      }
    },
    onDeliver(event, msg, member, ctx) {
      const view = member.view;
      if (view === undefined) {
        report(`${member.id} delivered ${event.id} in view ${event.viewId} (event #${ctx.index}) before installing any view`);
      } else if (view.id !== event.viewId) {
        report(
          `${member.id} delivered ${event.id} tagged view ${event.viewId} (event #${ctx.index}) while its installed view was ${view.id}`,
        );
      }
      const send = ctx.sends[msg];
      if (send !== undefined) {
        if (send.viewId !== event.viewId) {
          report(
            `${event.id} was sent by ${send.member} in view ${send.viewId} but delivered by ${member.id} in view ${event.viewId} (event #${ctx.index})`,
          );
        }
      } else {
        const first = ctx.firstDeliveries[msg];
        if (first !== undefined && first.viewId !== event.viewId) {
          report(
            `${event.id} was delivered by ${first.member} in view ${first.viewId} (event #${ctx.firstDeliveryIndex[msg]}) ` +
              `but by ${member.id} in view ${event.viewId} (event #${ctx.index})`,
          );
        }
      }
    },
    onView(event, member) {
      const prev = member.view;
      if (prev === undefined || event.view.id !== prev.id + 1) return;
      const ref = reference.get(prev.id);
      if (ref === undefined) reference.set(prev.id, { member: member.id, delivered: member.deliveredInView });
      else if (!sameFingerprint(ref.delivered, member.deliveredInView)) mismatches.push({ viewId: prev.id, a: ref.member, b: member.id });
    },
    finish(ctx) {
      for (const message of describeMismatches(
        ctx.events,
        mismatches,
        (m, onlyA, onlyB) =>
          `${m.a} and ${m.b} both installed views ${m.viewId} and ${m.viewId + 1} but delivered different messages in view ${m.viewId}: ` +
          `only ${m.a} delivered ${onlyA}; only ${m.b} delivered ${onlyB}`,
      )) {
        report(message);
      }
    },
  };
};
