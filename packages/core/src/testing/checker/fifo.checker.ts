/**
 * 'fifo': at each member, deliveries from one sender follow that sender's order of 'send'
 * events. Two deliveries from one sender in the same view also leave no hole: the member
 * delivered every message that sender sent between them (FIFO reliable multicast).
 * A repeated delivery is left to 'no-duplicate', one without a send to 'integrity'.
 */
import type { CheckerFactory } from './types.js';
import { listSome } from './types.js';

/** The last delivery a member made from one sender (mutated in place: no allocation per delivery). */
interface LastFrom {
  seq: number;
  msg: number;
  viewId: number;
}

export const fifoChecker: CheckerFactory = (report) => {
  /** [member number][sender number] -> its last delivery from that sender. */
  const last: (LastFrom | undefined)[][] = [];
  return {
    property: 'fifo',
    onDeliver(event, msg, member, ctx) {
      const send = ctx.sends[msg];
      if (send === undefined || member.delivered.has(msg)) return;
      const senderNumber = ctx.senderNumber[msg]!;
      const seq = ctx.seq[msg]!;
      let row = last[member.index];
      if (row === undefined) last[member.index] = row = [];
      const prev = row[senderNumber];
      if (prev === undefined) {
        row[senderNumber] = { seq, msg, viewId: event.viewId };
        return;
      }
      const sender = send.member;
      const id = event.id;
      if (seq < prev.seq) {
        report(
          `${member.id} delivered ${id} (send #${seq} of ${sender}) after ${ctx.messageIds[prev.msg]} (send #${prev.seq}) ` +
            `(event #${ctx.index}): ${sender} sent ${id} first`,
        );
        return; // keep the later position: the member is past it
      }
      if (seq > prev.seq + 1 && event.viewId === prev.viewId) {
        const holes = (ctx.memberList[senderNumber]?.sent.slice(prev.seq + 1, seq) ?? []).map((m) => ctx.messageIds[m] ?? '?');
        report(
          `${member.id} delivered ${id} (send #${seq} of ${sender}) in view ${event.viewId} right after ${ctx.messageIds[prev.msg]} ` +
            `(send #${prev.seq}) (event #${ctx.index}), skipping ${holes.length} earlier message(s) of ${sender}: ${listSome(holes)}`,
        );
      }
      prev.seq = seq;
      prev.msg = msg;
      prev.viewId = event.viewId;
    },
  };
};
