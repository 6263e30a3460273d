import { describe, expect, it } from '@jest/globals';
import { FailureDetector } from '../../../src/protocol/membership/failure-detector.js';

const members = ['a/1', 'b/1', 'c/1'];
const TIMEOUT_MS = 600;

function detectorAt(nowMs: number): FailureDetector {
  const detector = new FailureDetector();
  detector.reset(members, nowMs);
  return detector;
}

describe('FailureDetector', () => {
  it('suspects no one while everyone was heard within the timeout', () => {
    const detector = detectorAt(0);
    expect(detector.check(TIMEOUT_MS, TIMEOUT_MS, 'a/1')).toBe(false);
    expect(detector.anySuspected).toBe(false);
  });

  it('suspects a member silent for longer than the timeout, and only that member', () => {
    const detector = detectorAt(0);
    detector.heard('b/1', 500);
    expect(detector.check(601, TIMEOUT_MS, 'a/1')).toBe(true);
    expect(members.map((m) => detector.isSuspected(m))).toEqual([false, false, true]);
  });

  it('counts any frame heard as a sign of life, pushing suspicion back', () => {
    const detector = detectorAt(0);
    detector.heard('b/1', 400);
    detector.heard('c/1', 400);
    expect(detector.check(1000, TIMEOUT_MS, 'a/1')).toBe(false);
    expect(detector.check(1001, TIMEOUT_MS, 'a/1')).toBe(true);
  });

  it('never suspects itself, however long it has not heard from itself', () => {
    const detector = detectorAt(0);
    detector.heard('b/1', 10_000);
    detector.heard('c/1', 10_000);
    expect(detector.check(10_000, TIMEOUT_MS, 'a/1')).toBe(false);
    expect(detector.isSuspected('a/1')).toBe(false);
  });

  it('clears a suspicion when the suspected member is heard again', () => {
    const detector = detectorAt(0);
    detector.check(1000, TIMEOUT_MS, 'a/1');
    expect(detector.isSuspected('b/1')).toBe(true);
    detector.heard('b/1', 1000);
    detector.heard('c/1', 1000);
    expect(detector.isSuspected('b/1')).toBe(false);
    expect(detector.anySuspected).toBe(false);
  });

  it('keeps an explicit suspicion until the member is heard', () => {
    const detector = detectorAt(0);
    detector.suspect('b/1');
    expect(detector.isSuspected('b/1')).toBe(true);
    expect(detector.check(1, TIMEOUT_MS, 'a/1')).toBe(true);
    detector.heard('b/1', 2);
    expect(detector.anySuspected).toBe(false);
  });

  it('ignores members outside the view it watches', () => {
    const detector = detectorAt(0);
    detector.heard('stranger/1', 5);
    detector.suspect('stranger/1');
    expect(detector.isSuspected('stranger/1')).toBe(false);
    expect(detector.anySuspected).toBe(false);
    expect(detector.check(10_000, TIMEOUT_MS, 'a/1')).toBe(true);
    expect(detector.isSuspected('stranger/1')).toBe(false);
  });

  it('starts afresh on reset: suspicions cleared, members of the old view forgotten', () => {
    const detector = detectorAt(0);
    detector.check(1000, TIMEOUT_MS, 'a/1');
    expect(detector.anySuspected).toBe(true);
    detector.reset(['a/1', 'c/1', 'd/1'], 1000);
    expect(detector.anySuspected).toBe(false);
    detector.suspect('b/1');
    expect(detector.isSuspected('b/1')).toBe(false);
    expect(detector.check(1600, TIMEOUT_MS, 'a/1')).toBe(false);
    expect(detector.check(1601, TIMEOUT_MS, 'a/1')).toBe(true);
    expect(detector.isSuspected('d/1')).toBe(true);
  });
});
