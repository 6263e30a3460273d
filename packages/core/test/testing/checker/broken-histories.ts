/**
 * For each property, a small history that breaks exactly that property (and no other, even
 * with `quiescent: true`), and the strings its violation must mention.
 */
import type { PropertyName } from '../../../src/testing/checker/history-checker.js';
import type { HistoryEvent } from '../../../src/testing/history.js';
import { A, B, C, HistoryBuilder, T } from './history-builder.js';
import { concurrentHistory, lectureHistory } from './ordered-histories.js';

export interface BrokenHistory {
  property: PropertyName;
  story: string;
  events: HistoryEvent[];
  mentions: string[];
}

export const BROKEN: readonly BrokenHistory[] = [
  {
    property: 'view-agreement',
    story: 'two members install view 1 with the members in a different order',
    events: new HistoryBuilder().view(1, [A, B], [A]).view(1, [B, A], [B]).events,
    mentions: ['view 1', A, B],
  },
  {
    property: 'view-sequence',
    story: 'a member skips view 2 of the group (goes from 1 to 3)',
    events: new HistoryBuilder().view(1, [A, B, C]).view(2, [A, B, C], [B, C]).view(3, [A, B, C]).events,
    mentions: [A, 'view 3', 'view 2'],
  },
  {
    property: 'primary-partition',
    story: 'view 2 keeps only one member of three',
    events: new HistoryBuilder().view(1, [A, B, C]).crash(B).crash(C).view(2, [A]).events,
    mentions: ['view 2', 'view 1', A],
  },
  {
    property: 'fifo',
    story: "b delivers a's second message before its first",
    events: new HistoryBuilder()
      .view(1, [A, B])
      .send(A, 'm1', 1)
      .send(A, 'm2', 1)
      .deliver(A, 'm1', A, 1)
      .deliver(A, 'm2', A, 1)
      .deliver(B, 'm2', A, 1)
      .deliver(B, 'm1', A, 1).events,
    mentions: [B, 'm1', 'm2'],
  },
  {
    property: 'view-synchrony',
    // a crashes at the very end so that 'eventual-delivery' (its sender alive at the end) stays out of it.
    story: 'a and b both move from view 1 to 2 but only a delivered m1 in view 1',
    events: new HistoryBuilder().view(1, [A, B]).multicast(A, 'm0', 1, [A, B]).multicast(A, 'm1', 1, [A]).view(2, [A, B]).crash(A).events,
    mentions: [A, B, 'm1', 'view 1'],
  },
  {
    property: 'self-delivery',
    // a crashes at the very end so that 'eventual-delivery' (its sender alive at the end) stays out of it.
    story: 'a sends m1 in view 1 and installs view 2 without delivering it (nobody does)',
    events: new HistoryBuilder().view(1, [A, B]).send(A, 'm1', 1).view(2, [A, B]).crash(A).events,
    mentions: [A, 'm1', 'view 2'],
  },
  {
    property: 'no-duplicate',
    story: 'b delivers m1 twice',
    events: new HistoryBuilder().view(1, [A, B]).multicast(A, 'm1', 1, [A, B]).deliver(B, 'm1', A, 1).events,
    mentions: [B, 'm1'],
  },
  {
    property: 'integrity',
    story: 'b delivers m1 with another payload than was sent',
    events: new HistoryBuilder().view(1, [A, B]).send(A, 'm1', 1, 'hello').deliver(A, 'm1', A, 1, 'hello').deliver(B, 'm1', A, 1, 'HELLO')
      .events,
    mentions: [B, 'm1', 'HELLO'],
  },
  {
    property: 'after-exit',
    story: 'b sends after its crash',
    events: new HistoryBuilder().view(1, [A, B]).crash(B).send(B, 'm9', 1).events,
    mentions: [B, 'm9', 'crash'],
  },
  {
    property: 'survivor-delivery',
    // The sender c crashed, so that 'eventual-delivery' (senders alive at the end) stays out of it.
    story: "at the end, a and b are alive in view 1 but only a delivered the crashed c's m1",
    events: new HistoryBuilder().view(1, [A, B, C]).multicast(C, 'm1', 1, [A, C]).crash(C).events,
    mentions: [A, B, 'm1', 'view 1'],
  },
  {
    property: 'causal',
    story: "the lecture's RPC thread: t delivers b before a although send(a) → send(b) through p's context",
    events: lectureHistory('b-first'),
    mentions: [T, 'delivered b (', 'before a (', 'send of a', 'send of b'],
  },
  {
    property: 'total-agreement',
    story: 'two concurrent abcasts delivered in different orders by a and b',
    events: concurrentHistory('total'),
    mentions: ['m1', 'm2', 'in different orders'],
  },
  {
    property: 'group-position',
    story: "a delivers b's gbcast after a's fifo message, b delivers it before",
    events: new HistoryBuilder()
      .view(1, [A, B])
      .send(A, 'm1', 1)
      .gbcast(B, 'g1', 1)
      .deliver(A, 'm1', A, 1)
      .deliver(A, 'g1', B, 1)
      .deliver(B, 'g1', B, 1)
      .deliver(B, 'm1', A, 1).events,
    mentions: ['g1', 'm1', A, B, 'view 1'],
  },
  {
    property: 'safe',
    story: 'c delivers its safe message and crashes; the survivors a and b never deliver it',
    events: new HistoryBuilder().view(1, [A, B, C]).multicast(C, 'm1', 1, [C], { safe: true }).crash(C).view(2, [A, B]).events,
    mentions: ['m1', C, A, B, 'view 1'],
  },
  {
    property: 'orphans',
    story: "c's message m1 is lost in its crash, but a and b deliver a's cbcast m2 sent after c handed a its context",
    events: new HistoryBuilder()
      .view(1, [A, B, C])
      .multicast(C, 'm1', 1, [C])
      .handOver(C, A, 'c-calls-a')
      .multicast(A, 'm2', 1, [A, B], { order: 'causal' })
      .crash(C)
      .view(2, [A, B]).events,
    mentions: ['m2', 'm1', A, B, 'view 1'],
  },
  {
    property: 'eventual-delivery',
    story: 'b stays behind in view 1, alive at the end, without the message a sent in it',
    events: new HistoryBuilder().view(1, [A, B, C]).multicast(A, 'm1', 1, [A, C]).view(2, [A, C]).events,
    mentions: [B, 'm1', 'view 1'],
  },
  {
    property: 'replies',
    story: 'a gets a reply from c to m1 naming view 2, but c delivered m1 in view 1',
    events: new HistoryBuilder().view(1, [A, B, C]).multicast(A, 'm1', 1, [A, B, C]).reply(A, B, 'm1', 1).reply(A, C, 'm1', 2).events,
    mentions: [A, C, 'm1', 'view 2', 'view 1'],
  },
  {
    property: 'no-silent-loss',
    story: 'b is excluded from view 1; only b itself delivered its m1, and b reports nothing unconfirmed',
    events: new HistoryBuilder().view(1, [A, B, C]).multicast(B, 'm1', 1, [B]).excluded(B).view(2, [A, C]).events,
    mentions: [B, 'm1', 'excluded', 'view 1'],
  },
  {
    property: 'handled',
    story: "b delivers a's m1 then m2, but its application takes m2 first",
    events: new HistoryBuilder()
      .view(1, [A, B])
      .multicast(A, 'm1', 1, [A, B])
      .multicast(A, 'm2', 1, [A, B])
      .handled(A, 'm1', 'm2')
      .handled(B, 'm2', 'm1').events,
    mentions: [B, 'm2', 'm1', 'out of its delivery order'],
  },
  {
    property: 'at-most-once',
    story: "b runs a client's relayed request on delivering m1, and again on delivering m2, its retry through c",
    events: new HistoryBuilder()
      .view(1, [A, B, C])
      .multicast(A, 'm1', 1, [A, B, C])
      .serve(B, 'client/1#7', 1, 'm1')
      .multicast(C, 'm2', 1, [A, B, C])
      .serve(B, 'client/1#7', 1, 'm2').events,
    mentions: [B, 'client/1#7', 'm1', 'm2', 'more than once'],
  },
];
