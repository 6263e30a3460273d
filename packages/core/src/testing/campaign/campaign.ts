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

/** Sums over all seeds, and the slowest seed. */
export interface CampaignTotals {
  virtualMs: number;
  events: number;
  framesSent: number;
  sends: number;
  deliveries: number;
  joinFailures: number;
  leaveTimeouts: number;
  crashes: number;
  leaves: number;
  partitions: number;
  exclusions: number;
  rejoins: number;
  skippedForMajority: number;
  admittedButTimedOut: number;
  calls: number;
  callsQuorumMet: number;
  clientRequests: number;
  clientRequestsAnswered: number;
  /** Seeds that ended wedged (passed, but the group lost its majority to the harness's crashes). */
  wedgedSeeds: number[];
  slowestSeed: number;
  slowestMs: number;
}

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
  return {
    virtualMs: 0, events: 0, framesSent: 0, sends: 0, deliveries: 0, joinFailures: 0, leaveTimeouts: 0,
    crashes: 0, leaves: 0, partitions: 0, exclusions: 0, rejoins: 0, skippedForMajority: 0, admittedButTimedOut: 0,
    calls: 0, callsQuorumMet: 0, clientRequests: 0, clientRequestsAnswered: 0,
    wedgedSeeds: [], slowestSeed: -1, slowestMs: 0,
  };
}

function addStats(totals: CampaignTotals, seed: number, stats: ScenarioStats): void {
  totals.virtualMs += stats.virtualMs;
  totals.events += stats.events;
  totals.framesSent += stats.framesSent;
  totals.sends += stats.sends;
  totals.deliveries += stats.deliveries;
  totals.joinFailures += stats.joinFailures;
  totals.leaveTimeouts += stats.leaveTimeouts;
  totals.crashes += stats.crashes;
  totals.leaves += stats.leaves;
  totals.partitions += stats.partitions;
  totals.exclusions += stats.exclusions;
  totals.rejoins += stats.rejoins;
  totals.skippedForMajority += stats.skippedForMajority;
  totals.admittedButTimedOut += stats.admittedButTimedOut;
  totals.calls += stats.calls;
  totals.callsQuorumMet += stats.callsQuorumMet;
  totals.clientRequests += stats.clientRequests;
  totals.clientRequestsAnswered += stats.clientRequestsAnswered;
  if (stats.wedged > 0) totals.wedgedSeeds.push(seed);
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
    totals.virtualMs += t.virtualMs;
    totals.events += t.events;
    totals.framesSent += t.framesSent;
    totals.sends += t.sends;
    totals.deliveries += t.deliveries;
    totals.joinFailures += t.joinFailures;
    totals.leaveTimeouts += t.leaveTimeouts;
    totals.crashes += t.crashes;
    totals.leaves += t.leaves;
    totals.partitions += t.partitions;
    totals.exclusions += t.exclusions;
    totals.rejoins += t.rejoins;
    totals.skippedForMajority += t.skippedForMajority;
    totals.admittedButTimedOut += t.admittedButTimedOut;
    totals.calls += t.calls;
    totals.callsQuorumMet += t.callsQuorumMet;
    totals.clientRequests += t.clientRequests;
    totals.clientRequestsAnswered += t.clientRequestsAnswered;
    totals.wedgedSeeds.push(...t.wedgedSeeds);
    if (t.slowestMs > totals.slowestMs) {
      totals.slowestMs = t.slowestMs;
      totals.slowestSeed = t.slowestSeed;
    }
  }
  failures.sort((a, b) => a.seed - b.seed);
  totals.wedgedSeeds.sort((a, b) => a - b);
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
