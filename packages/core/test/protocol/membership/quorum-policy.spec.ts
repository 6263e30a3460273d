import { describe, expect, it } from '@jest/globals';
import { CohortError } from '../../../src/errors.js';
import { isQuorum, isQuorumWithStandIns, MAJORITY, validateQuorumPolicy } from '../../../src/protocol/membership/quorum-policy.js';
import type { View } from '../../../src/protocol/types.js';

const two: View = { id: 4, members: ['b:1/7', 'a:1/3'] };
const four: View = { id: 9, members: ['a/1', 'b/1', 'c/1', 'd/1'] };
const set = (...members: string[]): Set<string> => new Set(members);

describe('quorum policies', () => {
  it('majority: strictly more than half of the view', () => {
    expect(isQuorum(MAJORITY, two, set('a:1/3'))).toBe(false);
    expect(isQuorum(MAJORITY, two, set('a:1/3', 'b:1/7'))).toBe(true);
    expect(isQuorum(MAJORITY, four, set('a/1', 'b/1'))).toBe(false);
    expect(isQuorum(MAJORITY, four, set('a/1', 'b/1', 'd/1'))).toBe(true);
    // Voters outside the view do not count.
    expect(isQuorum(MAJORITY, four, set('a/1', 'b/1', 'x/1'))).toBe(false);
  });

  it('tie-breaker: exactly half goes on only if it holds the tie-breaker (lowest address by default)', () => {
    const policy = validateQuorumPolicy({ policy: 'tie-breaker' });
    expect(isQuorum(policy, two, set('a:1/3'))).toBe(true);
    expect(isQuorum(policy, two, set('b:1/7'))).toBe(false);
    expect(isQuorum(policy, four, set('a/1', 'c/1'))).toBe(true);
    expect(isQuorum(policy, four, set('b/1', 'c/1'))).toBe(false);
    const named = validateQuorumPolicy({ policy: 'tie-breaker', tieBreaker: 'b:1' });
    expect(isQuorum(named, two, set('b:1/7'))).toBe(true);
    expect(isQuorum(named, two, set('a:1/3'))).toBe(false);
  });

  it('two-node: either member of a view of two alone, nothing more', () => {
    const policy = validateQuorumPolicy({ policy: 'two-node' });
    expect(isQuorum(policy, two, set('a:1/3'))).toBe(true);
    expect(isQuorum(policy, two, set('b:1/7'))).toBe(true);
    expect(isQuorum(policy, four, set('a/1', 'b/1'))).toBe(false);
  });

  it('stand-ins count only when every other member votes itself and they are no quorum on their own', () => {
    // A group of two, b crashed and restarted: a and b's stand-in decide.
    expect(isQuorumWithStandIns(MAJORITY, two, set('a:1/3', 'b:1/7'), set('b:1/7'))).toBe(true);
    // Four, two restarted: the two others must both vote.
    expect(isQuorumWithStandIns(MAJORITY, four, set('a/1', 'b/1', 'c/1', 'd/1'), set('c/1', 'd/1'))).toBe(true);
    expect(isQuorumWithStandIns(MAJORITY, four, set('b/1', 'c/1', 'd/1'), set('c/1', 'd/1'))).toBe(false);
    // Three of four restarted: they could have decided alone before, with nobody left who remembers.
    expect(isQuorumWithStandIns(MAJORITY, four, set('a/1', 'b/1', 'c/1', 'd/1'), set('b/1', 'c/1', 'd/1'))).toBe(false);
    // The tie-breaker restarted in a group of two: it may have decided alone, so it cannot stand in.
    const tie = validateQuorumPolicy({ policy: 'tie-breaker' });
    expect(isQuorumWithStandIns(tie, two, set('a:1/3', 'b:1/7'), set('a:1/3'))).toBe(false);
  });

  it('rejects malformed policies with INVALID_ARGUMENT', () => {
    for (const bad of [null, 5, 'majority', { policy: 'most' }, { policy: 'tie-breaker', tieBreaker: 3 }]) {
      expect(() => validateQuorumPolicy(bad)).toThrow(CohortError);
    }
    expect(validateQuorumPolicy(undefined)).toEqual(MAJORITY);
  });
});
