/**
 * The NATS subset of `npm run bench` (npm run bench:nats): Cohort over NATS beside the TCP wire
 * and Nest's own transports, all measured in this run. Needs nats-server (Debian: apt-get
 * install -y nats-server); without it the script says so and exits 1 (`npm run bench` skips
 * these rows instead, saying so).
 *
 *   npx tsx apps/bench/src/nats.ts [--quick] [--count 200000] [--calls 10000] [--orders fifo]
 *       [--nats-servers 1|3] [--suspect-ms N] [--json results.json]
 *
 * The sections 1, 3 and 4 of all.ts (no raw TCP): Cohort on tcpWire, Nest's Transport.TCP,
 * then nats-servers on 127.0.0.1 (--nats-servers 3: three routed ones, member i on server i),
 * Cohort on natsWire and Nest's Transport.NATS; one table side by side, then the ratios.
 *
 * Every child process and every nats-server is killed at the end, on error too; every wait is bounded.
 */
import { findNatsServer } from '@cohort/nats/testing';
import { Args, fmt, isMain, machine } from './lib/args.js';
import { killAll } from './lib/children.js';
import type { LatencySummary } from './lib/payload.js';
import type { Order } from './fbcast-throughput.js';
import { findRun, type CohortSuiteResult } from './cohort-suite.js';
import {
  childrenLine,
  COMMON_FLAGS,
  markdown,
  NATS_MISSING,
  natsRows,
  parseOptions,
  runAll,
  watchdog,
  writeJson,
  type AllResults,
} from './all.js';

const log = (line: string): void => console.log(line);

function cell(suite: CohortSuiteResult | null, order: Order, senders: number): string {
  const found = suite ? findRun(suite, order, senders) : undefined;
  if (!found) return '–';
  return 'failure' in found ? 'FAILED' : fmt(found.minPerSec);
}

/** Cohort on natsWire and on tcpWire, Nest on NATS and on TCP: one column each. */
export function sideBySide(results: AllResults): string {
  const nats = 'skipped' in results.nats ? null : results.nats;
  const tcp: CohortSuiteResult = { wire: 'tcp', ...results };
  const rows: string[][] = [];
  for (const order of results.options.orders) {
    for (const senders of [1, 3]) {
      rows.push([
        `Cohort ${order}, ${senders} sender${senders > 1 ? 's' : ''}: deliveries/s (slowest of 3)`,
        cell(nats?.cohort ?? null, order, senders),
        cell(tcp, order, senders),
        '',
        '',
      ]);
    }
  }
  const emit = (e: { perSecFromStart: number } | null | undefined): string => (e ? fmt(e.perSecFromStart) : '–');
  rows.push(['emit() events/s at the receiver', '', '', emit(nats?.nest.emit), emit(results.nest?.emit)]);
  const lat = (l: LatencySummary | null | undefined): string => (l ? `${fmt(l.p50Us, 1)} / ${fmt(l.p99Us, 1)}` : '–');
  rows.push([`Cohort replies:'all' (3 members) p50 / p99 µs`, lat(nats?.cohort.latency), lat(results.latency), '', '']);
  rows.push(['send() echo p50 / p99 µs', '', '', lat(nats?.nest.latency), lat(results.nest?.latency)]);
  return markdown(rows, ['metric', 'Cohort on natsWire', 'Cohort on tcpWire', 'Nest Transport.NATS', 'Nest Transport.TCP']);
}

async function main(): Promise<void> {
  const args = new Args(process.argv.slice(2), [...COMMON_FLAGS, 'servers']);
  // --servers: the name this script's option had before it became part of npm run bench.
  const servers = args.int('servers', 0, 0, 9);
  const options = parseOptions(args, { orders: ['fifo'], sections: ['async', 'replies', 'nest', 'nats'], natsServers: servers || 1 });
  if (options.natsServers === 0)
    throw new Error('--nats-servers must be at least 1 here (npm run bench -- --nats-servers 0 leaves NATS out)');
  if (findNatsServer() === null) {
    console.error(`bench:nats: ${NATS_MISSING}: no NATS rows measured`);
    process.exitCode = 1;
    return;
  }
  const timer = watchdog('bench:nats', options.quick);
  const started = new Date();
  const machineBefore = machine();
  log(`machine: ${machineBefore}`);
  const results = await runAll(options);
  clearTimeout(timer);
  const machineAfter = machine();
  log(`\nmachine after the run: ${machineAfter}`);
  const n = options.natsServers;
  log(
    `\n# Summary (${options.quick ? 'quick run, ' : ''}${started.toISOString()}, ${fmt(results.wallMs / 1000, 1)} s; ${n} nats-server${n > 1 ? 's' : ''})\n`,
  );
  log(sideBySide(results));
  log(`\n# Ratios, same run\n`);
  log(
    markdown(
      natsRows(results).map((r) => [r.metric, r.ours, r.baseline, r.ratio]),
      ['metric', 'ours', 'baseline (this run)', 'ratio ours/baseline'],
    ),
  );
  log(`\n${childrenLine()}`);
  const jsonPath = args.string('json');
  if (jsonPath) writeJson(jsonPath, started, machineBefore, machineAfter, results);
}

if (isMain(import.meta.filename)) {
  main().catch((error: unknown) => {
    console.error(`bench:nats failed: ${error instanceof Error ? error.message : String(error)}`);
    killAll();
    process.exitCode = 1;
  });
}
