/**
 * The rows of `npm run bench` without running a benchmark: `--only` parsing and what it runs,
 * the ratio and target arithmetic, the rows built from a run's results (each with its same-run
 * baseline), and the header-bytes computation with the core's encoder. No timing here.
 */
import { Args } from '../src/lib/args.js';
import { ALL_FLAGS, parseOptions, type AllOptions, type AllResults } from '../src/all.js';
import { headerBytesPerMessage, measureAllHeaderBytes, measureHeaderBytes } from '../src/header-bytes.js';
import { plan, SECTIONS } from '../src/sections.js';
import { markdown, ratio, ratioValue, summaryRows, summaryTable, targetCell, wireBytesPerMessage, type Row } from '../src/summary.js';
import type { LatencyResult, PipelinedResult, ThroughputResult } from '../src/fbcast-throughput.js';
import type { NestjsSuiteResult } from '../src/nestjs-suite.js';
import type { PipelinedSummary } from '../src/lib/pipeline.js';

function options(argv: string[]): AllOptions {
  return parseOptions(new Args(argv, ALL_FLAGS), { orders: ['fifo', 'causal', 'total'], sections: SECTIONS, natsServers: 1 });
}

function throughput(order: 'fifo' | 'causal' | 'total', senders: 1 | 3, minPerSec: number, rssMb = [90, 80, 70]): ThroughputResult {
  return {
    options: { count: 200_000, senders, order, size: 64, chunk: 1024, yieldEvery: 0, timeoutMs: 1 },
    receivers: [1, 2, 3].map((member) => ({
      member,
      delivered: 200_000,
      expected: 200_000,
      perSecFirstToLast: minPerSec,
      perSecFromStart: minPerSec,
      elapsedMs: 1,
      fifoViolations: 0,
      orderHash: 0,
    })),
    minPerSec,
    meanPerSec: minPerSec,
    sameSequence: true,
    sendMs: [1],
    wire: [1, 2, 3].map((member) => ({
      member,
      framesSent: 0,
      framesReceived: 0,
      writes: 0,
      bytesSent: member === 1 ? 200_000 * 2 * 75 : 0,
      bytesReceived: 0,
      framesDropped: 0,
    })),
    rssMb,
  };
}

const latency = (p50Us: number, p99Us: number, rssMb = [100, 80, 70]): LatencyResult => ({
  calls: 10_000,
  p50Us,
  p90Us: p50Us,
  p99Us,
  maxUs: p99Us,
  meanUs: p50Us,
  totalMs: 1,
  incomplete: 0,
  perCall: [],
  rssMb,
});
const pipelinedSummary = (calls: number, callsPerSec: number): PipelinedSummary => ({
  calls,
  p50Us: 1,
  p90Us: 1,
  p99Us: 1,
  maxUs: 1,
  meanUs: 1,
  totalMs: 1,
  outstanding: 100,
  callsPerSec,
  incomplete: 0,
});
const pipelinedResult = (callsPerSec: number, rssMb = [110, 80, 70]): PipelinedResult => ({
  ...pipelinedSummary(20_000, callsPerSec),
  rssMb,
});

function results(): AllResults {
  const nestjs: NestjsSuiteResult = {
    emit: throughput('fifo', 1, 60_000, [160, 150, 150]),
    multicast: throughput('fifo', 1, 30_000, [160, 150, 150]),
    latency: latency(400, 900, [161, 150, 150]),
    pipelined: pipelinedResult(3_000, [162, 150, 150]),
    failures: [],
  };
  return {
    options: options([]),
    throughput: [throughput('fifo', 1, 100_000), throughput('causal', 1, 80_000), throughput('total', 3, 50_000)],
    latency: latency(200, 2_000),
    latencyFailure: null,
    pipelined: pipelinedResult(5_000),
    pipelinedFailure: null,
    raw: {
      options: { count: 1, size: 64, batch: 1024, timeoutMs: 1 },
      receivers: [],
      minPerSec: 400_000,
      meanPerSec: 400_000,
      sendMs: 1,
      writes: 1,
      rssMb: [50, 50, 50],
    },
    rawRoundTrip: { calls: 1, p50Us: 50, p90Us: 60, p99Us: 100, maxUs: 100, meanUs: 50, totalMs: 1 },
    nest: {
      options: { transport: 'tcp', count: 1, calls: 1, warmup: 0, size: 64, chunk: 1, objectPattern: false, timeoutMs: 1 },
      emit: { count: 1, perSecFromStart: 50_000, perSecFirstToLast: 50_000, elapsedMs: 1, sendMs: 1 },
      latency: { calls: 1, p50Us: 100, p90Us: 100, p99Us: 400, maxUs: 400, meanUs: 100, totalMs: 1 },
      pipelined: pipelinedSummary(1, 10_000),
      rssMb: [70, 60],
    },
    nestjs,
    headerBytes: measureAllHeaderBytes(),
    nats: { skipped: 'not asked for (--nats-servers 0)' },
    wallMs: 1,
  };
}

function find(rows: Row[], metric: string | RegExp, baseline: string | RegExp): Row {
  const match = (value: string, want: string | RegExp): boolean => (typeof want === 'string' ? value.includes(want) : want.test(value));
  const found = rows.find((r) => match(r.metric, metric) && match(r.baseline, baseline));
  if (!found)
    throw new Error(`no row ${String(metric)} / ${String(baseline)} in\n${rows.map((r) => `${r.metric} | ${r.baseline}`).join('\n')}`);
  return found;
}

describe('npm run bench: --only', () => {
  it('defaults to every section; --only takes a list and refuses an unknown section', () => {
    expect(options([]).sections).toEqual([...SECTIONS]);
    expect(options(['--only', 'nestjs,headers']).sections).toEqual(['nestjs', 'headers']);
    expect(() => options(['--only', 'nestjs,fast'])).toThrow(/"fast" is not one of/);
  });

  it('runs the baselines the rows asked for need, one level deep', () => {
    const nestjs = plan(['nestjs']);
    expect([...nestjs.runs].sort()).toEqual(['async', 'nestjs', 'pipelined', 'replies']);
    expect(nestjs.asyncRuns).toBe('fifo-1');
    expect(nestjs.raw).toEqual({ fanOut: false, roundTrip: false });
    expect(nestjs.nest).toEqual({ emit: false, send: false, pipelined: false });
    const pipelined = plan(['pipelined']);
    expect(pipelined.nest).toEqual({ emit: false, send: false, pipelined: true });
    expect(pipelined.asyncRuns).toBe('none');
    expect(plan(['headers']).runs).toEqual(new Set(['headers']));
    const all = plan(SECTIONS);
    expect(all.asyncRuns).toBe('all');
    expect(all.raw).toEqual({ fanOut: true, roundTrip: true });
    expect(all.nest).toEqual({ emit: true, send: true, pipelined: true });
  });
});

describe('npm run bench: ratios and targets', () => {
  it('divides ours by the baseline, n/a without one', () => {
    expect(ratioValue(100_000, 400_000)).toBe(0.25);
    expect(ratio(100_000, 400_000)).toBe('0.25');
    expect(ratio(5_000, 1_000_000)).toBe('0.005');
    expect(ratio(1, 0)).toBe('n/a');
    expect(ratio(NaN, 1)).toBe('n/a');
  });

  it('says whether the ratio meets its target', () => {
    expect(targetCell(0.25, { op: '>=', value: 0.2 })).toBe('≥ 0.2 (met)');
    expect(targetCell(0.1, { op: '>=', value: 0.2 })).toBe('≥ 0.2 (NOT met)');
    expect(targetCell(4, { op: '<=', value: 2 })).toBe('≤ 2 (NOT met)');
    expect(targetCell(NaN, { op: '<=', value: 2 })).toBe('≤ 2');
    expect(targetCell(1, undefined)).toBe('');
  });
});

describe('npm run bench: the rows of issue 12, each against its same-run baseline', () => {
  const rows = summaryRows(results());

  it('asynchronous fifo and causal, 1 sender: against raw TCP fan-out (≥ 0.2) and the 1M/s aim', () => {
    const fifoRaw = find(rows, 'fifo, 1 sender', 'raw TCP fan-out: 400,000/s');
    expect(fifoRaw).toMatchObject({ ours: '100,000', ratio: '0.25', target: '≥ 0.2 (met)', rss: '90.0 / 80.0 / 70.0 MB' });
    expect(fifoRaw.values).toMatchObject({ ours: 100_000, baseline: 400_000, ratio: 0.25, met: true, rssMb: [90, 80, 70] });
    expect(find(rows, 'causal, 1 sender', 'raw TCP fan-out')).toMatchObject({ ratio: '0.20', target: '≥ 0.2 (met)' });
    expect(find(rows, 'fifo, 1 sender', `aim ${(1_000_000).toLocaleString('en-US')}/s`)).toMatchObject({
      ratio: '0.10',
      target: '≥ 1 (NOT met)',
    });
    expect(find(rows, 'causal, 1 sender', 'aim 1,000,000/s')).toMatchObject({ ratio: '0.080' });
  });

  it('total order, 3 senders: against the 500,000/s aim', () => {
    expect(find(rows, 'total, 3 senders', 'aim 500,000/s')).toMatchObject({ ours: '50,000', ratio: '0.10', target: '≥ 1 (NOT met)' });
  });

  it("replies: 'all': p50 against the raw round trip (≤ 2), p99 against 1 ms; 100 outstanding against Nest's send()", () => {
    expect(find(rows, "replies:'all' p50", 'raw TCP round trip p50: 50.0 µs')).toMatchObject({ ratio: '4.00', target: '≤ 2 (NOT met)' });
    expect(find(rows, "replies:'all' p99", 'aim 1,000 µs')).toMatchObject({ ratio: '2.00', target: '≤ 1 (NOT met)' });
    expect(find(rows, '100 outstanding: calls/s (3 members)', 'Nest TCP send(), 100 outstanding: 10,000 calls/s')).toMatchObject({
      ours: '5,000',
      ratio: '0.50',
      rss: '110.0 / 80.0 / 70.0 MB',
    });
  });

  it('@cohort/nestjs: emit, @Multicast and send against the core figure of the same run (≥ 0.5)', () => {
    expect(find(rows, '@cohort/nestjs GroupClient.emit()', 'core multicast() fifo, 1 sender: 100,000/s')).toMatchObject({
      ratio: '0.60',
      target: '≥ 0.5 (met)',
    });
    expect(find(rows, '@cohort/nestjs @Multicast()', 'core multicast() fifo, 1 sender')).toMatchObject({
      ratio: '0.30',
      target: '≥ 0.5 (NOT met)',
    });
    expect(find(rows, '@cohort/nestjs GroupClient.send(), 100 outstanding', 'core replies')).toMatchObject({
      ratio: '0.60',
      target: '≥ 0.5 (met)',
    });
    expect(find(rows, '@cohort/nestjs GroupClient.send() p50', "core replies:'all' p50: 200.0 µs")).toMatchObject({
      ratio: '2.00',
      target: '≤ 2 (met)',
    });
  });

  it('peak RSS: each group of members against 150 MB', () => {
    expect(find(rows, 'Cohort members (tcpWire), peak RSS', 'target < 150 MB')).toMatchObject({ ours: '110.0', target: '≤ 1 (met)' });
    expect(find(rows, '@cohort/nestjs members, peak RSS', 'target < 150 MB')).toMatchObject({ ours: '162.0', target: '≤ 1 (NOT met)' });
    // The heap cap the members run with is part of the figure: the row says so.
    expect(find(rows, 'Cohort members (tcpWire), peak RSS', 'target < 150 MB').baseline).toContain('--max-old-space-size=512');
  });

  it('header bytes at 3, 16 and 64 members, and the run’s own wire bytes per message', () => {
    for (const members of [3, 16, 64]) {
      for (const pack of ['16', '1,024']) find(rows, `${members} members all sending, packs of ${pack}`, 'aim 16 B');
    }
    // Member 1 sent 75 bytes per message and peer: 75 - 64 payload - 1 topic.
    expect(find(rows, 'wire B/message beyond payload+topic', 'aim 16 B')).toMatchObject({ ours: '10.00', ratio: '0.63' });
  });

  it('prints one table with the target and RSS columns; a NATS row says why there are none', () => {
    const table = summaryTable(results());
    expect(
      table
        .split('\n')[0]!
        .split('|')
        .map((c) => c.trim())
        .filter(Boolean),
    ).toEqual(['metric', 'ours', 'baseline (this run)', 'ratio ours/baseline', 'target (ratio)', 'peak RSS MB (each process)']);
    expect(table).toMatch(/\| over NATS \(natsWire\) +\| +skipped \| not asked for \(--nats-servers 0\)/);
    expect(markdown([['a', '1']], ['x', 'y'])).toBe('| x   |   y |\n| --- | --: |\n| a   |   1 |');
  });
});

describe('cbcast header bytes per message (the core encoder, in-process)', () => {
  it('is the frame beyond payloads and topics, divided by the messages', () => {
    expect(headerBytesPerMessage(1_000, 10, 64, 1)).toBe(35);
  });

  it('costs the same per message whatever the group when one member streams alone (no vector entry travels)', () => {
    const alone = [3, 16, 64].map((members) => measureHeaderBytes(members, 64, 'one sends').headerBytesPerMessage);
    expect(new Set(alone).size).toBe(1);
  });

  it('adds the members − 1 changed vector entries once per pack when every member sends', () => {
    // 63 entries of rank (1 byte) + a mid-run seq (3-byte varint), over a pack of 16.
    const all = measureHeaderBytes(64, 16, 'all send');
    const alone = measureHeaderBytes(64, 16, 'one sends');
    expect(all.headerBytesPerMessage - alone.headerBytesPerMessage).toBeCloseTo((63 * 4) / 16, 9);
    expect(all.frameBytes - alone.frameBytes).toBe(63 * 4);
    // Bigger packs share the entries and the frame's envelope among more messages.
    expect(measureHeaderBytes(64, 1024, 'all send').headerBytesPerMessage).toBeLessThan(all.headerBytesPerMessage);
  });

  it('measures 3, 16 and 64 members at packs of 16, 64 and 1,024, both cases', () => {
    const results = measureAllHeaderBytes();
    expect(results).toHaveLength(3 * 3 * 2);
    for (const r of results) expect(r.headerBytesPerMessage).toBeGreaterThan(0);
  });

  it("reads a run's own wire counters the same way", () => {
    expect(wireBytesPerMessage(throughput('causal', 1, 1))).toBe(10);
  });
});
