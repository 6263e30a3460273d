/**
 * 'fifo': at each member, deliveries from one sender follow that sender's order of 'send'
 * events. Two deliveries from one sender in the same view also leave no hole: the member
 * delivered every message that sender sent between them (FIFO reliable multicast).
 * A repeated delivery is left to 'no-duplicate', one without a send to 'integrity'.
 */
import type { MemberId } from '../history.js';
import { hasDelivered } from './context.js';
import type { CheckerFactory } from './types.js';
import { listSome } from './types.js';

interface LastFrom {
  seq: number;
  id: string;
  viewId: number;
}

export const fifoChecker: CheckerFactory = (report) => {
  /** Each sender's sent ids, in order (index = the context's seq). */
  const sent = new Map<MemberId, string[]>();
  /** member -> sender -> the last delivery from that sender. */
  const last = new Map<MemberId, Map<MemberId, LastFrom>>();
  return {
    property: 'fifo',
    onSend(event) {
      let ids = sent.get(event.member);
      if (ids === undefined) sent.set(event.member, (ids = []));
      ids.push(event.id);
    },
    onDeliver(event, message, member, ctx) {
      const send = message.send;
      if (send === undefined || hasDelivered(message, member.id)) return;
      const sender = send.member;
      let bySender = last.get(member.id);
      if (bySender === undefined) last.set(member.id, (bySender = new Map()));
      const prev = bySender.get(sender);
      const seq = message.seq;
      if (prev !== undefined) {
        if (seq < prev.seq) {
          report(
            `${member.id} delivered ${message.id} (send #${seq} of ${sender}) after ${prev.id} (send #${prev.seq}) ` +
              `(event #${ctx.index}): ${sender} sent ${message.id} first`,
          );
          return; // keep the later position: the member is past it
        }
        if (seq > prev.seq + 1 && event.viewId === prev.viewId) {
          const holes = sent.get(sender)?.slice(prev.seq + 1, seq) ?? [];
          report(
            `${member.id} delivered ${message.id} (send #${seq} of ${sender}) in view ${event.viewId} right after ${prev.id} ` +
              `(send #${prev.seq}) (event #${ctx.index}), skipping ${holes.length} earlier message(s) of ${sender}: ${listSome(holes)}`,
          );
        }
      }
      bySender.set(sender, { seq, id: message.id, viewId: event.viewId });
    },
  };
};
