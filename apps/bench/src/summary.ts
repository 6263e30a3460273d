/**
 * The summary of `npm run bench`: every row of issue 12 with the baseline it is set against,
 * measured in the same run (or an aim, said so), the ratio ours / baseline, the target that
 * ratio has, and the peak resident set size of the processes the row measured. The same rows
 * go to the `--json` file (`summary`), with the numbers unformatted.
 */
import { fmt } from './lib/args.js';
import { childNodeFlags } from './lib/children.js';
import { describeRss, maxRss, RSS_TARGET_MB } from './lib/rss.js';
import type { ThroughputResult } from './fbcast-throughput.js';
import { findRun, isFailed, slowestPerSec, type ThroughputOutcome } from './cohort-suite.js';
import { HEADER_BYTES_AIM, type HeaderBytesResult } from './header-bytes.js';
import type { AllResults } from './all.js';

/** A target on the ratio: at least (`>=`) or at most (`<=`) `value`. */
export interface Target {
  op: '>=' | '<=';
  value: number;
}

export interface Row {
  metric: string;
  ours: string;
  baseline: string;
  ratio: string;
  /** "≥ 0.2 (met)", "≤ 2 (NOT met)", or '' when the issue sets none. */
  target?: string;
  /** Peak RSS of the processes the row measured, MB each. */
  rss?: string;
  /** The figures themselves (for --json): ours, the baseline, ours / baseline. */
  values?: { ours: number; baseline: number; ratio: number; met?: boolean; rssMb?: (number | null)[] };
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

/** Issue 12's aims and targets (not measured: set against our figures of the run). */
export const AIMS = {
  /** Asynchronous fifo and causal, 1 sender: deliveries/s per receiver. */
  asyncPerSec: 1_000_000,
  /** Total order, 3 senders: deliveries/s per member. */
  totalPerSec: 500_000,
  /** replies: 'all' p99. */
  allRepliesP99Us: 1_000,
  /** Ours / raw batched TCP fan-out, asynchronous 1 sender. */
  rawFanOutRatio: 0.2,
  /** replies: 'all' p50 / raw TCP round trip p50. */
  rawRoundTripRatio: 2,
  /** Through @cohort/nestjs / the core, same run. */
  nestjsRatio: 0.5,
};

/** ours / baseline (NaN when either is missing or the baseline is 0). */
export function ratioValue(ours: number, baseline: number): number {
  if (!Number.isFinite(ours) || !Number.isFinite(baseline) || baseline === 0) return NaN;
  return ours / baseline;
}

export function ratio(ours: number, baseline: number): string {
  const r = ratioValue(ours, baseline);
  if (!Number.isFinite(r)) return 'n/a';
  return r.toFixed(r < 0.1 ? 3 : 2);
}

export function meets(r: number, target: Target): boolean | undefined {
  if (!Number.isFinite(r)) return undefined;
  return target.op === '>=' ? r >= target.value : r <= target.value;
}

export function targetCell(r: number, target: Target | undefined): string {
  if (!target) return '';
  const met = meets(r, target);
  return `${target.op === '>=' ? '≥' : '≤'} ${target.value}${met === undefined ? '' : met ? ' (met)' : ' (NOT met)'}`;
}

/** One row: the cells and the numbers, from ours, the baseline, how each reads, and the target. */
export function row(
  metric: string,
  ours: number,
  oursCell: string,
  baseline: number,
  baselineCell: string,
  options: { target?: Target; rssMb?: (number | null)[] } = {},
): Row {
  const r = ratioValue(ours, baseline);
  const met = options.target ? meets(r, options.target) : undefined;
  return {
    metric,
    ours: oursCell,
    baseline: baselineCell,
    ratio: ratio(ours, baseline),
    target: targetCell(r, options.target),
    rss: options.rssMb ? describeRss(options.rssMb) : '',
    values: { ours, baseline, ratio: r, ...(met === undefined ? {} : { met }), ...(options.rssMb ? { rssMb: options.rssMb } : {}) },
  };
}

export function runName(t: ThroughputOutcome): string {
  return `${t.options.order}, ${t.options.senders} sender${t.options.senders > 1 ? 's' : ''}: deliveries/s per receiver (slowest of 3)`;
}

/** A throughput figure as a cell: a failed run shows the slowest member's rate until the failure, marked. */
export function throughputCell(t: ThroughputOutcome): string {
  return isFailed(t) ? `FAILED (${fmt(slowestPerSec(t))} until then)` : fmt(t.minPerSec);
}

const rssOf = (t: ThroughputOutcome): (number | null)[] | undefined => (isFailed(t) ? undefined : t.rssMb);

/** The core's asynchronous rows: against raw TCP fan-out, Nest's emit(), and the aims. */
function asyncRows(results: AllResults): Row[] {
  const rows: Row[] = [];
  const nestEmit = results.nest?.emit?.perSecFromStart;
  const raw = results.raw?.minPerSec;
  for (const t of results.throughput) {
    const value = slowestPerSec(t);
    const name = runName(t);
    const single = t.options.senders === 1 && t.options.order !== 'total';
    const rssMb = rssOf(t);
    if (raw !== undefined) {
      rows.push(
        row(name, value, throughputCell(t), raw, `raw TCP fan-out: ${fmt(raw)}/s`, {
          ...(single ? { target: { op: '>=', value: AIMS.rawFanOutRatio } as Target } : {}),
          rssMb,
        }),
      );
    }
    if (nestEmit !== undefined) rows.push(row(name, value, throughputCell(t), nestEmit, `Nest TCP emit(): ${fmt(nestEmit)}/s`, { rssMb }));
    if (single)
      rows.push(
        row(name, value, throughputCell(t), AIMS.asyncPerSec, `aim ${fmt(AIMS.asyncPerSec)}/s (not measured)`, {
          target: { op: '>=', value: 1 },
          rssMb,
        }),
      );
    if (t.options.order === 'total' && t.options.senders === 3) {
      rows.push(
        row(name, value, throughputCell(t), AIMS.totalPerSec, `aim ${fmt(AIMS.totalPerSec)}/s (not measured)`, {
          target: { op: '>=', value: 1 },
          rssMb,
        }),
      );
    }
  }
  return rows;
}

/** replies: 'all', one call at a time and 100 in flight. */
function callRows(results: AllResults): Row[] {
  const rows: Row[] = [];
  const l = results.latency;
  const p50 = `multicast replies:'all' p50 µs (3 members) [lower is better]`;
  const p99 = `multicast replies:'all' p99 µs (3 members) [lower is better]`;
  if (l) {
    const r = results.rawRoundTrip;
    const n = results.nest?.latency;
    if (r) {
      rows.push(
        row(p50, l.p50Us, fmt(l.p50Us, 1), r.p50Us, `raw TCP round trip p50: ${fmt(r.p50Us, 1)} µs`, {
          target: { op: '<=', value: AIMS.rawRoundTripRatio },
          rssMb: l.rssMb,
        }),
      );
      rows.push(row(p99, l.p99Us, fmt(l.p99Us, 1), r.p99Us, `raw TCP round trip p99: ${fmt(r.p99Us, 1)} µs`, { rssMb: l.rssMb }));
    }
    rows.push(
      row(p99, l.p99Us, fmt(l.p99Us, 1), AIMS.allRepliesP99Us, `aim ${fmt(AIMS.allRepliesP99Us)} µs (not measured)`, {
        target: { op: '<=', value: 1 },
        rssMb: l.rssMb,
      }),
    );
    if (n) {
      rows.push(row(p50, l.p50Us, fmt(l.p50Us, 1), n.p50Us, `Nest TCP send() p50: ${fmt(n.p50Us, 1)} µs`, { rssMb: l.rssMb }));
      rows.push(row(p99, l.p99Us, fmt(l.p99Us, 1), n.p99Us, `Nest TCP send() p99: ${fmt(n.p99Us, 1)} µs`, { rssMb: l.rssMb }));
    }
  } else if (results.latencyFailure) {
    rows.push({ metric: p50, ours: 'FAILED', baseline: results.latencyFailure, ratio: '' });
  }
  const p = results.pipelined;
  const metric = `multicast replies:'all', ${results.options.outstanding} outstanding: calls/s (3 members)`;
  if (p) {
    const n = results.nest?.pipelined;
    rows.push(
      row(
        metric,
        p.callsPerSec,
        fmt(p.callsPerSec),
        n?.callsPerSec ?? NaN,
        n ? `Nest TCP send(), ${n.outstanding} outstanding: ${fmt(n.callsPerSec)} calls/s` : 'Nest TCP send() not measured',
        { rssMb: p.rssMb },
      ),
    );
  } else if (results.pipelinedFailure) {
    rows.push({ metric, ours: 'FAILED', baseline: results.pipelinedFailure, ratio: '' });
  }
  return rows;
}

/** Through @cohort/nestjs, against the core's figure of the same run (target: at least half). */
function nestjsRows(results: AllResults): Row[] {
  const n = results.nestjs;
  if (!n) return [];
  const rows: Row[] = [];
  const target: Target = { op: '>=', value: AIMS.nestjsRatio };
  const coreFifo = findRun({ wire: 'tcp', ...results }, 'fifo', 1);
  const coreValue = coreFifo ? slowestPerSec(coreFifo) : NaN;
  const coreCell = coreFifo
    ? `core multicast() fifo, 1 sender: ${isFailed(coreFifo) ? 'FAILED ' : ''}${fmt(coreValue)}/s`
    : 'core fifo, 1 sender: not measured';
  for (const [what, t] of [
    ['GroupClient.emit()', n.emit],
    ['@Multicast() method', n.multicast],
  ] as const) {
    const metric = `@cohort/nestjs ${what}, fifo, 1 sender: deliveries/s per receiver (slowest of 3)`;
    if (t) rows.push(row(metric, slowestPerSec(t), throughputCell(t), coreValue, coreCell, { target, rssMb: rssOf(t) }));
  }
  if (n.pipelined) {
    const core = results.pipelined;
    rows.push(
      row(
        `@cohort/nestjs GroupClient.send(), ${n.pipelined.outstanding} outstanding: calls/s`,
        n.pipelined.callsPerSec,
        fmt(n.pipelined.callsPerSec),
        core?.callsPerSec ?? NaN,
        core ? `core replies:'all', ${core.outstanding} outstanding: ${fmt(core.callsPerSec)} calls/s` : 'core: not measured',
        { target, rssMb: n.pipelined.rssMb },
      ),
    );
  }
  if (n.latency) {
    const core = results.latency;
    // A latency: the same target the other way round (at most twice the core's).
    rows.push(
      row(
        `@cohort/nestjs GroupClient.send() p50 µs, one at a time [lower is better]`,
        n.latency.p50Us,
        fmt(n.latency.p50Us, 1),
        core?.p50Us ?? NaN,
        core ? `core replies:'all' p50: ${fmt(core.p50Us, 1)} µs` : 'core: not measured',
        { target: { op: '<=', value: 1 / AIMS.nestjsRatio }, rssMb: n.latency.rssMb },
      ),
    );
  }
  for (const failure of n.failures) rows.push({ metric: '@cohort/nestjs', ours: 'FAILED', baseline: failure, ratio: '' });
  return rows;
}

/**
 * The header rows: the encoder's bytes per causal message at 3, 16 and 64 members (every
 * member sending, packs of 16 and 1,024), and the cross-check of the run itself: what member 1
 * put on the wire per message and peer in the causal 1-sender run, beyond payload and topic.
 */
export function headerRows(headers: readonly HeaderBytesResult[] | null, results?: AllResults): Row[] {
  const rows: Row[] = [];
  const aim: Target = { op: '<=', value: 1 };
  for (const h of headers ?? []) {
    if (h.senders !== 'all send' || (h.pack !== 16 && h.pack !== 1024)) continue;
    rows.push(
      row(
        `cbcast header B/message, ${h.members} members all sending, packs of ${fmt(h.pack)} (encoder, in-process)`,
        h.headerBytesPerMessage,
        fmt(h.headerBytesPerMessage, 2),
        HEADER_BYTES_AIM,
        `aim ${HEADER_BYTES_AIM} B (not measured)`,
        { target: aim },
      ),
    );
  }
  const causal = results ? findRun({ wire: 'tcp', ...results }, 'causal', 1) : undefined;
  if (causal && !isFailed(causal)) {
    const perMessage = wireBytesPerMessage(causal);
    rows.push(
      row(
        `causal, 1 sender, 3 members: wire B/message beyond payload+topic (run's counters, all frames)`,
        perMessage,
        fmt(perMessage, 2),
        HEADER_BYTES_AIM,
        `aim ${HEADER_BYTES_AIM} B (not measured)`,
        { target: aim },
      ),
    );
  }
  return rows;
}

/**
 * Member 1's bytes sent in a 1-sender run, per message and receiving peer, beyond the payload
 * and the 1-byte topic: every frame it sent counts (heartbeats, acks, the wire's own framing).
 */
export function wireBytesPerMessage(t: ThroughputResult): number {
  const sender = t.wire[0];
  if (!sender) return NaN;
  const peers = t.receivers.length - 1;
  return sender.bytesSent / (t.options.count * peers) - t.options.size - 1;
}

/** The peak RSS of each group of processes, against the 150 MB target. */
function rssRows(results: AllResults): Row[] {
  const rows: Row[] = [];
  const target: Target = { op: '<=', value: 1 };
  const groups: [string, (number | null)[] | undefined][] = [
    ['Cohort members (tcpWire), peak RSS MB through the run', lastRss(results)],
    ['@cohort/nestjs members, peak RSS MB through the run', results.nestjs ? lastNestjsRss(results.nestjs) : undefined],
    ['Cohort members (natsWire), peak RSS MB through the run', 'skipped' in results.nats ? undefined : lastRss(results.nats.cohort)],
  ];
  for (const [metric, rssMb] of groups) {
    if (!rssMb) continue;
    const peak = maxRss(rssMb);
    rows.push(
      row(
        metric,
        peak,
        fmt(peak, 1),
        RSS_TARGET_MB,
        `target < ${RSS_TARGET_MB} MB (not measured; members run with node ${childNodeFlags().join(' ')})`,
        { target, rssMb },
      ),
    );
  }
  return rows;
}

/** The members' peaks at their last row (the peak is since each process started: the whole run). */
function lastRss(suite: Pick<AllResults, 'throughput' | 'latency' | 'pipelined'>): (number | null)[] | undefined {
  const candidates = [suite.pipelined?.rssMb, suite.latency?.rssMb, ...suite.throughput.map(rssOf).reverse()];
  return candidates.find((r) => r && r.length > 0);
}

function lastNestjsRss(n: NonNullable<AllResults['nestjs']>): (number | null)[] | undefined {
  return [n.pipelined?.rssMb, n.latency?.rssMb, n.multicast ? rssOf(n.multicast) : undefined, n.emit ? rssOf(n.emit) : undefined].find(
    (r) => r && r.length > 0,
  );
}

/** Every row of the summary, in the order printed. */
export function summaryRows(results: AllResults): Row[] {
  return [
    ...asyncRows(results),
    ...callRows(results),
    ...nestjsRows(results),
    ...headerRows(results.headerBytes, results),
    ...rssRows(results),
    ...natsRows(results),
  ];
}

export const SUMMARY_HEADER = [
  'metric',
  'ours',
  'baseline (this run)',
  'ratio ours/baseline',
  'target (ratio)',
  'peak RSS MB (each process)',
];

/** The summary table (markdown). */
export function summaryTable(results: AllResults): string {
  const rows = summaryRows(results).map((r) => [r.metric, r.ours, r.baseline, r.ratio, r.target ?? '', r.rss ?? '']);
  return markdown(rows, SUMMARY_HEADER, [0, 2, 4]);
}

/**
 * The NATS rows: Cohort on natsWire against Cohort on tcpWire and Nest's Transport.NATS, same run
 * (one row saying why, when they were skipped).
 */
export function natsRows(results: AllResults): Row[] {
  const nats = results.nats;
  if (!nats) return [];
  if ('skipped' in nats) {
    // Left out by --only: nothing to say; otherwise say why there are no NATS rows.
    if (results.options?.sections && !results.options.sections.includes('nats')) return [];
    return [{ metric: 'over NATS (natsWire)', ours: 'skipped', baseline: nats.skipped, ratio: '' }];
  }
  const where = `over NATS (${nats.servers.length} server${nats.servers.length > 1 ? 's' : ''})`;
  const rows: Row[] = [];
  const nestEmit = nats.nest.emit?.perSecFromStart ?? NaN;
  for (const t of nats.cohort.throughput) {
    const value = slowestPerSec(t);
    const onTcp = findRun({ wire: 'tcp', ...results }, t.options.order, t.options.senders);
    if (onTcp) {
      const tcpValue = slowestPerSec(onTcp);
      rows.push(
        row(
          `${where} ${runName(t)}`,
          value,
          throughputCell(t),
          tcpValue,
          `Cohort on tcpWire: ${isFailed(onTcp) ? 'FAILED ' : ''}${fmt(tcpValue)}/s`,
          { rssMb: rssOf(t) },
        ),
      );
    }
    rows.push(
      row(`${where} ${runName(t)}`, value, throughputCell(t), nestEmit, `Nest NATS emit(): ${fmt(nestEmit)}/s`, { rssMb: rssOf(t) }),
    );
  }
  const l = nats.cohort.latency;
  for (const q of ['p50', 'p99'] as const) {
    if (!l) break;
    const key = `${q}Us` as const;
    const metric = `${where} multicast replies:'all' ${q} µs (3 members) [lower is better]`;
    if (results.latency)
      rows.push(
        row(metric, l[key], fmt(l[key], 1), results.latency[key], `Cohort on tcpWire ${q}: ${fmt(results.latency[key], 1)} µs`, {
          rssMb: l.rssMb,
        }),
      );
    const n = nats.nest.latency;
    if (n) rows.push(row(metric, l[key], fmt(l[key], 1), n[key], `Nest NATS send() ${q}: ${fmt(n[key], 1)} µs`, { rssMb: l.rssMb }));
  }
  if (!l && nats.cohort.latencyFailure)
    rows.push({ metric: `${where} multicast replies:'all'`, ours: 'FAILED', baseline: nats.cohort.latencyFailure, ratio: '' });
  return rows;
}

/** Against the published figures (not measured here). */
export function referenceTable(results: AllResults): string {
  const ok = results.throughput.filter((t): t is ThroughputResult => !isFailed(t));
  const fifo1 = ok.find((t) => t.options.order === 'fifo' && t.options.senders === 1);
  const rows: string[][] = [];
  if (fifo1)
    rows.push([
      'fifo, 1 sender: deliveries/s',
      fmt(fifo1.minPerSec),
      `JGroups 2.12 async FIFO ~${fmt(REFERENCE.jgroupsAsyncFifo)}/s`,
      ratio(fifo1.minPerSec, REFERENCE.jgroupsAsyncFifo),
    ]);
  const nest = results.nest;
  if (nest?.emit)
    rows.push([
      'Nest TCP emit() events/s (this run)',
      fmt(nest.emit.perSecFromStart),
      `published ~${fmt(REFERENCE.nestEmit)}/s`,
      ratio(nest.emit.perSecFromStart, REFERENCE.nestEmit),
    ]);
  if (nest?.latency)
    rows.push([
      'Nest TCP send() p50 µs (this run)',
      fmt(nest.latency.p50Us, 1),
      `published ${REFERENCE.nestSendP50Us} µs`,
      ratio(nest.latency.p50Us, REFERENCE.nestSendP50Us),
    ]);
  if (results.raw)
    rows.push([
      'raw TCP fan-out deliveries/s (this run)',
      fmt(results.raw.minPerSec),
      `published ~${fmt(REFERENCE.rawTcp)}/s`,
      ratio(results.raw.minPerSec, REFERENCE.rawTcp),
    ]);
  if (results.latency)
    rows.push([
      `multicast replies:'all' p50 µs`,
      fmt(results.latency.p50Us, 1),
      `aim < ${REFERENCE.aimAllRepliesP50Us} µs`,
      ratio(results.latency.p50Us, REFERENCE.aimAllRepliesP50Us),
    ]);
  if (rows.length === 0) return '(none of its rows ran)';
  return markdown(rows, ['metric', 'measured', 'reference (not measured here)', 'ratio']);
}

/** A markdown table: the `left` columns left-aligned (default: the first, and the third of four), the others right-aligned. */
export function markdown(rows: string[][], header: string[], left: readonly number[] = header.length === 4 ? [0, 2] : [0]): string {
  // At least 3: a separator needs a dash besides the alignment colon.
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const isLeft = (i: number): boolean => left.includes(i);
  const line = (cells: string[]): string =>
    `| ${header.map((_, i) => (isLeft(i) ? (cells[i] ?? '').padEnd(widths[i]!) : (cells[i] ?? '').padStart(widths[i]!))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (isLeft(i) ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}
