/**
 * A campaign: the scenarios of seeds from .. from + count - 1, one after the other, each
 * judged on its own. Failures are collected with their violations; passing runs are summed
 * into totals and dropped (a campaign of 10 000 seeds keeps no histories).
 */
import { realClock } from '../../env/clock.js';
import { InvalidArgumentError } from '../../errors.js';
import { runScenario, type RunScenarioOptions, type ScenarioResult, type ScenarioStats, type Violation } from './run-scenario.js';

export interface CampaignOptions {
  /** First seed; default 1. */
  from?: number;
  /** Number of seeds. */
  count: number;
  /** Passed to every runScenario(). */
  run?: RunScenarioOptions;
  /** Called after every seed with its full result (history included), in seed order. */
  onResult?: (result: ScenarioResult) => void | Promise<void>;
}

export interface CampaignFailure {
  seed: number;
  violations: Violation[];
  /** The one line a failing seed prints (first violation and the replay command). */
  line: string;
}

/** The stats summed over all seeds (CampaignTotals has each of them). */
const SUMMED = [
  'virtualMs',
  'events',
  'framesSent',
  'sends',
  'deliveries',
  'joinFailures',
  'leaveTimeouts',
  'crashes',
  'leaves',
  'partitions',
  'exclusions',
  'rejoins',
  'skippedForMajority',
  'admittedButTimedOut',
  'calls',
  'callsQuorumMet',
  'clientRequests',
  'clientRequestsAnswered',
  'restartActions',
  'restarts',
  'restartsJoined',
  'costlyCrashActions',
  'costlyCrashes',
  'costlyCrashesOfTwo',
  'acceptCrashActions',
  'acceptCrashes',
  'safeCrashActions',
  'safeCrashesSent',
  'safeCrashesDelivered',
  'scatters',
  'scattersComplete',
  'hostileActions',
  'hostileSelfFrames',
  'hostileNamedFrames',
  'hostileArrived',
  'hostileRejected',
  'frameRejectedErrors',
  'replayActions',
  'staleViewFrames',
  'staleEpochFrames',
  'staleEpochDropped',
] as const satisfies readonly (keyof ScenarioStats)[];

type SummedStat = (typeof SUMMED)[number];

/** Sums over all seeds, and the slowest seed. */
export type CampaignTotals = Record<SummedStat, number> & {
  /**
   * Seeds that ended blocked as expected (passed: the harness took away the quorum of the last
   * view, and the live members reported 'blocked'; liveness.ts).
   */
  blockedAsExpectedSeeds: number[];
  slowestSeed: number;
  slowestMs: number;
};

export interface CampaignResult {
  from: number;
  count: number;
  passed: number;
  failed: number;
  failures: CampaignFailure[];
  realMs: number;
  seedsPerSecond: number;
  totals: CampaignTotals;
}

/** The replay command of one seed. */
export function replayCommand(seed: number): string {
  return `npm run sim -- --seeds 1 --from ${seed} --verbose`;
}

/** `seed 1234: [property] message — replay: npm run sim -- --seeds 1 --from 1234 --verbose` */
export function failureLine(seed: number, violations: readonly Violation[]): string {
  const first = violations[0];
  const text = first === undefined ? 'failed' : `[${first.property}] ${first.message}`;
  const more = violations.length > 1 ? ` (+${violations.length - 1} more)` : '';
  return `seed ${seed}: ${text}${more} — replay: ${replayCommand(seed)}`;
}

function emptyTotals(): CampaignTotals {
  const totals = { blockedAsExpectedSeeds: [] as number[], slowestSeed: -1, slowestMs: 0 } as CampaignTotals;
  for (const key of SUMMED) totals[key] = 0;
  return totals;
}

function addStats(totals: CampaignTotals, seed: number, stats: ScenarioStats): void {
  for (const key of SUMMED) totals[key] += stats[key];
  if (stats.blockedAsExpected > 0) totals.blockedAsExpectedSeeds.push(seed);
  if (stats.realMs > totals.slowestMs) {
    totals.slowestMs = stats.realMs;
    totals.slowestSeed = seed;
  }
}

/** Runs the seeds one by one; never throws for a failing seed (it is listed in `failures`). */
export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const from = options.from ?? 1;
  const count = options.count;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(count) || count < 0 || !Number.isSafeInteger(from + count)) {
    throw new InvalidArgumentError(`campaign: from and count must be safe integers, count >= 0 (got ${from}, ${count})`);
  }
  const started = realClock.now();
  const failures: CampaignFailure[] = [];
  const totals = emptyTotals();
  for (let seed = from; seed < from + count; seed++) {
    const result = await runScenario(seed, options.run);
    addStats(totals, seed, result.stats);
    if (result.violations.length > 0) {
      failures.push({ seed, violations: result.violations, line: failureLine(seed, result.violations) });
    }
    await options.onResult?.(result);
  }
  const realMs = realClock.now() - started;
  return {
    from,
    count,
    passed: count - failures.length,
    failed: failures.length,
    failures,
    realMs,
    seedsPerSecond: realMs > 0 ? (count * 1000) / realMs : 0,
    totals,
  };
}

/**
 * Merges the results of disjoint seed ranges (e.g. run by parallel processes) into one, as if
 * one campaign had run them; `realMs` is the wall time of the whole.
 */
export function mergeCampaignResults(parts: readonly CampaignResult[], realMs: number): CampaignResult {
  const totals = emptyTotals();
  const failures: CampaignFailure[] = [];
  let from = Number.POSITIVE_INFINITY;
  let count = 0;
  let passed = 0;
  for (const part of parts) {
    from = Math.min(from, part.from);
    count += part.count;
    passed += part.passed;
    failures.push(...part.failures);
    const t = part.totals;
    for (const key of SUMMED) totals[key] += t[key];
    totals.blockedAsExpectedSeeds.push(...t.blockedAsExpectedSeeds);
    if (t.slowestMs > totals.slowestMs) {
      totals.slowestMs = t.slowestMs;
      totals.slowestSeed = t.slowestSeed;
    }
  }
  failures.sort((a, b) => a.seed - b.seed);
  totals.blockedAsExpectedSeeds.sort((a, b) => a - b);
  return {
    from: count > 0 ? from : 1,
    count,
    passed,
    failed: failures.length,
    failures,
    realMs,
    seedsPerSecond: realMs > 0 ? (count * 1000) / realMs : 0,
    totals,
  };
}
