/**
 * The Cohort rows of one wire: a group of 3 processes (tcpWire, or natsWire on the given NATS
 * servers), a warm-up, asynchronous throughput with 1 then 3 senders per order, then sequential
 * multicast(..., { replies: 'all' }) round trips, then the same calls with `outstanding` in
 * flight (calls/s). A run that breaks the group (a member excluded, a view change) is recorded
 * as failed and the next run gets a fresh group.
 */
import { fmt } from './lib/args.js';
import {
  describeThroughput,
  RunFailedError,
  type LatencyResult,
  type Order,
  type PipelinedResult,
  type ThroughputOptions,
  type ThroughputResult,
} from './fbcast-throughput.js';
import { describeLatency, describePipelined } from './replies-latency.js';
import type { RunCounts } from './run-counts.js';
import { SuiteGroup } from './suite-group.js';

export interface CohortSuiteOptions extends RunCounts {
  orders: readonly Order[];
  /** Senders per order (default 1 then 3). */
  senders?: readonly (1 | 3)[];
  /** natsWire on these servers (member i on server i mod n first); tcpWire when absent. */
  nats?: readonly string[];
}

/** A Cohort throughput run that could not complete (see RunFailedError). */
export interface FailedRun {
  options: ThroughputOptions;
  failure: string;
  progress: RunFailedError['progress'];
}

export type ThroughputOutcome = ThroughputResult | FailedRun;

export function isFailed(outcome: ThroughputOutcome): outcome is FailedRun {
  return 'failure' in outcome;
}

export interface CohortSuiteResult {
  wire: 'tcp' | 'nats';
  throughput: ThroughputOutcome[];
  latency: LatencyResult | null;
  latencyFailure: string | null;
  pipelined: PipelinedResult | null;
  pipelinedFailure: string | null;
}

/** The run of `order` with `senders` senders, if there was one. */
export function findRun(result: CohortSuiteResult, order: Order, senders: number): ThroughputOutcome | undefined {
  return result.throughput.find((t) => t.options.order === order && t.options.senders === senders);
}

/** The slowest member's deliveries/s (until the failure, for a failed run). */
export function slowestPerSec(outcome: ThroughputOutcome): number {
  return isFailed(outcome) ? Math.min(...outcome.progress.map((p) => p.perSecFromStart)) : outcome.minPerSec;
}

export async function runCohortSuite(options: CohortSuiteOptions, log: (line: string) => void): Promise<CohortSuiteResult> {
  const nats = options.nats && options.nats.length > 0 ? options.nats : undefined;
  const result: CohortSuiteResult = {
    wire: nats ? 'nats' : 'tcp',
    throughput: [],
    latency: null,
    latencyFailure: null,
    pipelined: null,
    pipelinedFailure: null,
  };
  const throughputOptions = (order: Order, senders: 1 | 3, count: number): ThroughputOptions => ({
    count,
    senders,
    order,
    size: options.size,
    chunk: options.chunk,
    yieldEvery: 0,
    timeoutMs: options.timeoutMs,
  });
  const group = new SuiteGroup(
    { suspectMs: options.suspectMs, ...(nats ? { nats } : {}) },
    { options: throughputOptions('fifo', 1, options.warmup), what: 'fifo multicasts' },
    log,
  );
  try {
    for (const order of options.orders) {
      for (const senders of options.senders ?? ([1, 3] as const)) {
        const runOptions = throughputOptions(order, senders, options.count);
        try {
          const outcome = await (await group.ready()).throughput(runOptions);
          result.throughput.push(outcome);
          log(describeThroughput(outcome, nats ? 'natsWire' : 'TCP wire'));
        } catch (error) {
          if (!(error instanceof RunFailedError)) throw error;
          result.throughput.push({ options: runOptions, failure: error.message, progress: error.progress });
          log(`FAILED: ${error.message}`);
          for (const p of error.progress) {
            log(
              `  member ${p.member}: ${fmt(p.delivered)}/${fmt(p.expected)} delivered before the failure (${fmt(p.perSecFromStart)}/s from the start signal)`,
            );
          }
        }
      }
    }
    if (options.calls > 0) {
      try {
        result.latency = await (await group.ready()).latency(options.calls, options.callsWarmup, options.size, options.timeoutMs);
        log(describeLatency(result.latency, options.callsWarmup));
      } catch (error) {
        result.latencyFailure = (error as Error).message;
        log(`FAILED: replies:'all' latency: ${result.latencyFailure}`);
      }
    }
    if (options.pipelinedCalls > 0) {
      try {
        result.pipelined = await (
          await group.ready()
        ).pipelined(options.pipelinedCalls, Math.ceil(options.pipelinedCalls / 10), options.outstanding, options.size, options.timeoutMs);
        log(describePipelined(result.pipelined));
      } catch (error) {
        result.pipelinedFailure = (error as Error).message;
        log(`FAILED: replies:'all' with ${options.outstanding} outstanding: ${result.pipelinedFailure}`);
      }
    }
  } finally {
    await group.stop();
  }
  return result;
}
