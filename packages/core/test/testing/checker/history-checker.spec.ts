import { CohortError } from '../../../src/errors.js';
import { assertHistory, checkHistory, HistoryViolationError, PROPERTY_NAMES } from '../../../src/testing/checker/history-checker.js';
import { A, B, C, D, E, HistoryBuilder } from './history-builder.js';
import { generateValidHistory } from './history-generator.js';

/**
 * A valid run: four members; two senders interleave; d leaves (view 2); c sends, then
 * crashes with one message nobody got; e joins (view 3); b is excluded (view 4).
 */
function validHistory(): HistoryBuilder {
  const h = new HistoryBuilder().view(1, [A, B, C, D]);
  h.multicast(A, 'm1', 1, [A, B, C, D]);
  h.send(B, 'm2', 1).send(C, 'm3', 1);
  h.deliver(A, 'm2', B, 1).deliver(A, 'm3', C, 1);
  h.deliver(B, 'm3', C, 1).deliver(B, 'm2', B, 1);
  h.deliver(C, 'm2', B, 1).deliver(C, 'm3', C, 1);
  h.deliver(D, 'm3', C, 1).deliver(D, 'm2', B, 1);
  h.multicast(D, 'm4', 1, [D, C, B, A]);
  h.view(2, [A, B, C]).left(D);
  h.multicast(C, 'm5', 2, [C, A, B]);
  h.send(C, 'm6', 2).crash(C);
  h.view(3, [A, B, E]);
  h.multicast(E, 'm7', 3, [E, A, B]);
  h.multicast(A, 'm8', 3, [B, A, E]);
  h.view(4, [A, E], [A]).excluded(B).view(4, [A, E], [E]);
  h.multicast(E, 'm9', 4, [A, E]);
  return h;
}

describe('checkHistory on valid histories', () => {
  it('passes a hand-built run with a leave, a crash, a join and an exclusion', () => {
    expect(checkHistory(validHistory().events, { quiescent: true })).toEqual([]);
  });

  it('passes the empty history', () => {
    expect(checkHistory([], { quiescent: true })).toEqual([]);
  });

  it('passes a generated run of 5 members, 20,000 messages and 3 views', () => {
    const events = generateValidHistory(20_000, 7);
    expect(events.filter((e) => e.kind === 'send')).toHaveLength(20_000);
    expect(events.filter((e) => e.kind === 'view')).toHaveLength(13);
    expect(events.length).toBeGreaterThan(100_000);
    expect(checkHistory(events, { quiescent: true })).toEqual([]);
  });

  it('catches one dropped delivery in the generated run', () => {
    const events = generateValidHistory(5_000, 3);
    const i = events.findIndex((e) => e.kind === 'deliver' && e.member === 'n1/1' && e.id === 'm1000');
    expect(i).toBeGreaterThan(0);
    events.splice(i, 1);
    const violations = checkHistory(events, { quiescent: true });
    expect(violations.length).toBeGreaterThan(0);
    expect(violations.every((v) => v.message.includes('m1000') || v.message.includes('n1/1'))).toBe(true);
    expect(violations.some((v) => v.property === 'view-synchrony' && v.message.includes('[m1000]'))).toBe(true);
  });
});

describe('options', () => {
  it('checks only the selected properties', () => {
    const events = new HistoryBuilder().view(1, [A, B]).send(A, 'm1', 1).deliver(B, 'm1', A, 1).deliver(B, 'm1', A, 1).events;
    expect(new Set(checkHistory(events, { quiescent: true }).map((v) => v.property))).toEqual(
      new Set(['self-delivery', 'no-duplicate', 'eventual-delivery', 'survivor-delivery']),
    );
    // Unsettled, what a live member still owes is not asked.
    expect(new Set(checkHistory(events).map((v) => v.property))).toEqual(new Set(['no-duplicate']));
    expect(checkHistory(events, { properties: ['no-duplicate'] }).map((v) => v.property)).toEqual(['no-duplicate']);
    expect(checkHistory(events, { properties: [] })).toEqual([]);
  });

  it('lists at most maxViolationsPerProperty per property, then a summary', () => {
    const h = new HistoryBuilder().view(1, [A, B]).multicast(A, 'm1', 1, [A, B]);
    for (let i = 0; i < 10; i++) h.deliver(B, 'm1', A, 1);
    const vs = checkHistory(h.events, { maxViolationsPerProperty: 3 });
    expect(vs).toHaveLength(4);
    expect(vs[3]).toEqual({ property: 'no-duplicate', message: "…and 7 more 'no-duplicate' violation(s) not listed" });
  });

  it('exposes every property name', () => {
    expect(PROPERTY_NAMES).toEqual([
      'view-agreement',
      'view-sequence',
      'primary-partition',
      'fifo',
      'view-synchrony',
      'self-delivery',
      'no-duplicate',
      'integrity',
      'after-exit',
      'survivor-delivery',
      'causal',
      'total-agreement',
      'group-position',
      'safe',
      'orphans',
      'eventual-delivery',
      'replies',
      'no-silent-loss',
      'handled',
      'at-most-once',
    ]);
  });
});

describe('assertHistory', () => {
  it('returns quietly for a valid history', () => {
    expect(() => assertHistory(validHistory().events, { quiescent: true })).not.toThrow();
  });

  it('throws a HistoryViolationError listing up to 20 violations', () => {
    const h = new HistoryBuilder().view(1, [A, B]).multicast(A, 'm1', 1, [A, B]);
    for (let i = 0; i < 30; i++) h.deliver(B, 'm1', A, 1);
    let caught: unknown;
    try {
      assertHistory(h.events);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(HistoryViolationError);
    expect(caught).toBeInstanceOf(CohortError);
    const error = caught as HistoryViolationError;
    expect(error.code).toBe('HISTORY_VIOLATION');
    expect(error.name).toBe('HistoryViolationError');
    expect(error.violations).toHaveLength(30);
    const listed = error.message.split('\n').filter((l) => l.startsWith('  [no-duplicate]'));
    expect(listed).toHaveLength(20);
    expect(error.message).toContain('…and 10 more');
    expect(error.message).toContain('b/1 delivered m1');
  });
});
