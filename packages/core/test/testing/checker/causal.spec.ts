import { checkHistory } from '../../../src/testing/checker/history-checker.js';
import type { PropertyName, Violation } from '../../../src/testing/checker/history-checker.js';
import type { HistoryEvent } from '../../../src/testing/history.js';
import { A, B, C, D, GATEWAY, HistoryBuilder, P, Q, R, T } from './history-builder.js';
import { concurrentHistory, lectureHistory } from './ordered-histories.js';

const only = (p: PropertyName, events: readonly HistoryEvent[], quiescent = true): Violation[] =>
  checkHistory(events, { properties: [p], quiescent });
const all = (events: readonly HistoryEvent[]): Violation[] => checkHistory(events, { quiescent: true });

describe("causal: the lecture's thread through RPC", () => {
  it('passes every property when t delivers a before b', () => {
    expect(all(lectureHistory('a-first'))).toEqual([]);
  });

  it('catches t delivering b before a, naming t, both ids and both sends', () => {
    const events = lectureHistory('b-first');
    const vs = all(events);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.property).toBe('causal');
    const sendA = events.findIndex((e) => e.kind === 'send' && e.id === 'a');
    const sendB = events.findIndex((e) => e.kind === 'send' && e.id === 'b');
    expect(vs[0]?.message).toBe(
      `${T} delivered b ('causal' from ${R}, event #${events.length - 2}) before a (from ${Q}, delivered at event #${events.length - 1}), ` +
        `but the send of a (event #${sendA}) happened before the send of b (event #${sendB})`,
    );
  });

  it('judges abcasts as causal too (total is total and causal)', () => {
    expect(only('causal', lectureHistory('b-first', 'total'))).toHaveLength(1);
  });

  it('does not order a fifo b after a, nor a gbcast b', () => {
    expect(only('causal', lectureHistory('b-first', 'fifo'))).toEqual([]);
    expect(only('causal', lectureHistory('b-first', 'group'))).toEqual([]);
  });

  it('needs the reply: if p does not wait for q, a and b are concurrent and t may deliver b first', () => {
    const h = new HistoryBuilder().view(1, [P, Q, R, T]);
    h.handOver(P, Q, 'p-asks-q').cbcast(Q, 'a', 1);
    h.handOver(P, R, 'p-asks-r').cbcast(R, 'b', 1); // p did not take in q's reply first
    for (const m of [P, Q, R]) h.deliver(m, 'a', Q, 1).deliver(m, 'b', R, 1);
    h.deliver(T, 'b', R, 1).deliver(T, 'a', Q, 1);
    expect(all(h.events)).toEqual([]);
  });

  it('follows a context through a process outside the group, which is no member for view properties', () => {
    const h = new HistoryBuilder().view(1, [A, B, C]);
    h.multicast(A, 'a1', 1, [A]);
    h.handOver(A, GATEWAY, 'a-calls-gateway').handOver(GATEWAY, B, 'gateway-calls-b');
    h.cbcast(B, 'b1', 1).deliver(B, 'a1', A, 1).deliver(B, 'b1', B, 1).deliver(A, 'b1', B, 1);
    h.deliver(C, 'b1', B, 1).deliver(C, 'a1', A, 1); // c: b1 before a1
    const vs = all(h.events);
    expect(vs.map((v) => v.property)).toEqual(['causal']);
    expect(vs[0]?.message).toContain(`${C} delivered b1 ('causal' from ${B}`);
    expect(vs[0]?.message).toContain('before a1 (from a/1');
  });

  it('passes two concurrent cbcasts delivered in different orders, but not as abcasts', () => {
    expect(all(concurrentHistory('causal'))).toEqual([]);
    const total = all(concurrentHistory('total'));
    expect(only('causal', concurrentHistory('total'))).toEqual([]);
    expect(total.length).toBeGreaterThan(0);
    expect(new Set(total.map((v) => v.property))).toEqual(new Set(['total-agreement']));
  });
});

describe('causal: happened-before from the history alone', () => {
  it('runs through a delivery of a fifo message at a third member', () => {
    const events = new HistoryBuilder()
      .view(1, [A, B, C])
      .multicast(A, 'm1', 1, [A, B])
      .multicast(B, 'm2', 1, [B, A, C], { order: 'causal' }) // b delivered m1 before sending m2
      .deliver(C, 'm1', A, 1).events;
    const vs = only('causal', events);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.message).toContain(`${C} delivered m2`);
    expect(vs[0]?.message).toContain('before m1');
  });

  it("orders a sender's own earlier message of any order before its cbcast", () => {
    const events = new HistoryBuilder()
      .view(1, [A, B])
      .send(A, 'm1', 1)
      .cbcast(A, 'm2', 1)
      .deliver(A, 'm1', A, 1)
      .deliver(A, 'm2', A, 1)
      .deliver(B, 'm2', A, 1)
      .deliver(B, 'm1', A, 1).events;
    expect(only('causal', events)[0]?.message).toContain(`${B} delivered m2`);
  });

  it('counts every late predecessor of the same sender in one violation', () => {
    const h = new HistoryBuilder().view(1, [A, B, C]);
    for (const id of ['m1', 'm2', 'm3']) h.multicast(A, id, 1, [A, B]);
    h.multicast(B, 'b1', 1, [B, A, C], { order: 'causal' });
    h.deliver(C, 'm1', A, 1).deliver(C, 'm2', A, 1).deliver(C, 'm3', A, 1);
    const vs = only('causal', h.events);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.message).toContain('before m1 (from a/1, delivered at event #');
    expect(vs[0]?.message).toContain("(and 2 more of a/1's earlier messages)");
  });

  it('is transitive over several hops and contexts', () => {
    const h = new HistoryBuilder().view(1, [A, B, C, D]);
    h.multicast(A, 'm1', 1, [A]);
    h.handOver(A, B, 't1');
    h.multicast(B, 'm2', 1, [B, C]);
    h.handOver(C, GATEWAY, 't2').handOver(GATEWAY, D, 't3');
    h.multicast(D, 'm3', 1, [D, A, B, C], { order: 'causal' });
    h.deliver(D, 'm1', A, 1); // d: m3 before m1 (and it never delivers m2: not judged)
    const vs = only('causal', h.events);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.message).toContain(`${D} delivered m3`);
    expect(vs[0]?.message).toContain('before m1');
  });

  it('does not judge a member that never delivers the predecessor (different subsets)', () => {
    const events = new HistoryBuilder()
      .view(1, [A, B, C])
      .multicast(A, 'm1', 1, [A, B])
      .multicast(B, 'm2', 1, [B, C], { order: 'causal' }).events;
    expect(only('causal', events)).toEqual([]);
  });

  it('ignores a context-in whose token was never handed out, or only handed out later', () => {
    const events = new HistoryBuilder()
      .view(1, [A, B, C])
      .multicast(A, 'm1', 1, [A])
      .contextIn(B, 'early')
      .contextOut(A, 'early')
      .contextIn(B, 'unknown')
      .multicast(B, 'm2', 1, [B, C, A], { order: 'causal' })
      .deliver(C, 'm1', A, 1).events;
    expect(only('causal', events)).toEqual([]);
  });

  it('uses only the first context-out of a token', () => {
    const events = new HistoryBuilder()
      .view(1, [A, B, C])
      .contextOut(A, 'tok')
      .multicast(A, 'm1', 1, [A])
      .contextOut(A, 'tok') // a reused token: the context before m1 counts
      .contextIn(B, 'tok')
      .multicast(B, 'm2', 1, [B, C, A], { order: 'causal' })
      .deliver(C, 'm1', A, 1).events;
    expect(only('causal', events)).toEqual([]);
  });

  it('keeps causality across views: a of view 1 before b of view 2 at the members that deliver both', () => {
    const h = new HistoryBuilder().view(1, [A, B, C]);
    h.multicast(A, 'a1', 1, [A, B, C]);
    h.view(2, [A, B, C, D]);
    h.multicast(B, 'b2', 2, [B, A, C, D], { order: 'causal' }); // d joined in view 2: it never delivers a1
    expect(all(h.events)).toEqual([]);
  });

  it('ignores deliveries without a send and repeated deliveries', () => {
    const events = new HistoryBuilder()
      .view(1, [A, B])
      .deliver(B, 'ghost', A, 1)
      .multicast(A, 'm1', 1, [A, B])
      .multicast(B, 'm2', 1, [B, A], { order: 'causal' })
      .deliver(A, 'm1', A, 1).events;
    expect(only('causal', events)).toEqual([]);
  });
});
