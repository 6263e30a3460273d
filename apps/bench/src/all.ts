/**
 * Every benchmark, one after the other (never two at once: they would share the 2 cores), and
 * one table: metric, ours, baseline, ratio (ours / baseline), all measured in this run.
 *
 *   npx tsx apps/bench/src/all.ts [--quick] [--orders fifo,causal,total] [--json results.json]
 *
 * 1. Cohort, a group of 3 processes on the TCP wire: asynchronous 64-byte multicasts
 *    (200,000 per run after a 20,000 warm-up), 1 sender then 3 senders, per order; then
 *    10,000 sequential multicast(..., { replies: 'all' }) round trips.
 * 2. Raw TCP fan-out: 1 sender writing batched length-prefixed 64-byte messages to 2
 *    receivers (2,000,000: 200,000 would be over in ~60 ms); and raw TCP round trips (one
 *    64-byte message echoed at a time, 10,000): the request/reply floor of the machine.
 * 3. Nest's TCP transport: 200,000 emit() to a microservice; 10,000 sequential send().
 *
 * Every child process is killed at the end, on error too; every wait is bounded.
 */
import { writeFileSync } from 'node:fs';
import { Args, fmt, isMain, machine } from './lib/args.js';
import { childReport, killAll } from './lib/children.js';
import {
  CohortGroup, describeThroughput, RunFailedError, type LatencyResult, type Order, type ThroughputOptions, type ThroughputResult,
} from './fbcast-throughput.js';
import { describeLatency } from './replies-latency.js';
import { describeNestTcp, runNestTcp, type NestTcpResult } from './nest-tcp.js';
import { describePingPong, describeRawTcp, runRawPingPong, runRawTcp, type RawTcpResult } from './raw-tcp.js';
import type { LatencySummary } from './lib/payload.js';

export interface AllOptions {
  quick: boolean;
  orders: Order[];
  count: number;
  warmup: number;
  rawCount: number;
  nestCount: number;
  calls: number;
  callsWarmup: number;
  size: number;
  chunk: number;
  nestChunk: number;
  /** The Cohort group's timing.suspectTimeoutMs (undefined: the library default, 600 ms). */
  suspectMs: number | undefined;
  timeoutMs: number;
}

export interface AllResults {
  options: AllOptions;
  throughput: ThroughputOutcome[];
  latency: LatencyResult | null;
  latencyFailure: string | null;
  raw: RawTcpResult;
  /** Raw TCP round trips (echo): the request/reply floor of the machine. */
  rawRoundTrip: LatencySummary | null;
  nest: NestTcpResult;
  wallMs: number;
}

/** Figures published for the same kind of machine (2 cores, 3 processes, 64-byte messages). */
export const REFERENCE = {
  jgroupsAsyncFifo: 190_000,
  nestEmit: 79_000,
  nestSendP50Us: 134,
  rawTcp: 4_500_000,
  aimAsync: 1_000_000,
  aimAllRepliesP50Us: 150,
};

function log(line: string): void {
  console.log(line);
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

export async function runAll(options: AllOptions): Promise<AllResults> {
  const t0 = performance.now();
  const throughput: ThroughputOutcome[] = [];
  let latency: AllResults['latency'] = null;
  let latencyFailure: string | null = null;

  log(`# Cohort: a group of 3 processes on 127.0.0.1 (TCP wire)` +
    (options.suspectMs ? `, timing.suspectTimeoutMs ${options.suspectMs} (default 600)` : ', default timing'));
  let group: CohortGroup | null = null;
  /** A fresh group (warmed up) if there is none or the last run broke it. */
  const ready = async (): Promise<CohortGroup> => {
    if (group && !group.broken) return group;
    if (group) {
      log('  (the group broke: starting a fresh one)');
      await group.stop();
    }
    group = await CohortGroup.start(3, { suspectMs: options.suspectMs });
    if (options.warmup > 0) {
      const warm = await group.throughput(throughputOptions('fifo', 1, options.warmup));
      log(`warm-up: ${fmt(options.warmup)} fifo multicasts, slowest receiver ${fmt(warm.minPerSec)}/s (not reported)`);
    }
    return group;
  };
  const throughputOptions = (order: Order, senders: 1 | 3, count: number): ThroughputOptions => ({
    count, senders, order, size: options.size, chunk: options.chunk, yieldEvery: 0, timeoutMs: options.timeoutMs,
  });
  try {
    for (const order of options.orders) {
      for (const senders of [1, 3] as const) {
        const runOptions = throughputOptions(order, senders, options.count);
        try {
          const result = await (await ready()).throughput(runOptions);
          throughput.push(result);
          log(describeThroughput(result));
        } catch (error) {
          if (!(error instanceof RunFailedError)) throw error;
          throughput.push({ options: runOptions, failure: error.message, progress: error.progress });
          log(`FAILED: ${error.message}`);
          for (const p of error.progress) {
            log(`  member ${p.member}: ${fmt(p.delivered)}/${fmt(p.expected)} delivered before the failure (${fmt(p.perSecFromStart)}/s from the start signal)`);
          }
        }
      }
    }
    if (options.calls > 0) {
      try {
        latency = await (await ready()).latency(options.calls, options.callsWarmup, options.size, options.timeoutMs);
        log(describeLatency(latency, options.callsWarmup));
      } catch (error) {
        latencyFailure = (error as Error).message;
        log(`FAILED: replies:'all' latency: ${latencyFailure}`);
      }
    }
  } finally {
    await (group as CohortGroup | null)?.stop();
  }

  log(`\n# Baseline: raw TCP fan-out`);
  const raw = await runRawTcp({ count: options.rawCount, size: options.size, batch: 1024, timeoutMs: options.timeoutMs });
  log(describeRawTcp(raw));
  const rawRoundTrip = options.calls > 0 ? await runRawPingPong(options.calls, options.callsWarmup, options.size, options.timeoutMs) : null;
  if (rawRoundTrip) log(describePingPong(rawRoundTrip));

  log(`\n# Baseline: Nest's TCP transport`);
  const nest = await runNestTcp({
    count: options.nestCount, calls: options.calls, warmup: options.callsWarmup, size: options.size,
    chunk: options.nestChunk, objectPattern: false, timeoutMs: options.timeoutMs,
  });
  log(describeNestTcp(nest));

  return { options, throughput, latency, latencyFailure, raw, rawRoundTrip, nest, wallMs: performance.now() - t0 };
}

interface Row { metric: string; ours: string; baseline: string; ratio: string }

function ratio(ours: number, baseline: number): string {
  if (!Number.isFinite(ours) || !Number.isFinite(baseline) || baseline === 0) return 'n/a';
  return `${(ours / baseline).toFixed(ours / baseline < 0.1 ? 3 : 2)}`;
}

/** The summary table (markdown): each Cohort figure against the baselines measured in this run. */
export function summaryTable(results: AllResults): string {
  const rows: Row[] = [];
  const nestEmit = results.nest.emit?.perSecFromStart ?? NaN;
  const raw = results.raw.minPerSec;
  for (const t of results.throughput) {
    const name = `${t.options.order}, ${t.options.senders} sender${t.options.senders > 1 ? 's' : ''}: deliveries/s per receiver (slowest of 3)`;
    // A failed run: the slowest member's rate until the failure, marked.
    const value = isFailed(t) ? Math.min(...t.progress.map((p) => p.perSecFromStart)) : t.minPerSec;
    const ours = isFailed(t) ? `FAILED (${fmt(value)} until then)` : fmt(value);
    rows.push({ metric: name, ours, baseline: `Nest TCP emit(): ${fmt(nestEmit)}/s`, ratio: ratio(value, nestEmit) });
    rows.push({ metric: name, ours, baseline: `raw TCP fan-out: ${fmt(raw)}/s`, ratio: ratio(value, raw) });
  }
  const l = results.latency;
  const n = results.nest.latency;
  if (l && n) {
    rows.push({ metric: `multicast replies:'all' p50 µs (3 members) [lower is better]`, ours: fmt(l.p50Us, 1), baseline: `Nest TCP send() p50: ${fmt(n.p50Us, 1)} µs`, ratio: ratio(l.p50Us, n.p50Us) });
    rows.push({ metric: `multicast replies:'all' p99 µs (3 members) [lower is better]`, ours: fmt(l.p99Us, 1), baseline: `Nest TCP send() p99: ${fmt(n.p99Us, 1)} µs`, ratio: ratio(l.p99Us, n.p99Us) });
  }
  const r = results.rawRoundTrip;
  if (l && r) {
    rows.push({ metric: `multicast replies:'all' p50 µs (3 members) [lower is better]`, ours: fmt(l.p50Us, 1), baseline: `raw TCP round trip p50: ${fmt(r.p50Us, 1)} µs`, ratio: ratio(l.p50Us, r.p50Us) });
    rows.push({ metric: `multicast replies:'all' p99 µs (3 members) [lower is better]`, ours: fmt(l.p99Us, 1), baseline: `raw TCP round trip p99: ${fmt(r.p99Us, 1)} µs`, ratio: ratio(l.p99Us, r.p99Us) });
  }
  return markdown(rows.map((r) => [r.metric, r.ours, r.baseline, r.ratio]), ['metric', 'ours', 'baseline (this run)', 'ratio ours/baseline']);
}

/** Against the published figures and the aim (not measured here). */
export function referenceTable(results: AllResults): string {
  const ok = results.throughput.filter((t): t is ThroughputResult => !isFailed(t));
  const fifo1 = ok.find((t) => t.options.order === 'fifo' && t.options.senders === 1);
  const total1 = ok.find((t) => t.options.order === 'total' && t.options.senders === 1);
  const rows: string[][] = [];
  if (fifo1) {
    rows.push(['fifo, 1 sender: deliveries/s', fmt(fifo1.minPerSec), `JGroups 2.12 async FIFO ~${fmt(REFERENCE.jgroupsAsyncFifo)}/s`, ratio(fifo1.minPerSec, REFERENCE.jgroupsAsyncFifo)]);
    rows.push(['fifo, 1 sender: deliveries/s', fmt(fifo1.minPerSec), `aim ${fmt(REFERENCE.aimAsync)}/s`, ratio(fifo1.minPerSec, REFERENCE.aimAsync)]);
  }
  if (total1) rows.push(['total, 1 sender: deliveries/s', fmt(total1.minPerSec), `aim ${fmt(REFERENCE.aimAsync)}/s`, ratio(total1.minPerSec, REFERENCE.aimAsync)]);
  if (results.nest.emit) rows.push(['Nest TCP emit() events/s (this run)', fmt(results.nest.emit.perSecFromStart), `published ~${fmt(REFERENCE.nestEmit)}/s`, ratio(results.nest.emit.perSecFromStart, REFERENCE.nestEmit)]);
  if (results.nest.latency) rows.push(['Nest TCP send() p50 µs (this run)', fmt(results.nest.latency.p50Us, 1), `published ${REFERENCE.nestSendP50Us} µs`, ratio(results.nest.latency.p50Us, REFERENCE.nestSendP50Us)]);
  rows.push(['raw TCP fan-out deliveries/s (this run)', fmt(results.raw.minPerSec), `published ~${fmt(REFERENCE.rawTcp)}/s`, ratio(results.raw.minPerSec, REFERENCE.rawTcp)]);
  if (results.latency) rows.push([`multicast replies:'all' p50 µs`, fmt(results.latency.p50Us, 1), `aim < ${REFERENCE.aimAllRepliesP50Us} µs`, ratio(results.latency.p50Us, REFERENCE.aimAllRepliesP50Us)]);
  return markdown(rows, ['metric', 'measured', 'reference (not measured here)', 'ratio']);
}

function markdown(rows: string[][], header: string[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 || i === 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i === 0 || i === 2 ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const args = new Args(process.argv.slice(2), ['quick', 'orders', 'count', 'warmup', 'raw-count', 'nest-count', 'calls', 'chunk', 'suspect-ms', 'json', 'timeout']);
  const quick = args.flag('quick');
  const options: AllOptions = {
    quick,
    orders: args.choices('orders', ['fifo', 'causal', 'total'] as const, ['fifo', 'causal', 'total']),
    count: args.int('count', quick ? 20_000 : 200_000, 3),
    warmup: args.int('warmup', quick ? 2_000 : 20_000),
    rawCount: args.int('raw-count', quick ? 200_000 : 2_000_000, 1),
    nestCount: args.int('nest-count', quick ? 20_000 : 200_000),
    calls: args.int('calls', quick ? 1_000 : 10_000),
    callsWarmup: quick ? 100 : 1_000,
    size: 64,
    chunk: args.int('chunk', 1024, 1),
    nestChunk: 1024,
    suspectMs: args.int('suspect-ms', 0) || undefined,
    timeoutMs: args.int('timeout', 120_000, 1000),
  };
  // The whole run is bounded too: a hang anywhere ends it with a message (and no processes left).
  const watchdogMs = quick ? 5 * 60_000 : 20 * 60_000;
  const watchdog = setTimeout(() => {
    console.error(`bench: timeout: the whole run took more than ${watchdogMs / 60_000} minutes; killing every child`);
    killAll();
    process.exit(1);
  }, watchdogMs);
  watchdog.unref();
  const started = new Date();
  const machineBefore = machine();
  log(`machine: ${machineBefore}`);
  const results = await runAll(options);
  clearTimeout(watchdog);
  const machineAfter = machine();
  log(`\nmachine after the run: ${machineAfter}`);
  log(`\n# Summary (${quick ? 'quick run, ' : ''}${started.toISOString()}, ${fmt(results.wallMs / 1000, 1)} s)\n`);
  log(summaryTable(results));
  log(`\n# Against published figures (same kind of machine) and the aim\n`);
  log(referenceTable(results));
  const children = childReport();
  log(`\nchild processes: ${children.length}, all exited: ${children.every((c) => c.exited) ? 'yes' : 'NO'}`);
  const jsonPath = args.string('json');
  if (jsonPath) {
    writeFileSync(jsonPath, `${JSON.stringify({ date: started.toISOString(), machineBefore, machineAfter, ...results, children }, null, 2)}\n`);
    log(`results written to ${jsonPath}`);
  }
}

if (isMain(import.meta.filename)) {
  main().catch((error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    killAll();
    process.exitCode = 1;
  });
}
