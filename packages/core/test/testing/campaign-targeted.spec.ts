import { describe, expect, it } from '@jest/globals';
import { runScenario, type ScenarioResult } from '../../src/testing/campaign/run-scenario.js';
import { generateScenario, type Scenario, type ScenarioAction } from '../../src/testing/campaign/scenario.js';
import type { HistoryEvent } from '../../src/testing/history.js';

const TIMEOUT_MS = 120_000;

/** A hand-made scenario on a quiet network: `members` start at t=0, then `actions`. */
function scenario(members: number, actions: ScenarioAction[], durationMs = 6_000): Scenario {
  const initialMembers = Array.from({ length: members }, (_, i) => `n${i + 1}`);
  return {
    seed: 4242,
    network: { loss: 0, duplication: 0, reorder: 0, delayMs: { min: 1, max: 2 } },
    initialMembers,
    actions: [
      ...initialMembers.map((address, i): ScenarioAction => ({ at: 0, kind: 'start', address, seeds: initialMembers.slice(0, i) })),
      ...actions,
    ].sort((a, b) => a.at - b.at),
    durationMs,
    settleMs: 10_000,
    tailMs: 500,
  };
}

const lastView = (history: readonly HistoryEvent[]): string[] => {
  for (let i = history.length - 1; i >= 0; i--) {
    const e = history[i]!;
    if (e.kind === 'view') return e.view.members;
  }
  return [];
};

const describeFailure = (result: ScenarioResult): string[] => result.violations.map((v) => `[${v.property}] ${v.message}`);

const TARGETED_KINDS = new Set(['restart', 'crash-after-accept', 'crash-around-safe']);
const isTargeted = (a: ScenarioAction): boolean => TARGETED_KINDS.has(a.kind) || (a.kind === 'crash' && a.tag !== undefined);

describe('targeted actions in the scenario', () => {
  it("come from a stream of their own: every seed's other actions are the ones drawn without them", () => {
    for (let seed = 1; seed <= 100; seed++) {
      const withTargeted = generateScenario(seed);
      const without = generateScenario(seed, { targeted: false });
      expect(without.actions.some(isTargeted)).toBe(false);
      expect(withTargeted.actions.filter((a) => !isTargeted(a))).toEqual(without.actions);
    }
  });

  it('are drawn at the documented rates, each restart of a costly crash after it and in the fault phase', () => {
    const count = new Map<string, number>();
    const seeds = 200;
    for (let seed = 1; seed <= seeds; seed++) {
      const s = generateScenario(seed);
      const costly = new Map<number, number>();
      for (const a of s.actions) {
        const key =
          a.kind === 'crash'
            ? a.tag !== undefined
              ? 'costly'
              : 'crash'
            : a.kind === 'restart' && a.of !== undefined
              ? 'restart-of'
              : a.kind;
        count.set(key, (count.get(key) ?? 0) + 1);
        if (a.kind === 'crash' && a.tag !== undefined) costly.set(a.tag, a.at);
        if (a.kind === 'restart' && a.of !== undefined) {
          expect(costly.get(a.of)).toBeLessThan(a.at);
          expect(a.at).toBeLessThan(s.durationMs);
        }
      }
      expect([...costly.keys()]).toEqual(costly.size === 0 ? [] : Array.from({ length: costly.size }, (_, i) => i + 1));
    }
    const perSeed = (key: string): number => (count.get(key) ?? 0) / seeds;
    expect(perSeed('restart')).toBeGreaterThan(4);
    expect(perSeed('restart')).toBeLessThan(7);
    expect(perSeed('costly')).toBeGreaterThan(0.5);
    expect(perSeed('costly')).toBeLessThan(1.2);
    expect(perSeed('restart-of')).toBe(perSeed('costly'));
    expect(perSeed('crash-after-accept')).toBeGreaterThan(1.5);
    expect(perSeed('crash-after-accept')).toBeLessThan(3);
    expect(perSeed('crash-around-safe')).toBeGreaterThan(1.5);
    expect(perSeed('crash-around-safe')).toBeLessThan(3);
  });
});

describe('targeted runs', () => {
  it(
    'a group of two recovers when its crashed member restarts: the restart stands in for it',
    async () => {
      // Costly crash #1 in the view [n1, n2]: pick 0.9 takes its second member.
      const result = await runScenario(
        scenario(2, [
          { at: 2_000, kind: 'crash', pick: 0.9, tag: 1 },
          { at: 3_000, kind: 'restart', pick: 0, side: 0, of: 1 },
        ]),
      );
      expect(describeFailure(result)).toEqual([]);
      expect(result.stats.costlyCrashesOfTwo).toBe(1);
      expect(result.stats.restarts).toBe(1);
      expect(result.stats.blockedAsExpected).toBe(0);
      const crashed = result.history.find((e) => e.kind === 'crash')!.member;
      const final = lastView(result.history);
      expect(final.map((m) => m.split('/')[0]).sort()).toEqual(['n1', 'n2']);
      expect(final).not.toContain(crashed);
    },
    TIMEOUT_MS,
  );

  it(
    'a group that lost half of an even view for good ends blocked, and says so',
    async () => {
      // Costly crash #1 takes two of the four members, and no restart follows.
      const result = await runScenario(scenario(4, [{ at: 2_000, kind: 'crash', pick: 0, tag: 1 }]));
      expect(describeFailure(result)).toEqual([]);
      expect(result.stats.costlyCrashes).toBe(1);
      expect(result.stats.blockedAsExpected).toBe(1);
      const crashed = new Set(result.history.filter((e) => e.kind === 'crash').map((e) => e.member));
      expect(crashed.size).toBe(2);
      const survivors = lastView(result.history).filter((m) => !crashed.has(m));
      expect(survivors).toHaveLength(2);
      for (const member of survivors) {
        const last = result.history.filter((e) => (e.kind === 'blocked' || e.kind === 'unblocked') && e.member === member).at(-1);
        expect(last).toMatchObject({ kind: 'blocked', code: 'NO_QUORUM' });
      }
    },
    TIMEOUT_MS,
  );

  it(
    'crashes the coordinator right after it sent accept, and the group goes on',
    async () => {
      // A join starts a view change; its coordinator (n1) crashes once its accepts are out.
      const result = await runScenario(
        scenario(5, [
          { at: 2_000, kind: 'crash-after-accept', windowMs: 3_000 },
          { at: 2_100, kind: 'join', address: 'n6' },
        ]),
      );
      expect(describeFailure(result)).toEqual([]);
      expect(result.stats.acceptCrashes).toBe(1);
      expect(result.log.some((line) => line.includes("crash right after it sent 'accept': n1/"))).toBe(true);
      expect(
        lastView(result.history)
          .map((m) => m.split('/')[0])
          .sort(),
      ).toEqual(['n2', 'n3', 'n4', 'n5', 'n6']);
    },
    TIMEOUT_MS,
  );

  it.each(['sent', 'delivered'] as const)(
    'crashes a member right after a safe message is %s, and the survivors agree',
    async (when) => {
      const result = await runScenario(
        scenario(3, [{ at: 2_000, kind: 'crash-around-safe', pick: 0.5, count: 3, order: 'total', when, windowMs: 2_000 }]),
      );
      expect(describeFailure(result)).toEqual([]);
      expect(when === 'sent' ? result.stats.safeCrashesSent : result.stats.safeCrashesDelivered).toBe(1);
      expect(result.history.filter((e) => e.kind === 'crash')).toHaveLength(1);
    },
    TIMEOUT_MS,
  );
});
