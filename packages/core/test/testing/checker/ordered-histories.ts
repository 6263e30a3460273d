/**
 * Hand-built histories with the newer delivery orders, shared by the broken-history table
 * and the specs: the lecture's causal thread through RPC, and two concurrent multicasts.
 */
import type { DeliveryOrder, HistoryEvent } from '../../../src/testing/history.js';
import { A, B, C, HistoryBuilder, P, Q, R, T } from './history-builder.js';

/**
 * The lecture's example: p asks q to send a (an RPC: the request carries p's context to q,
 * the reply carries q's back), then asks r to send b. So send(a) → send(b) although a leaves
 * q and b leaves r. Every member delivers both; t delivers them in `atT` order.
 */
export function lectureHistory(atT: 'a-first' | 'b-first', order: DeliveryOrder = 'causal'): HistoryEvent[] {
  const h = new HistoryBuilder().view(1, [P, Q, R, T]);
  h.handOver(P, Q, 'p-asks-q');
  h.sendWith(Q, 'a', 1, { order });
  h.handOver(Q, P, 'q-replies-p');
  h.handOver(P, R, 'p-asks-r');
  h.sendWith(R, 'b', 1, { order });
  h.handOver(R, P, 'r-replies-p');
  for (const m of [P, Q, R]) h.deliver(m, 'a', Q, 1).deliver(m, 'b', R, 1);
  if (atT === 'a-first') h.deliver(T, 'a', Q, 1).deliver(T, 'b', R, 1);
  else h.deliver(T, 'b', R, 1).deliver(T, 'a', Q, 1);
  return h.events;
}

/**
 * a and b send m1 and m2 at the same time (neither had delivered anything): a delivers m1
 * then m2, b delivers m2 then m1, c delivers m1 then m2.
 */
export function concurrentHistory(order: DeliveryOrder): HistoryEvent[] {
  return new HistoryBuilder()
    .view(1, [A, B, C])
    .sendWith(A, 'm1', 1, { order })
    .sendWith(B, 'm2', 1, { order })
    .deliver(A, 'm1', A, 1)
    .deliver(A, 'm2', B, 1)
    .deliver(B, 'm2', B, 1)
    .deliver(B, 'm1', A, 1)
    .deliver(C, 'm1', A, 1)
    .deliver(C, 'm2', B, 1).events;
}
