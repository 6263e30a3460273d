import { checkHistory } from '../../../src/testing/checker/history-checker.js';
import type { PropertyName, Violation } from '../../../src/testing/checker/history-checker.js';
import type { HistoryEvent } from '../../../src/testing/history.js';
import { A, B, C, D, HistoryBuilder } from './history-builder.js';
import { concurrentHistory } from './ordered-histories.js';

const only = (p: PropertyName, events: readonly HistoryEvent[], quiescent = true): Violation[] =>
  checkHistory(events, { properties: [p], quiescent });

describe('total-agreement', () => {
  it('catches two members delivering two abcasts in different orders, naming both and both ids', () => {
    const events = concurrentHistory('total');
    const vs = only('total-agreement', events);
    // a vs b and b vs c disagree; a and c agree.
    expect(vs).toHaveLength(2);
    expect(vs[0]?.message).toBe(
      `${A} and ${B} delivered m1 and m2 in different orders: ${A} delivered m1 (event #5) before m2 (event #6), ` +
        `${B} delivered m2 (event #7) before m1 (event #8)`,
    );
    expect(vs[1]?.message).toContain(`${B} and ${C} delivered`);
  });

  it('passes members that deliver different subsets in a compatible order', () => {
    const h = new HistoryBuilder().view(1, [A, B, C]);
    for (const id of ['t1', 't2', 't3']) h.abcast(A, id, 1);
    for (const id of ['t1', 't2', 't3']) h.deliver(A, id, A, 1);
    h.deliver(B, 't1', A, 1).deliver(B, 't3', A, 1); // b never gets t2
    h.deliver(C, 't2', A, 1).deliver(C, 't3', A, 1); // c never gets t1
    expect(only('total-agreement', h.events)).toEqual([]);
  });

  it('catches a disagreement between members that share only part of their messages', () => {
    const h = new HistoryBuilder().view(1, [A, B, C]);
    h.abcast(A, 't1', 1).abcast(B, 't2', 1).abcast(C, 't3', 1);
    h.deliver(A, 't1', A, 1).deliver(A, 't2', B, 1).deliver(A, 't3', C, 1);
    h.deliver(B, 't3', C, 1).deliver(B, 't1', A, 1); // t3 before t1, unlike a
    const vs = only('total-agreement', h.events);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.message).toContain(`${A} and ${B} delivered t1 and t3 in different orders`);
  });

  it('reports a cycle when no two members disagree but no single order fits all of them', () => {
    const h = new HistoryBuilder().view(1, [A, B, C]);
    h.abcast(A, 't1', 1).abcast(B, 't2', 1).abcast(C, 't3', 1);
    h.deliver(A, 't1', A, 1).deliver(A, 't2', B, 1);
    h.deliver(B, 't2', B, 1).deliver(B, 't3', C, 1);
    h.deliver(C, 't3', C, 1).deliver(C, 't1', A, 1);
    const vs = only('total-agreement', h.events);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.message).toContain('no single order');
    expect(vs[0]?.message).toMatch(/t1 → t2 → t3 → t1|t2 → t3 → t1 → t2|t3 → t1 → t2 → t3/);
    expect(vs[0]?.message).toContain(`${A} delivered t1 before t2`);
    expect(vs[0]?.message).toContain(`${B} delivered t2 before t3`);
    expect(vs[0]?.message).toContain(`${C} delivered t3 before t1`);
  });

  it('orders gbcasts with abcasts, but not cbcasts or fifo messages', () => {
    const h = new HistoryBuilder().view(1, [A, B]);
    h.abcast(A, 't1', 1).gbcast(B, 'g1', 1).cbcast(A, 'c1', 1).send(B, 'f1', 1);
    h.deliver(A, 't1', A, 1).deliver(A, 'c1', A, 1).deliver(A, 'f1', B, 1).deliver(A, 'g1', B, 1);
    h.deliver(B, 'f1', B, 1).deliver(B, 'g1', B, 1).deliver(B, 'c1', A, 1).deliver(B, 't1', A, 1);
    const vs = only('total-agreement', h.events);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.message).toContain('delivered t1 and g1 in different orders');
  });

  it('holds across views and ignores repeated deliveries', () => {
    const h = new HistoryBuilder().view(1, [A, B]);
    h.multicast(A, 't1', 1, [A, B], { order: 'total' }).multicast(B, 't2', 1, [A, B], { order: 'total' });
    h.view(2, [A, B]);
    h.multicast(B, 't3', 2, [B, A], { order: 'total' });
    h.deliver(A, 't1', A, 2); // a repeat: 'no-duplicate' reports it, not this property
    expect(only('total-agreement', h.events)).toEqual([]);
  });
});

describe('group-position', () => {
  it('catches a gbcast delivered before a message at one member and after it at another, naming the ids', () => {
    const events = new HistoryBuilder()
      .view(1, [A, B, C])
      .send(A, 'm1', 1)
      .gbcast(B, 'g1', 1)
      .deliver(A, 'm1', A, 1)
      .deliver(A, 'g1', B, 1)
      .deliver(B, 'g1', B, 1)
      .deliver(B, 'm1', A, 1)
      .deliver(C, 'm1', A, 1)
      .deliver(C, 'g1', B, 1).events;
    const vs = only('group-position', events, false);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.message).toBe(
      `gbcast g1 (from ${B}) is not at the same position in view 1 at ${A} (event #6) and ${B} (event #7): ` +
        `before it, only ${A} delivered 1 [m1]; only ${B} delivered nothing`,
    );
    // When the run settled, the sets after it differ too.
    const settled = only('group-position', events, true).map((v) => v.message);
    expect(settled).toHaveLength(2);
    expect(settled.some((m) => m.includes(`after it, only ${A} delivered nothing; only ${B} delivered 1 [m1]`))).toBe(true);
  });

  it('compares sets, not the order of the messages around the gbcast', () => {
    const h = new HistoryBuilder().view(1, [A, B]);
    h.send(A, 'm1', 1).send(B, 'm2', 1).gbcast(A, 'g1', 1).send(B, 'm3', 1).send(A, 'm4', 1);
    h.deliver(A, 'm1', A, 1).deliver(A, 'm2', B, 1).deliver(A, 'g1', A, 1).deliver(A, 'm3', B, 1).deliver(A, 'm4', A, 1);
    h.deliver(B, 'm2', B, 1).deliver(B, 'm1', A, 1).deliver(B, 'g1', A, 1).deliver(B, 'm4', A, 1).deliver(B, 'm3', B, 1);
    expect(checkHistory(h.events, { quiescent: true })).toEqual([]);
  });

  it('compares only the "before" set of a member that crashed after the gbcast', () => {
    const h = new HistoryBuilder().view(1, [A, B, C]);
    h.multicast(A, 'm1', 1, [A, B, C]);
    h.multicast(B, 'g1', 1, [A, B, C], { order: 'group' });
    h.send(A, 'm2', 1).deliver(C, 'm2', A, 1).crash(C).deliver(A, 'm2', A, 1).deliver(B, 'm2', A, 1);
    h.send(A, 'm3', 1).deliver(A, 'm3', A, 1).deliver(B, 'm3', A, 1);
    h.view(2, [A, B]);
    expect(checkHistory(h.events, { quiescent: true })).toEqual([]);
  });

  it('catches a member that crashed with a different "before" set', () => {
    const h = new HistoryBuilder().view(1, [A, B, C]);
    h.send(A, 'm1', 1).gbcast(B, 'g1', 1);
    h.deliver(C, 'g1', B, 1).crash(C);
    h.deliver(A, 'm1', A, 1).deliver(A, 'g1', B, 1).deliver(B, 'm1', A, 1).deliver(B, 'g1', B, 1);
    const vs = only('group-position', h.events);
    expect(vs.map((v) => v.message)).toEqual([
      `gbcast g1 (from ${B}) is not at the same position in view 1 at ${C} (event #5) and ${A} (event #8): ` +
        `before it, only ${C} delivered nothing; only ${A} delivered 1 [m1]`,
      `gbcast g1 (from ${B}) is not at the same position in view 1 at ${C} (event #5) and ${B} (event #10): ` +
        `before it, only ${C} delivered nothing; only ${B} delivered 1 [m1]`,
    ]);
  });

  it('cuts only its own view: deliveries of earlier views do not count', () => {
    const h = new HistoryBuilder().view(1, [A, B, C]);
    h.multicast(A, 'm1', 1, [A, B, C]);
    h.view(2, [A, B, C, D]); // d joins: it has no view-1 history
    h.multicast(C, 'm2', 2, [A, B, C, D]);
    h.multicast(D, 'g2', 2, [D, C, B, A], { order: 'group' });
    h.multicast(A, 'm3', 2, [A, B, C, D]);
    expect(checkHistory(h.events, { quiescent: true })).toEqual([]);
  });

  it('compares the "after" sets of members that both moved on to the next view', () => {
    const h = new HistoryBuilder().view(1, [A, B, C]);
    h.multicast(A, 'g1', 1, [A, B, C], { order: 'group' });
    h.multicast(A, 'm1', 1, [A, B]); // c never gets m1
    h.view(2, [A, B, C]);
    const vs = only('group-position', h.events, false);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.message).toContain(`after it, only ${A} delivered 1 [m1]; only ${C} delivered nothing`);
  });
});
