/**
 * Cohort over NATS, beside the TCP wire and Nest's own transports, all measured in this run
 * (npm run bench:nats). Needs nats-server (Debian: apt-get install -y nats-server); without it
 * the script says so and exits 1.
 *
 *   npx tsx apps/bench/src/nats.ts [--quick] [--count 200000] [--calls 10000] [--orders fifo]
 *       [--servers 1|3] [--suspect-ms N] [--json results.json]
 *
 * 1. A nats-server on 127.0.0.1 (or 3 routed ones with --servers 3: member i on server i).
 * 2. Cohort, a group of 3 processes on natsWire: asynchronous 64-byte multicasts (1 sender, then
 *    3 senders, per order), then sequential multicast(..., { replies: 'all' }) round trips.
 * 3. The same group on tcpWire (the baseline of the wire).
 * 4. Nest's NATS transport (Transport.NATS, @nats-io/transport-node): emit() events/s at the
 *    microservice, send() round trips; then Nest's TCP transport the same way.
 *
 * Every child process and every nats-server is killed at the end, on error too; every wait is bounded.
 */
import { writeFileSync } from 'node:fs';
import { Args, fmt, isMain, machine } from './lib/args.js';
import { Child, childReport, killAll, stopAll, withTimeout } from './lib/children.js';
import { findNatsServer, startNats } from './lib/nats-server.js';
import type { LatencySummary } from './lib/payload.js';
import { CohortGroup, describeThroughput, RunFailedError, type LatencyResult, type Order, type ThroughputResult } from './fbcast-throughput.js';
import { describeLatency } from './replies-latency.js';
import { describeNestTcp, runNestTcp, type NestTcpResult } from './nest-tcp.js';

interface NatsBenchOptions {
  quick: boolean;
  orders: Order[];
  count: number;
  warmup: number;
  calls: number;
  callsWarmup: number;
  nestCount: number;
  servers: number;
  suspectMs: number | undefined;
  timeoutMs: number;
}

interface CohortRows {
  wire: 'nats' | 'tcp';
  throughput: (ThroughputResult | { order: Order; senders: number; failure: string })[];
  latency: LatencyResult | null;
  latencyFailure: string | null;
}

interface NestRows {
  transport: 'nats' | 'tcp';
  emitPerSec: number | null;
  latency: LatencySummary | null;
  failure: string | null;
}

const log = (line: string): void => console.log(line);

async function cohortRows(wire: 'nats' | 'tcp', options: NatsBenchOptions, urls: string[]): Promise<CohortRows> {
  log(`\n# Cohort: a group of 3 processes on 127.0.0.1, ${wire === 'nats' ? `natsWire (${urls.length} nats-server${urls.length > 1 ? 's' : ''})` : 'tcpWire'}`);
  const rows: CohortRows = { wire, throughput: [], latency: null, latencyFailure: null };
  let group: CohortGroup | null = null;
  const ready = async (): Promise<CohortGroup> => {
    if (group && !group.broken) return group;
    if (group) {
      log('  (the group broke: starting a fresh one)');
      await group.stop();
    }
    group = await CohortGroup.start(3, { suspectMs: options.suspectMs, ...(wire === 'nats' ? { nats: urls } : {}) });
    if (options.warmup > 0) await group.throughput({ count: options.warmup, senders: 1, order: 'fifo', size: 64, chunk: 1024, yieldEvery: 0, timeoutMs: options.timeoutMs });
    return group;
  };
  try {
    for (const order of options.orders) {
      for (const senders of [1, 3] as const) {
        try {
          const result = await (await ready()).throughput({ count: options.count, senders, order, size: 64, chunk: 1024, yieldEvery: 0, timeoutMs: options.timeoutMs });
          rows.throughput.push(result);
          log(describeThroughput(result));
        } catch (error) {
          if (!(error instanceof RunFailedError)) throw error;
          rows.throughput.push({ order, senders, failure: error.message });
          log(`FAILED: ${error.message}`);
        }
      }
    }
    if (options.calls > 0) {
      try {
        rows.latency = await (await ready()).latency(options.calls, options.callsWarmup, 64, options.timeoutMs);
        log(describeLatency(rows.latency, options.callsWarmup));
      } catch (error) {
        rows.latencyFailure = (error as Error).message;
        log(`FAILED: replies:'all' latency: ${rows.latencyFailure}`);
      }
    }
  } finally {
    await (group as CohortGroup | null)?.stop();
  }
  return rows;
}

async function nestNatsRows(url: string, options: NatsBenchOptions): Promise<NestRows> {
  log(`\n# Nest's NATS transport (Transport.NATS), client and microservice in 2 processes, one nats-server`);
  const server = new Child('nest nats microservice', 'nest-nats-child.ts', ['server', url]);
  const client = new Child('nest nats client', 'nest-nats-child.ts', ['client', url]);
  const rows: NestRows = { transport: 'nats', emitPerSec: null, latency: null, failure: null };
  try {
    await server.next('ready', 30_000);
    await client.next('ready', 30_000);
    client.send({ cmd: 'connect' });
    await client.next('connected', 10_000);
    if (options.nestCount > 0) {
      server.send({ cmd: 'prepare', run: 1, expected: options.nestCount });
      await server.next('prepared', 10_000);
      const delivered = server.next('delivered', options.timeoutMs);
      server.send({ cmd: 'start', run: 1 });
      client.send({ cmd: 'emit', run: 1, count: options.nestCount, size: 64, chunk: 1024, timeoutMs: options.timeoutMs });
      const report = await withTimeout(delivered, options.timeoutMs + 1000, `Nest NATS: ${options.nestCount} events were not all received`);
      rows.emitPerSec = (report.count as number) / Math.max(1e-3, ((report.tLast as number) - (report.tStart as number)) / 1000);
      log(`  emit('e', 64-char string) x ${fmt(options.nestCount)}: ${fmt(rows.emitPerSec)} events/s at the microservice from the start signal`);
    }
    if (options.calls > 0) {
      client.send({ cmd: 'latency', run: 2, calls: options.calls, warmup: options.callsWarmup, size: 64, timeoutMs: options.timeoutMs });
      rows.latency = (await client.next('latency', options.timeoutMs + 1000)) as unknown as LatencySummary;
      const l = rows.latency;
      log(`  send('r') echo x ${fmt(l.calls)} sequential: p50 ${fmt(l.p50Us, 1)} µs, p90 ${fmt(l.p90Us, 1)} µs, p99 ${fmt(l.p99Us, 1)} µs, max ${fmt(l.maxUs, 1)} µs`);
    }
  } catch (error) {
    rows.failure = (error as Error).message;
    log(`FAILED: Nest NATS: ${rows.failure}`);
  } finally {
    await stopAll([server, client]);
  }
  return rows;
}

function cell(rows: CohortRows, order: Order, senders: number): string {
  const found = rows.throughput.find((t) => ('failure' in t ? t.order === order && t.senders === senders : t.options.order === order && t.options.senders === senders));
  if (!found) return '–';
  return 'failure' in found ? 'FAILED' : fmt(found.minPerSec);
}

function summary(nats: CohortRows, tcp: CohortRows, nestNats: NestRows, nestTcp: NestTcpResult | null, options: NatsBenchOptions): string {
  const rows: string[][] = [];
  for (const order of options.orders) {
    for (const senders of [1, 3]) {
      rows.push([`Cohort ${order}, ${senders} sender${senders > 1 ? 's' : ''}: deliveries/s (slowest of 3)`, cell(nats, order, senders), cell(tcp, order, senders), '', '']);
    }
  }
  rows.push(['emit() events/s at the receiver', '', '', nestNats.emitPerSec !== null ? fmt(nestNats.emitPerSec) : '–',
    nestTcp?.emit ? fmt(nestTcp.emit.perSecFromStart) : '–']);
  const lat = (l: LatencySummary | null | undefined): string => (l ? `${fmt(l.p50Us, 1)} / ${fmt(l.p99Us, 1)}` : '–');
  rows.push([`Cohort replies:'all' (3 members) p50 / p99 µs`, lat(nats.latency), lat(tcp.latency), '', '']);
  rows.push(['send() echo p50 / p99 µs', '', '', lat(nestNats.latency), lat(nestTcp?.latency)]);
  const header = ['metric', 'Cohort on natsWire', 'Cohort on tcpWire', 'Nest Transport.NATS', 'Nest Transport.TCP'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i === 0 ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const args = new Args(process.argv.slice(2), ['quick', 'orders', 'count', 'warmup', 'calls', 'nest-count', 'servers', 'suspect-ms', 'json', 'timeout']);
  const quick = args.flag('quick');
  const options: NatsBenchOptions = {
    quick,
    orders: args.choices('orders', ['fifo', 'causal', 'total'] as const, ['fifo']),
    count: args.int('count', quick ? 20_000 : 200_000, 3),
    warmup: args.int('warmup', quick ? 2_000 : 20_000),
    calls: args.int('calls', quick ? 1_000 : 10_000),
    callsWarmup: quick ? 100 : 1_000,
    nestCount: args.int('nest-count', quick ? 20_000 : 200_000),
    servers: args.int('servers', 1, 1),
    suspectMs: args.int('suspect-ms', 0) || undefined,
    timeoutMs: args.int('timeout', 120_000, 1000),
  };
  const binary = findNatsServer();
  if (!binary) {
    console.error('bench:nats needs nats-server (Debian: apt-get install -y nats-server, or set NATS_SERVER_BIN): no NATS rows measured');
    process.exitCode = 1;
    return;
  }
  const watchdogMs = quick ? 5 * 60_000 : 20 * 60_000;
  const watchdog = setTimeout(() => {
    console.error(`bench:nats: timeout: the whole run took more than ${watchdogMs / 60_000} minutes; killing every child`);
    killAll();
    process.exit(1);
  }, watchdogMs);
  watchdog.unref();
  const started = new Date();
  const t0 = performance.now();
  const machineBefore = machine();
  log(`machine: ${machineBefore}`);
  const nats = await startNats(binary, options.servers);
  log(`nats-server: ${binary}, ${nats.urls.join(', ')}`);
  let results;
  try {
    const onNats = await cohortRows('nats', options, nats.urls);
    const onTcp = await cohortRows('tcp', options, []);
    const nestNats = await nestNatsRows(nats.urls[0]!, options);
    log(`\n# Nest's TCP transport (Transport.TCP)`);
    const nestTcp = await runNestTcp({ count: options.nestCount, calls: options.calls, warmup: options.callsWarmup, size: 64, chunk: 1024, objectPattern: false, timeoutMs: options.timeoutMs })
      .catch((error: unknown) => { log(`FAILED: Nest TCP: ${(error as Error).message}`); return null; });
    if (nestTcp) log(describeNestTcp(nestTcp));
    results = { onNats, onTcp, nestNats, nestTcp };
    clearTimeout(watchdog);
    const machineAfter = machine();
    log(`\nmachine after the run: ${machineAfter}`);
    log(`\n# Summary (${quick ? 'quick run, ' : ''}${started.toISOString()}, ${fmt((performance.now() - t0) / 1000, 1)} s; ${options.servers} nats-server${options.servers > 1 ? 's' : ''})\n`);
    log(summary(onNats, onTcp, nestNats, nestTcp, options));
    const jsonPath = args.string('json');
    if (jsonPath) {
      writeFileSync(jsonPath, `${JSON.stringify({ date: started.toISOString(), machineBefore, machineAfter, options, ...results, children: childReport() }, null, 2)}\n`);
      log(`results written to ${jsonPath}`);
    }
  } finally {
    await nats.stop();
  }
  const children = childReport();
  log(`\nchild processes: ${children.length}, all exited: ${children.every((c) => c.exited) ? 'yes' : 'NO'}`);
}

if (isMain(import.meta.filename)) {
  main().catch((error: unknown) => {
    console.error(`bench:nats failed: ${error instanceof Error ? error.message : String(error)}`);
    killAll();
    process.exitCode = 1;
  });
}
