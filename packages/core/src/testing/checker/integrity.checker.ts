/**
 * 'integrity': nothing is delivered that was not sent. Every delivered id has an earlier
 * 'send' with the same sender, view id and payload; and an id is sent only once.
 */
import type { CheckerFactory } from './types.js';

function show(payload: string): string {
  const s = JSON.stringify(payload);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

export const integrityChecker: CheckerFactory = (report) => ({
  property: 'integrity',
  onSend(event, msg, _sender, ctx) {
    const first = ctx.sends[msg];
    if (first !== undefined) {
      report(
        `message id ${event.id} sent twice: by ${first.member} (event #${ctx.sendIndex[msg]}) and by ${event.member} (event #${ctx.index})`,
      );
    }
  },
  onDeliver(event, msg, member, ctx) {
    const send = ctx.sends[msg];
    if (send === undefined) {
      report(
        `${member.id} delivered ${event.id} (from ${event.sender}, view ${event.viewId}) at event #${ctx.index}, but no send of ${event.id} came before`,
      );
      return;
    }
    const wrong: string[] = [];
    if (send.member !== event.sender) wrong.push(`sender ${event.sender} instead of ${send.member}`);
    if (send.viewId !== event.viewId) wrong.push(`view ${event.viewId} instead of ${send.viewId}`);
    if (send.payload !== event.payload) wrong.push(`payload ${show(event.payload)} instead of ${show(send.payload)}`);
    if (wrong.length > 0) {
      report(`${member.id} delivered ${event.id} (event #${ctx.index}) with ${wrong.join(', ')} (send at event #${ctx.sendIndex[msg]})`);
    }
  },
});
