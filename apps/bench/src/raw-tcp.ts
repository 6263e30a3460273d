/**
 * Baseline: raw TCP fan-out on loopback. One sender process writes length-prefixed messages,
 * `batch` per write, to 2 receiver processes over node:net; each receiver parses every
 * message and counts it. This is the ceiling for 3 Node processes on this machine: no
 * protocol, no acks, no ordering, no flow control beyond TCP's.
 *
 * Also the raw request/reply floor: one message echoed at a time, `--calls` round trips.
 *
 *   npx tsx apps/bench/src/raw-tcp.ts [--count 2000000] [--size 64] [--batch 1024] [--calls 10000]
 */
import { Args, fmt, isMain } from './lib/args.js';
import { Child, stopAll, withTimeout } from './lib/children.js';
import type { LatencySummary } from './lib/payload.js';
import { describeRss, peakRss } from './lib/rss.js';

export interface RawTcpOptions {
  count: number;
  size: number;
  batch: number;
  timeoutMs: number;
}

export interface RawTcpResult {
  options: RawTcpOptions;
  /** Deliveries/s at each receiver, from the start signal to its last message. */
  receivers: { receiver: number; count: number; perSecFromStart: number; perSecFirstToLast: number; elapsedMs: number }[];
  minPerSec: number;
  meanPerSec: number;
  sendMs: number;
  writes: number;
  /** Peak resident set size of receiver 1, receiver 2 and the sender (MB). */
  rssMb: (number | null)[];
}

export async function runRawTcp(options: RawTcpOptions): Promise<RawTcpResult> {
  const receivers = [
    new Child('raw receiver 1', 'raw-tcp-child.ts', ['receiver']),
    new Child('raw receiver 2', 'raw-tcp-child.ts', ['receiver']),
  ];
  const sender = new Child('raw sender', 'raw-tcp-child.ts', ['sender']);
  const all = [...receivers, sender];
  try {
    const ports = (await Promise.all(receivers.map((r) => r.next('ready', 30_000)))).map((r) => r.port as number);
    await sender.next('ready', 30_000);
    sender.send({ cmd: 'connect', ports });
    await sender.next('connected', 10_000);
    const run = 1;
    for (const r of receivers) r.send({ cmd: 'prepare', run, expected: options.count });
    await Promise.all(receivers.map((r) => r.next('prepared', 10_000)));
    const delivered = receivers.map((r) => r.next('delivered', options.timeoutMs));
    const sent = sender.next('sent', options.timeoutMs);
    for (const r of receivers) r.send({ cmd: 'start', run });
    sender.send({ cmd: 'start', run, count: options.count, size: options.size, batch: options.batch, timeoutMs: options.timeoutMs });
    const [reports, sendReport] = await withTimeout(
      Promise.all([Promise.all(delivered), sent]),
      options.timeoutMs + 1000,
      `raw TCP: ${options.count} messages were not all received`,
    );
    const results = reports.map((r, i) => {
      const count = r.count as number;
      const tStart = r.tStart as number;
      const tFirst = r.tFirst as number;
      const tLast = r.tLast as number;
      return {
        receiver: i + 1,
        count,
        perSecFromStart: count / Math.max(1e-3, (tLast - tStart) / 1000),
        perSecFirstToLast: count / Math.max(1e-3, (tLast - tFirst) / 1000),
        elapsedMs: tLast - tStart,
      };
    });
    const rates = results.map((r) => r.perSecFromStart);
    return {
      options,
      receivers: results,
      minPerSec: Math.min(...rates),
      meanPerSec: rates.reduce((s, v) => s + v, 0) / rates.length,
      sendMs: sendReport.sendMs as number,
      writes: sendReport.writes as number,
      rssMb: await peakRss(all),
    };
  } finally {
    await stopAll(all);
  }
}

/**
 * Raw TCP round trips: one process writes a length-prefixed message to another, which echoes
 * it; `calls` in sequence. The request/reply floor of this machine (no protocol, no JSON).
 */
export async function runRawPingPong(calls: number, warmup: number, size: number, timeoutMs = 60_000): Promise<LatencySummary> {
  const echo = new Child('raw echo server', 'raw-tcp-child.ts', ['echo']);
  const ping = new Child('raw ping client', 'raw-tcp-child.ts', ['ping']);
  try {
    const port = (await echo.next('ready', 30_000)).port as number;
    await ping.next('ready', 30_000);
    ping.send({ cmd: 'latency', port, calls, warmup, size, timeoutMs });
    return (await ping.next('latency', timeoutMs + 1000)) as unknown as LatencySummary;
  } finally {
    await stopAll([echo, ping]);
  }
}

export function describePingPong(l: LatencySummary): string {
  return (
    `raw TCP round trip (echo, 1 message at a time) x ${fmt(l.calls)}: p50 ${fmt(l.p50Us, 1)} µs, ` +
    `p90 ${fmt(l.p90Us, 1)} µs, p99 ${fmt(l.p99Us, 1)} µs, max ${fmt(l.maxUs, 1)} µs, mean ${fmt(l.meanUs, 1)} µs`
  );
}

export function describeRawTcp(result: RawTcpResult): string {
  const { options } = result;
  const lines = [
    `raw TCP fan-out: ${fmt(options.count)} ${options.size}-byte length-prefixed messages, ` +
      `${options.batch} per write, 1 sender -> 2 receivers on 127.0.0.1`,
  ];
  for (const r of result.receivers) {
    lines.push(
      `  receiver ${r.receiver}: ${fmt(r.count)} in ${fmt(r.elapsedMs, 1)} ms: ${fmt(r.perSecFromStart)} deliveries/s ` +
        `from the start signal, ${fmt(r.perSecFirstToLast)}/s first to last`,
    );
  }
  lines.push(`  slowest receiver ${fmt(result.minPerSec)}/s; ${fmt(result.writes)} writes per socket in ${fmt(result.sendMs, 1)} ms`);
  lines.push(`  peak RSS: receivers / sender ${describeRss(result.rssMb)}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = new Args(process.argv.slice(2), ['count', 'size', 'batch', 'calls', 'timeout', 'quick']);
  const quick = args.flag('quick');
  const size = args.int('size', 64, 9);
  const result = await runRawTcp({
    count: args.int('count', quick ? 200_000 : 2_000_000, 1),
    size,
    batch: args.int('batch', 1024, 1),
    timeoutMs: args.int('timeout', 60_000, 1000),
  });
  console.log(describeRawTcp(result));
  const calls = args.int('calls', quick ? 1_000 : 10_000);
  if (calls > 0) console.log(describePingPong(await runRawPingPong(calls, quick ? 100 : 1_000, size)));
}

if (isMain(import.meta.filename)) {
  main().catch((error: unknown) => {
    console.error(`raw-tcp failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
