/**
 * Every benchmark, one after the other (never two at once: they would share the 2 cores), and
 * one table: metric, ours, baseline, ratio (ours / baseline), the target of issue 12, and the
 * peak RSS of the processes measured, every baseline measured in this run (or an aim, said so).
 *
 *   npx tsx apps/bench/src/all.ts [--quick] [--only async,replies,pipelined,nestjs,headers,raw,nest,nats]
 *       [--orders fifo,causal,total] [--nats-servers 1|3|0] [--json results.json]
 *
 * 1. Cohort, a group of 3 processes on the TCP wire (`async`): asynchronous 64-byte multicasts
 *    (200,000 per run after a 20,000 warm-up), 1 sender then 3 senders, per order; then
 *    (`replies`) 10,000 sequential multicast(..., { replies: 'all' }) round trips, then
 *    (`pipelined`) 20,000 of them with 100 outstanding: calls/s.
 * 2. Raw TCP (`raw`): fan-out, 1 sender writing batched length-prefixed 64-byte messages to 2
 *    receivers (2,000,000: 200,000 would be over in ~60 ms); and round trips (one 64-byte
 *    message echoed at a time, 10,000): the request/reply floor of the machine.
 * 3. Nest's TCP transport (`nest`): 200,000 emit() to a microservice; 10,000 sequential send();
 *    20,000 send() with 100 outstanding.
 * 4. @cohort/nestjs (`nestjs`): a group of 3 Nest applications (GroupModule, GroupServer) on the
 *    TCP wire: GroupClient.emit(), a @Multicast() method (200,000 each), GroupClient.send()
 *    sequential and with 100 outstanding; each set against the core's figure of this run.
 * 5. cbcast header bytes per message at 3, 16 and 64 members (`headers`): the core's encoder, in-process.
 * 6. Over NATS (`nats`), when nats-server is installed (else a line says the rows are skipped): a
 *    nats-server on 127.0.0.1 (--nats-servers 3: three routed ones, member i on server i), the
 *    Cohort group of 3 on natsWire (the runs of 1) and Nest's NATS transport (those of 3),
 *    set against the TCP wire and Nest's TCP transport of this run. `--nats-servers 0` leaves
 *    them out. `npm run bench:nats` (nats.ts) runs 1, 3 and 6 only.
 *
 * `--only` runs the sections named and the baselines their rows need (sections.ts). Every child
 * samples its RSS every 100 ms; each row prints the peak of the processes it measured.
 * Every child process and nats-server is killed at the end, on error too; every wait is bounded.
 */
import { writeFileSync } from 'node:fs';
import { findNatsServer, natsServerVersion, NatsCluster } from '@cohort/nats/testing';
import { Args, fmt, isMain, machine } from './lib/args.js';
import { childReport, killAll } from './lib/children.js';
import type { Order } from './fbcast-throughput.js';
import { runCohortSuite, type CohortSuiteOptions, type CohortSuiteResult } from './cohort-suite.js';
import { describeHeaderBytes, measureAllHeaderBytes, type HeaderBytesResult } from './header-bytes.js';
import { describeNest, runNest, type NestResult } from './nest-baseline.js';
import { runNestjsSuite, type NestjsSuiteResult } from './nestjs-suite.js';
import { describePingPong, describeRawTcp, runRawPingPong, runRawTcp, type RawTcpResult } from './raw-tcp.js';
import { plan, SECTIONS, type Plan, type Section } from './sections.js';
import { referenceTable, summaryRows, summaryTable } from './summary.js';
import type { LatencySummary } from './lib/payload.js';
import { parseRunCounts, type RunCounts } from './run-counts.js';

export { isFailed, type FailedRun, type ThroughputOutcome } from './cohort-suite.js';
export { markdown, natsRows, REFERENCE, referenceTable, summaryRows, summaryTable, type Row } from './summary.js';

export interface AllOptions extends RunCounts {
  quick: boolean;
  /** The sections asked for (`--only`; all of them by default). */
  sections: Section[];
  orders: Order[];
  rawCount: number;
  nestCount: number;
  nestChunk: number;
  /** nats-servers for the NATS rows (routed when more than 1); 0: no NATS rows. */
  natsServers: number;
}

/** The NATS rows: Cohort on natsWire and Nest's Transport.NATS, through nats-servers started for the run. */
export interface NatsResults {
  /** "127.0.0.1:port" of each nats-server. */
  servers: string[];
  /** What `nats-server --version` says. */
  version: string;
  /** The servers' PIDs (all killed at the end of the run). */
  serverPids: number[];
  cohort: CohortSuiteResult;
  nest: NestResult;
}

export interface AllResults extends Omit<CohortSuiteResult, 'wire'> {
  options: AllOptions;
  /** Raw TCP fan-out (null when not run). */
  raw: RawTcpResult | null;
  /** Raw TCP round trips (echo): the request/reply floor of the machine. */
  rawRoundTrip: LatencySummary | null;
  /** Nest's TCP transport (null when not run). */
  nest: NestResult | null;
  /** Through @cohort/nestjs (null when not run). */
  nestjs: NestjsSuiteResult | null;
  /** cbcast header bytes per message (null when not run). */
  headerBytes: HeaderBytesResult[] | null;
  /** The NATS rows; `skipped` says why there are none. */
  nats: NatsResults | { skipped: string };
  wallMs: number;
}

export const NATS_MISSING = 'nats-server is not installed (Debian: apt-get install -y nats-server, or set NATS_SERVER_BIN)';

function log(line: string): void {
  console.log(line);
}

function suiteOptions(options: AllOptions, runs: Plan | null, nats?: readonly string[]): CohortSuiteOptions {
  const p = runs ?? plan(options.sections);
  const asyncRuns = nats ? 'all' : p.asyncRuns;
  return {
    orders: asyncRuns === 'all' ? options.orders : asyncRuns === 'fifo-1' ? ['fifo'] : [],
    senders: asyncRuns === 'fifo-1' ? [1] : [1, 3],
    count: options.count,
    warmup: options.warmup,
    calls: nats || p.runs.has('replies') ? options.calls : 0,
    callsWarmup: options.callsWarmup,
    pipelinedCalls: !nats && p.runs.has('pipelined') ? options.pipelinedCalls : 0,
    outstanding: options.outstanding,
    size: options.size,
    chunk: options.chunk,
    suspectMs: options.suspectMs,
    timeoutMs: options.timeoutMs,
    ...(nats ? { nats } : {}),
  };
}

function nestOptions(options: AllOptions, parts: Plan['nest'], natsUrl?: string): Parameters<typeof runNest>[0] {
  return {
    transport: natsUrl ? 'nats' : 'tcp',
    ...(natsUrl ? { natsUrl } : {}),
    count: parts.emit ? options.nestCount : 0,
    calls: parts.send ? options.calls : 0,
    warmup: options.callsWarmup,
    pipelinedCalls: parts.pipelined ? options.pipelinedCalls : 0,
    outstanding: options.outstanding,
    size: options.size,
    chunk: options.nestChunk,
    objectPattern: false,
    timeoutMs: options.timeoutMs,
  };
}

/** The NATS rows: nats-servers started here, Cohort on natsWire, Nest's NATS transport; the servers killed after. */
export async function runNatsRows(options: AllOptions): Promise<AllResults['nats']> {
  const n = options.natsServers;
  if (findNatsServer() === null) {
    log(`\n# Over NATS: skipped: ${NATS_MISSING}`);
    return { skipped: NATS_MISSING };
  }
  const cluster = await NatsCluster.start({ size: n });
  try {
    const version = natsServerVersion();
    log(`\n# Over NATS: ${version}, ${n} server${n > 1 ? 's (routed; member i on server i)' : ''} at ${cluster.urls.join(', ')}`);
    log(`# Cohort: a group of 3 processes on 127.0.0.1, natsWire`);
    const cohort = await runCohortSuite(suiteOptions(options, null, cluster.urls), log);
    log(`\n# Baseline: Nest's NATS transport`);
    const nest = await runNest(nestOptions(options, { emit: true, send: true, pipelined: false }, cluster.urls[0]!));
    log(describeNest(nest));
    return { servers: cluster.urls, version, serverPids: cluster.livePids(), cohort, nest };
  } finally {
    await cluster.stop();
  }
}

export async function runAll(options: AllOptions): Promise<AllResults> {
  const t0 = performance.now();
  const p = plan(options.sections);
  const baselines = [...p.runs].filter((section) => !options.sections.includes(section));
  log(`sections: ${options.sections.join(', ')}` + (baselines.length > 0 ? `; their baselines: ${baselines.join(', ')}` : ''));
  let cohort: Omit<CohortSuiteResult, 'wire'> = {
    throughput: [],
    latency: null,
    latencyFailure: null,
    pipelined: null,
    pipelinedFailure: null,
  };
  if (p.runs.has('async') || p.runs.has('replies') || p.runs.has('pipelined')) {
    log(
      `# Cohort: a group of 3 processes on 127.0.0.1 (TCP wire)` +
        (options.suspectMs ? `, timing.suspectTimeoutMs ${options.suspectMs} (default 600)` : ', default timing'),
    );
    const { wire: _tcp, ...suite } = await runCohortSuite(suiteOptions(options, p), log);
    cohort = suite;
  }

  let raw: RawTcpResult | null = null;
  let rawRoundTrip: LatencySummary | null = null;
  if (p.raw.fanOut || p.raw.roundTrip) log(`\n# Baseline: raw TCP`);
  if (p.raw.fanOut) {
    raw = await runRawTcp({ count: options.rawCount, size: options.size, batch: 1024, timeoutMs: options.timeoutMs });
    log(describeRawTcp(raw));
  }
  if (p.raw.roundTrip && options.calls > 0) {
    rawRoundTrip = await runRawPingPong(options.calls, options.callsWarmup, options.size, options.timeoutMs);
    log(describePingPong(rawRoundTrip));
  }

  let nest: NestResult | null = null;
  if (p.nest.emit || p.nest.send || p.nest.pipelined) {
    log(`\n# Baseline: Nest's TCP transport`);
    nest = await runNest(nestOptions(options, p.nest));
    log(describeNest(nest));
  }

  let nestjs: NestjsSuiteResult | null = null;
  if (p.runs.has('nestjs')) {
    log(`\n# @cohort/nestjs: a group of 3 Nest applications on 127.0.0.1 (GroupModule, GroupServer, TCP wire)`);
    nestjs = await runNestjsSuite(options, log);
  }

  let headerBytes: HeaderBytesResult[] | null = null;
  if (p.runs.has('headers')) {
    headerBytes = measureAllHeaderBytes();
    log(`\n# ${describeHeaderBytes(headerBytes)}`);
  }

  const nats = !p.runs.has('nats')
    ? { skipped: 'not asked for (--only)' }
    : options.natsServers > 0
      ? await runNatsRows(options)
      : { skipped: 'not asked for (--nats-servers 0)' };
  return { options, ...cohort, raw, rawRoundTrip, nest, nestjs, headerBytes, nats, wallMs: performance.now() - t0 };
}

/** The options both all.ts and nats.ts read (the defaults of a full run, or small counts with --quick). */
export const COMMON_FLAGS = [
  'quick',
  'orders',
  'count',
  'warmup',
  'nest-count',
  'calls',
  'pipelined',
  'outstanding',
  'chunk',
  'suspect-ms',
  'json',
  'timeout',
  'nats-servers',
] as const;

/** The options all.ts reads: the common ones, the raw TCP fan-out's count and --only. */
export const ALL_FLAGS = [...COMMON_FLAGS, 'raw-count', 'only'] as const;

export function parseOptions(args: Args, defaults: { orders: Order[]; sections: readonly Section[]; natsServers: number }): AllOptions {
  const quick = args.flag('quick');
  const sections = args.choices('only', SECTIONS, defaults.sections);
  return {
    quick,
    sections,
    orders: args.choices('orders', ['fifo', 'causal', 'total'] as const, defaults.orders),
    ...parseRunCounts(args, quick),
    rawCount: args.int('raw-count', quick ? 200_000 : 2_000_000, 1),
    nestCount: args.int('nest-count', quick ? 20_000 : 200_000),
    nestChunk: 1024,
    natsServers: args.int('nats-servers', defaults.natsServers, 0, 9),
  };
}

/** Bounds the whole run: a hang anywhere ends it with a message (and no processes left). */
export function watchdog(name: string, quick: boolean): NodeJS.Timeout {
  const watchdogMs = quick ? 5 * 60_000 : 25 * 60_000;
  const timer = setTimeout(() => {
    console.error(`${name}: timeout: the whole run took more than ${watchdogMs / 60_000} minutes; killing every child`);
    killAll();
    process.exit(1);
  }, watchdogMs);
  timer.unref();
  return timer;
}

/** Writes every figure, the machine's load and the child processes to `path` (--json). */
export function writeJson(path: string, started: Date, machineBefore: string, machineAfter: string, results: AllResults): void {
  const summary = summaryRows(results);
  writeFileSync(
    path,
    `${JSON.stringify({ date: started.toISOString(), machineBefore, machineAfter, ...results, summary, children: childReport() }, null, 2)}\n`,
  );
  log(`results written to ${path}`);
}

export function childrenLine(): string {
  const children = childReport();
  return `child processes: ${children.length}, all exited: ${children.every((c) => c.exited) ? 'yes' : 'NO'}`;
}

async function main(): Promise<void> {
  const args = new Args(process.argv.slice(2), ALL_FLAGS);
  const options = parseOptions(args, { orders: ['fifo', 'causal', 'total'], sections: SECTIONS, natsServers: 1 });
  const timer = watchdog('bench', options.quick);
  const started = new Date();
  const machineBefore = machine();
  log(`machine: ${machineBefore}`);
  const results = await runAll(options);
  clearTimeout(timer);
  const machineAfter = machine();
  log(`\nmachine after the run: ${machineAfter}`);
  log(`\n# Summary (${options.quick ? 'quick run, ' : ''}${started.toISOString()}, ${fmt(results.wallMs / 1000, 1)} s)\n`);
  log(summaryTable(results));
  log(`\n# Against published figures (same kind of machine)\n`);
  log(referenceTable(results));
  log(`\n${childrenLine()}`);
  const jsonPath = args.string('json');
  if (jsonPath) writeJson(jsonPath, started, machineBefore, machineAfter, results);
}

if (isMain(import.meta.filename)) {
  main().catch((error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    killAll();
    process.exitCode = 1;
  });
}
