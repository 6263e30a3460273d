/**
 * Every benchmark, one after the other (never two at once: they would share the 2 cores), and
 * one table: metric, ours, baseline, ratio (ours / baseline), all measured in this run.
 *
 *   npx tsx apps/bench/src/all.ts [--quick] [--orders fifo,causal,total] [--nats-servers 1|3|0] [--json results.json]
 *
 * 1. Cohort, a group of 3 processes on the TCP wire: asynchronous 64-byte multicasts
 *    (200,000 per run after a 20,000 warm-up), 1 sender then 3 senders, per order; then
 *    10,000 sequential multicast(..., { replies: 'all' }) round trips.
 * 2. Raw TCP fan-out: 1 sender writing batched length-prefixed 64-byte messages to 2
 *    receivers (2,000,000: 200,000 would be over in ~60 ms); and raw TCP round trips (one
 *    64-byte message echoed at a time, 10,000): the request/reply floor of the machine.
 * 3. Nest's TCP transport: 200,000 emit() to a microservice; 10,000 sequential send().
 * 4. Over NATS, when nats-server is installed (else a line says the rows are skipped): a
 *    nats-server on 127.0.0.1 (--nats-servers 3: three routed ones, member i on server i), the
 *    Cohort group of 3 on natsWire (the runs of 1) and Nest's NATS transport (those of 3),
 *    set against the TCP wire and Nest's TCP transport of this run. `--nats-servers 0` leaves
 *    them out. `npm run bench:nats` (nats.ts) runs 1, 3 and 4 only.
 *
 * Every child process and nats-server is killed at the end, on error too; every wait is bounded.
 */
import { writeFileSync } from 'node:fs';
import { findNatsServer, natsServerVersion, NatsCluster } from '@cohort/nats/testing';
import { Args, fmt, isMain, machine } from './lib/args.js';
import { childReport, killAll } from './lib/children.js';
import type { Order, ThroughputResult } from './fbcast-throughput.js';
import {
  findRun, isFailed, runCohortSuite, slowestPerSec, type CohortSuiteOptions, type CohortSuiteResult, type ThroughputOutcome,
} from './cohort-suite.js';
import { describeNest, runNest, type NestResult } from './nest-baseline.js';
import { describePingPong, describeRawTcp, runRawPingPong, runRawTcp, type RawTcpResult } from './raw-tcp.js';
import type { LatencySummary } from './lib/payload.js';

export { isFailed, type FailedRun, type ThroughputOutcome } from './cohort-suite.js';

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
  /** The raw TCP baselines (bench:nats leaves them out). */
  raw: boolean;
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
  /** Raw TCP fan-out (null when options.raw is off). */
  raw: RawTcpResult | null;
  /** Raw TCP round trips (echo): the request/reply floor of the machine. */
  rawRoundTrip: LatencySummary | null;
  nest: NestResult;
  /** The NATS rows; `skipped` says why there are none. */
  nats: NatsResults | { skipped: string };
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

export const NATS_MISSING = 'nats-server is not installed (Debian: apt-get install -y nats-server, or set NATS_SERVER_BIN)';

function log(line: string): void {
  console.log(line);
}

function suiteOptions(options: AllOptions, nats?: readonly string[]): CohortSuiteOptions {
  return {
    orders: options.orders, count: options.count, warmup: options.warmup, calls: options.calls, callsWarmup: options.callsWarmup,
    size: options.size, chunk: options.chunk, suspectMs: options.suspectMs, timeoutMs: options.timeoutMs, ...(nats ? { nats } : {}),
  };
}

function nestOptions(options: AllOptions, natsUrl?: string): Parameters<typeof runNest>[0] {
  return {
    transport: natsUrl ? 'nats' : 'tcp', ...(natsUrl ? { natsUrl } : {}),
    count: options.nestCount, calls: options.calls, warmup: options.callsWarmup, size: options.size,
    chunk: options.nestChunk, objectPattern: false, timeoutMs: options.timeoutMs,
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
    const cohort = await runCohortSuite(suiteOptions(options, cluster.urls), log);
    log(`\n# Baseline: Nest's NATS transport`);
    const nest = await runNest(nestOptions(options, cluster.urls[0]!));
    log(describeNest(nest));
    return { servers: cluster.urls, version, serverPids: cluster.livePids(), cohort, nest };
  } finally {
    await cluster.stop();
  }
}

export async function runAll(options: AllOptions): Promise<AllResults> {
  const t0 = performance.now();
  log(`# Cohort: a group of 3 processes on 127.0.0.1 (TCP wire)` +
    (options.suspectMs ? `, timing.suspectTimeoutMs ${options.suspectMs} (default 600)` : ', default timing'));
  const { wire: _tcp, ...cohort } = await runCohortSuite(suiteOptions(options), log);

  let raw: RawTcpResult | null = null;
  let rawRoundTrip: LatencySummary | null = null;
  if (options.raw) {
    log(`\n# Baseline: raw TCP fan-out`);
    raw = await runRawTcp({ count: options.rawCount, size: options.size, batch: 1024, timeoutMs: options.timeoutMs });
    log(describeRawTcp(raw));
    rawRoundTrip = options.calls > 0 ? await runRawPingPong(options.calls, options.callsWarmup, options.size, options.timeoutMs) : null;
    if (rawRoundTrip) log(describePingPong(rawRoundTrip));
  }

  log(`\n# Baseline: Nest's TCP transport`);
  const nest = await runNest(nestOptions(options));
  log(describeNest(nest));

  const nats = options.natsServers > 0 ? await runNatsRows(options) : { skipped: 'not asked for (--nats-servers 0)' };
  return { options, ...cohort, raw, rawRoundTrip, nest, nats, wallMs: performance.now() - t0 };
}

interface Row { metric: string; ours: string; baseline: string; ratio: string }

function ratio(ours: number, baseline: number): string {
  if (!Number.isFinite(ours) || !Number.isFinite(baseline) || baseline === 0) return 'n/a';
  return `${(ours / baseline).toFixed(ours / baseline < 0.1 ? 3 : 2)}`;
}

function runName(t: ThroughputOutcome): string {
  return `${t.options.order}, ${t.options.senders} sender${t.options.senders > 1 ? 's' : ''}: deliveries/s per receiver (slowest of 3)`;
}

/** A throughput figure as a cell: a failed run shows the slowest member's rate until the failure, marked. */
function throughputCell(t: ThroughputOutcome): string {
  return isFailed(t) ? `FAILED (${fmt(slowestPerSec(t))} until then)` : fmt(t.minPerSec);
}

/** The summary table (markdown): each Cohort figure against the baselines measured in this run. */
export function summaryTable(results: AllResults): string {
  const rows: Row[] = [];
  const nestEmit = results.nest.emit?.perSecFromStart ?? NaN;
  const raw = results.raw?.minPerSec;
  for (const t of results.throughput) {
    const value = slowestPerSec(t);
    rows.push({ metric: runName(t), ours: throughputCell(t), baseline: `Nest TCP emit(): ${fmt(nestEmit)}/s`, ratio: ratio(value, nestEmit) });
    if (raw !== undefined) rows.push({ metric: runName(t), ours: throughputCell(t), baseline: `raw TCP fan-out: ${fmt(raw)}/s`, ratio: ratio(value, raw) });
  }
  const l = results.latency;
  const n = results.nest.latency;
  const p50 = `multicast replies:'all' p50 µs (3 members) [lower is better]`;
  const p99 = `multicast replies:'all' p99 µs (3 members) [lower is better]`;
  if (l && n) {
    rows.push({ metric: p50, ours: fmt(l.p50Us, 1), baseline: `Nest TCP send() p50: ${fmt(n.p50Us, 1)} µs`, ratio: ratio(l.p50Us, n.p50Us) });
    rows.push({ metric: p99, ours: fmt(l.p99Us, 1), baseline: `Nest TCP send() p99: ${fmt(n.p99Us, 1)} µs`, ratio: ratio(l.p99Us, n.p99Us) });
  }
  const r = results.rawRoundTrip;
  if (l && r) {
    rows.push({ metric: p50, ours: fmt(l.p50Us, 1), baseline: `raw TCP round trip p50: ${fmt(r.p50Us, 1)} µs`, ratio: ratio(l.p50Us, r.p50Us) });
    rows.push({ metric: p99, ours: fmt(l.p99Us, 1), baseline: `raw TCP round trip p99: ${fmt(r.p99Us, 1)} µs`, ratio: ratio(l.p99Us, r.p99Us) });
  }
  rows.push(...natsRows(results));
  return markdown(rows.map((row) => [row.metric, row.ours, row.baseline, row.ratio]), ['metric', 'ours', 'baseline (this run)', 'ratio ours/baseline']);
}

/**
 * The NATS rows: Cohort on natsWire against Cohort on tcpWire and Nest's Transport.NATS, same run
 * (one row saying why, when they were skipped).
 */
export function natsRows(results: AllResults): Row[] {
  const nats = results.nats;
  if ('skipped' in nats) return [{ metric: 'over NATS (natsWire)', ours: 'skipped', baseline: nats.skipped, ratio: '' }];
  const where = `over NATS (${nats.servers.length} server${nats.servers.length > 1 ? 's' : ''})`;
  const rows: Row[] = [];
  const nestEmit = nats.nest.emit?.perSecFromStart ?? NaN;
  for (const t of nats.cohort.throughput) {
    const value = slowestPerSec(t);
    const onTcp = findRun({ wire: 'tcp', ...results }, t.options.order, t.options.senders);
    if (onTcp) {
      const tcpValue = slowestPerSec(onTcp);
      rows.push({ metric: `${where} ${runName(t)}`, ours: throughputCell(t), baseline: `Cohort on tcpWire: ${isFailed(onTcp) ? 'FAILED ' : ''}${fmt(tcpValue)}/s`, ratio: ratio(value, tcpValue) });
    }
    rows.push({ metric: `${where} ${runName(t)}`, ours: throughputCell(t), baseline: `Nest NATS emit(): ${fmt(nestEmit)}/s`, ratio: ratio(value, nestEmit) });
  }
  const l = nats.cohort.latency;
  for (const q of ['p50', 'p99'] as const) {
    if (!l) break;
    const key = `${q}Us` as const;
    const metric = `${where} multicast replies:'all' ${q} µs (3 members) [lower is better]`;
    if (results.latency) rows.push({ metric, ours: fmt(l[key], 1), baseline: `Cohort on tcpWire ${q}: ${fmt(results.latency[key], 1)} µs`, ratio: ratio(l[key], results.latency[key]) });
    const n = nats.nest.latency;
    if (n) rows.push({ metric, ours: fmt(l[key], 1), baseline: `Nest NATS send() ${q}: ${fmt(n[key], 1)} µs`, ratio: ratio(l[key], n[key]) });
  }
  if (!l && nats.cohort.latencyFailure) rows.push({ metric: `${where} multicast replies:'all'`, ours: 'FAILED', baseline: nats.cohort.latencyFailure, ratio: '' });
  return rows;
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
  if (results.raw) rows.push(['raw TCP fan-out deliveries/s (this run)', fmt(results.raw.minPerSec), `published ~${fmt(REFERENCE.rawTcp)}/s`, ratio(results.raw.minPerSec, REFERENCE.rawTcp)]);
  if (results.latency) rows.push([`multicast replies:'all' p50 µs`, fmt(results.latency.p50Us, 1), `aim < ${REFERENCE.aimAllRepliesP50Us} µs`, ratio(results.latency.p50Us, REFERENCE.aimAllRepliesP50Us)]);
  return markdown(rows, ['metric', 'measured', 'reference (not measured here)', 'ratio']);
}

/** A markdown table: the first and third columns left-aligned, the others right-aligned. */
export function markdown(rows: string[][], header: string[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const left = (i: number): boolean => i === 0 || (header.length === 4 && i === 2);
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (left(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (left(i) ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The options both all.ts and nats.ts read (the defaults of a full run, or small counts with --quick). */
export const COMMON_FLAGS = ['quick', 'orders', 'count', 'warmup', 'nest-count', 'calls', 'chunk', 'suspect-ms', 'json', 'timeout', 'nats-servers'] as const;

export function parseOptions(args: Args, defaults: { orders: Order[]; raw: boolean; natsServers: number }): AllOptions {
  const quick = args.flag('quick');
  return {
    quick,
    orders: args.choices('orders', ['fifo', 'causal', 'total'] as const, defaults.orders),
    count: args.int('count', quick ? 20_000 : 200_000, 3),
    warmup: args.int('warmup', quick ? 2_000 : 20_000),
    rawCount: defaults.raw ? args.int('raw-count', quick ? 200_000 : 2_000_000, 1) : 0,
    nestCount: args.int('nest-count', quick ? 20_000 : 200_000),
    calls: args.int('calls', quick ? 1_000 : 10_000),
    callsWarmup: quick ? 100 : 1_000,
    size: 64,
    chunk: args.int('chunk', 1024, 1),
    nestChunk: 1024,
    suspectMs: args.int('suspect-ms', 0) || undefined,
    timeoutMs: args.int('timeout', 120_000, 1000),
    raw: defaults.raw,
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
  writeFileSync(path, `${JSON.stringify({ date: started.toISOString(), machineBefore, machineAfter, ...results, children: childReport() }, null, 2)}\n`);
  log(`results written to ${path}`);
}

export function childrenLine(): string {
  const children = childReport();
  return `child processes: ${children.length}, all exited: ${children.every((c) => c.exited) ? 'yes' : 'NO'}`;
}

async function main(): Promise<void> {
  const args = new Args(process.argv.slice(2), [...COMMON_FLAGS, 'raw-count']);
  const options = parseOptions(args, { orders: ['fifo', 'causal', 'total'], raw: true, natsServers: 1 });
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
  log(`\n# Against published figures (same kind of machine) and the aim\n`);
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
