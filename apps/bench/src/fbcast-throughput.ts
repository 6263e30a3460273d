/**
 * Asynchronous multicast throughput of a Cohort group of 3 processes on loopback, over the
 * TCP wire: 200,000 asynchronous 64-byte fbcasts (by default), deliveries/s at each receiver.
 *
 *   npx tsx apps/bench/src/fbcast-throughput.ts [--count 200000] [--senders 1|3]
 *       [--order fifo|causal|total] [--size 64] [--warmup 20000] [--chunk 1024] [--quick] [--json]
 *
 * Each member is a child process (tsx, IPC for control) with its own tcpWire on 127.0.0.1.
 * Member 1 forms the group, members 2 and 3 join it. With one sender, member 1 multicasts
 * everything; with three, each sends a third. Every member (the senders too) delivers every
 * message and reports: deliveries/s from its first to its last delivery, and from the start
 * signal to its last delivery. A warm-up run (not reported) lets the JIT settle first.
 */
import { Args, fmt, isMain, machine } from './lib/args.js';
import { Child, childNodeFlags, childReport, stopAll, withTimeout, type Message } from './lib/children.js';
import type { LatencySummary } from './lib/payload.js';
import type { PipelinedSummary } from './lib/pipeline.js';
import { describeRss, peakRss } from './lib/rss.js';

export type Order = 'fifo' | 'causal' | 'total';

export interface ThroughputOptions {
  /** Messages multicast in all (split among the senders). */
  count: number;
  senders: 1 | 3;
  order: Order;
  /** Payload bytes (at least 9: the benchmark's own header). */
  size: number;
  /** A sender awaits every chunk-th multicast() (the others are not awaited). */
  chunk: number;
  /** ... and yields a turn (setImmediate) every `yieldEvery` chunks (0: never). */
  yieldEvery: number;
  timeoutMs: number;
  /**
   * Members that are Nest applications (nestjs-member.ts): how the sender publishes,
   * `GroupClient.emit()` or a `@Multicast()` method. Absent: the core's `group.multicast()`.
   */
  via?: 'emit' | 'multicast';
}

export interface ReceiverResult {
  member: number;
  delivered: number;
  expected: number;
  /** count / (last delivery - first delivery). */
  perSecFirstToLast: number;
  /** count / (last delivery - start signal). */
  perSecFromStart: number;
  elapsedMs: number;
  fifoViolations: number;
  orderHash: number;
}

export interface WireDelta {
  member: number;
  framesSent: number;
  framesReceived: number;
  writes: number;
  bytesSent: number;
  bytesReceived: number;
  framesDropped: number;
}

export interface ThroughputResult {
  options: ThroughputOptions;
  receivers: ReceiverResult[];
  /** The slowest receiver's rate (the group's throughput) and the mean over receivers. */
  minPerSec: number;
  meanPerSec: number;
  /** Total order (or a single sender): did every member deliver in the same sequence? */
  sameSequence: boolean;
  sendMs: number[];
  wire: WireDelta[];
  /** Each member's peak resident set size since it started, read at the end of the run (MB). */
  rssMb: (number | null)[];
}

const DEFAULT_TIMEOUT_MS = 120_000;

export interface LatencyResult extends LatencySummary {
  /** Calls that did not get every member's reply. */
  incomplete: number;
  /** Per member, frames sent and socket writes per call (warm-up included). */
  perCall: { member: number; framesSent: number; writes: number }[];
  rssMb: (number | null)[];
}

/** `calls` multicast(replies: 'all') from member 1 with `outstanding` of them in flight at once. */
export interface PipelinedResult extends PipelinedSummary {
  rssMb: (number | null)[];
}

/** Group options the benchmark may change (defaults: the library's). */
export interface GroupSetup {
  /** windowMessagesMax (default 8192). */
  window?: number;
  /** timing.suspectTimeoutMs (default 600): how long a silent member goes unsuspected. */
  suspectMs?: number;
  /**
   * Run the members on natsWire instead of tcpWire: the NATS servers of each member (member i
   * connects to nats[i % nats.length] first). See nats.ts (npm run bench:nats).
   */
  nats?: readonly string[];
  /** The members' script (default cohort-member.ts; nestjs-member.ts: Nest applications with GroupModule). */
  script?: string;
}

/** A run that could not complete (a member was excluded, ...), with what each member had delivered. */
export class RunFailedError extends Error {
  constructor(
    message: string,
    readonly options: ThroughputOptions,
    readonly progress: { member: number; delivered: number; expected: number; perSecFromStart: number }[],
  ) {
    super(message);
  }
}

/** A running group of Cohort members, each in a child process. */
export class CohortGroup {
  private run = 0;
  /** Set once a member reported a group error (exclusion, view change, slow consumer): the group is unusable. */
  broken: string | null = null;
  private onBroken: ((reason: string) => void) | null = null;

  private constructor(readonly members: Child[]) {
    for (const member of members) {
      member.on('group-error', (m) => {
        const reason = String(m.message);
        this.broken ??= reason;
        this.onBroken?.(reason);
      });
    }
  }

  /** Forks `size` members; the first forms group `name`, the others join it; waits for the full view. */
  static async start(size = 3, options: GroupSetup & { timeoutMs?: number } = {}): Promise<CohortGroup> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const nats = options.nats;
    const script = options.script ?? 'cohort-member.ts';
    const label = script === 'cohort-member.ts' ? 'cohort member' : script.replace(/\.ts$/, '');
    const members = Array.from(
      { length: size },
      (_, i) =>
        new Child(
          `${label} ${i + 1}`,
          script,
          nats && nats.length > 0 ? ['--nats', [...nats.slice(i % nats.length), ...nats.slice(0, i % nats.length)].join(',')] : [],
        ),
    );
    const group = new CohortGroup(members);
    try {
      const addresses = (await Promise.all(members.map((m) => m.next('ready', timeoutMs)))).map((r) => r.address as string);
      const name = 'bench';
      const { window, suspectMs } = options;
      members[0]!.send({ cmd: 'join', group: name, seeds: [], window, suspectMs });
      await members[0]!.next('joined', timeoutMs);
      for (const member of members.slice(1)) {
        member.send({ cmd: 'join', group: name, seeds: [addresses[0]], window, suspectMs });
        await member.next('joined', timeoutMs);
      }
      for (const member of members) member.send({ cmd: 'await-view', size, timeoutMs });
      await Promise.all(members.map((m) => m.next('view-ok', timeoutMs + 1000)));
      return group;
    } catch (error) {
      await group.stop();
      throw error;
    }
  }

  async wireStats(): Promise<Record<string, number>[]> {
    for (const member of this.members) member.send({ cmd: 'stats' });
    const replies = await Promise.all(this.members.map((m) => m.next('stats', 10_000)));
    return replies.map((r) => r.wire as Record<string, number>);
  }

  /** One throughput run: every member delivers `count` messages; returns each receiver's rates. */
  async throughput(options: ThroughputOptions): Promise<ThroughputResult> {
    const run = ++this.run;
    const { count, senders, timeoutMs } = options;
    const members = this.members;
    if (this.broken) throw new RunFailedError(`the group is broken: ${this.broken}`, options, []);
    for (const member of members) member.send({ cmd: 'prepare', run, expected: count });
    await Promise.all(members.map((m) => m.next('prepared', 10_000, (r) => r.run === run)));
    const before = await this.wireStats();
    const shares = members.map((_, i) => (i < senders ? Math.floor(count / senders) + (i < count % senders ? 1 : 0) : 0));
    const delivered = members.map((m) => m.next('delivered', timeoutMs, (r) => r.run === run));
    const sent = members.filter((_, i) => shares[i]! > 0).map((m) => m.next('sent', timeoutMs, (r) => r.run === run));
    members.forEach((member, i) =>
      member.send({
        cmd: 'start',
        run,
        send: shares[i],
        index: i,
        order: options.order,
        size: options.size,
        chunk: options.chunk,
        yieldEvery: options.yieldEvery,
        timeoutMs,
        ...(options.via ? { via: options.via } : {}),
      }),
    );
    let reports: Message[];
    let sends: Message[];
    try {
      const broken = new Promise<never>((_, reject) => {
        this.onBroken = (reason) => reject(new Error(reason));
        if (this.broken) reject(new Error(this.broken));
      });
      [reports, sends] = await withTimeout(
        Promise.race([Promise.all([Promise.all(delivered), Promise.all(sent)]), broken]),
        timeoutMs + 1000,
        `run ${run}: ${count} ${options.order} multicasts were not all delivered`,
      );
    } catch (error) {
      delivered.forEach((p) => p.catch(() => undefined));
      sent.forEach((p) => p.catch(() => undefined));
      throw new RunFailedError(
        `${options.order}, ${senders} sender(s), ${count} messages: ${(error as Error).message}`,
        options,
        await this.progress(),
      );
    } finally {
      this.onBroken = null;
    }
    const after = await this.wireStats();
    const receivers = reports.map((r, i): ReceiverResult => {
      const tStart = r.tStart as number;
      const tFirst = r.tFirst as number;
      const tLast = r.tLast as number;
      const n = r.count as number;
      return {
        member: i + 1,
        delivered: n,
        expected: count,
        perSecFirstToLast: n / Math.max(1e-3, (tLast - tFirst) / 1000),
        perSecFromStart: n / Math.max(1e-3, (tLast - tStart) / 1000),
        elapsedMs: tLast - tStart,
        fifoViolations: r.fifoViolations as number,
        orderHash: r.orderHash as number,
      };
    });
    const rates = receivers.map((r) => r.perSecFromStart);
    const wire = after.map((a, i): WireDelta => {
      const b = before[i]!;
      const d = (k: string): number => (a[k] ?? 0) - (b[k] ?? 0);
      return {
        member: i + 1,
        framesSent: d('framesSent'),
        framesReceived: d('framesReceived'),
        writes: d('writes'),
        bytesSent: d('bytesSent'),
        bytesReceived: d('bytesReceived'),
        framesDropped: d('framesDropped'),
      };
    });
    return {
      options,
      receivers,
      minPerSec: Math.min(...rates),
      meanPerSec: rates.reduce((s, v) => s + v, 0) / rates.length,
      sameSequence: receivers.every((r) => r.orderHash === receivers[0]!.orderHash),
      sendMs: sends.map((s) => s.sendMs as number),
      wire,
      rssMb: await this.rss(),
    };
  }

  /** Each member's peak resident set size since it started (MB). */
  rss(): Promise<(number | null)[]> {
    return peakRss(this.members);
  }

  /** What each member delivered so far in the current run (best effort: members that do not answer are left out). */
  async progress(): Promise<RunFailedError['progress']> {
    for (const member of this.members) member.send({ cmd: 'progress' });
    const replies = await Promise.all(this.members.map((m) => m.next('progress', 3000).catch(() => null)));
    return replies.flatMap((r, i) => {
      if (!r) return [];
      const delivered = r.delivered as number;
      const elapsed = ((r.now as number) - (r.tStart as number)) / 1000;
      return [{ member: i + 1, delivered, expected: r.expected as number, perSecFromStart: elapsed > 0 ? delivered / elapsed : 0 }];
    });
  }

  /** `calls` sequential multicast(..., { replies: 'all' }) from member 1, after `warmup` unmeasured ones. */
  async latency(calls: number, warmup: number, size: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<LatencyResult> {
    const run = ++this.run;
    const caller = this.members[0]!;
    if (this.broken) throw new Error(`the group is broken: ${this.broken}`);
    const before = await this.wireStats();
    caller.send({ cmd: 'latency', run, calls, warmup, size, timeoutMs });
    const reply = caller.next('latency', timeoutMs + 1000, (r) => r.run === run);
    try {
      const broken = new Promise<never>((_, reject) => {
        this.onBroken = (reason) => reject(new Error(`latency run: ${reason}`));
        if (this.broken) reject(new Error(`latency run: ${this.broken}`));
      });
      const result = (await Promise.race([reply, broken])) as unknown as LatencySummary & { incomplete: number };
      const after = await this.wireStats();
      const n = calls + warmup;
      const perCall = after.map((a, i) => ({
        member: i + 1,
        framesSent: ((a.framesSent ?? 0) - (before[i]!.framesSent ?? 0)) / n,
        writes: ((a.writes ?? 0) - (before[i]!.writes ?? 0)) / n,
      }));
      return { ...result, perCall, rssMb: await this.rss() };
    } finally {
      reply.catch(() => undefined);
      this.onBroken = null;
    }
  }

  /** `calls` multicast(..., { replies: 'all' }) from member 1, `outstanding` in flight, after `warmup` unmeasured ones. */
  async pipelined(
    calls: number,
    warmup: number,
    outstanding: number,
    size: number,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<PipelinedResult> {
    const run = ++this.run;
    const caller = this.members[0]!;
    if (this.broken) throw new Error(`the group is broken: ${this.broken}`);
    caller.send({ cmd: 'pipelined', run, calls, warmup, outstanding, size, timeoutMs });
    const reply = caller.next('pipelined', timeoutMs + 1000, (r) => r.run === run);
    try {
      const broken = new Promise<never>((_, reject) => {
        this.onBroken = (reason) => reject(new Error(`pipelined calls: ${reason}`));
        if (this.broken) reject(new Error(`pipelined calls: ${this.broken}`));
      });
      const result = (await Promise.race([reply, broken])) as unknown as PipelinedSummary;
      return { ...result, rssMb: await this.rss() };
    } finally {
      reply.catch(() => undefined);
      this.onBroken = null;
    }
  }

  async stop(): Promise<void> {
    await stopAll(this.members);
  }
}

export interface FbcastBenchOptions {
  count: number;
  senders: 1 | 3;
  order: Order;
  size: number;
  warmup: number;
  chunk: number;
  yieldEvery: number;
  window?: number;
  suspectMs?: number;
  timeoutMs: number;
}

export const DEFAULT_FBCAST: FbcastBenchOptions = {
  count: 200_000,
  senders: 1,
  order: 'fifo',
  size: 64,
  warmup: 20_000,
  chunk: 1024,
  yieldEvery: 0,
  timeoutMs: DEFAULT_TIMEOUT_MS,
};

/** The whole benchmark: start a group of 3, warm up, one measured run, stop every child. */
export async function runFbcast(
  options: FbcastBenchOptions,
): Promise<{ result: ThroughputResult; children: ReturnType<typeof childReport> }> {
  const group = await CohortGroup.start(3, { window: options.window, suspectMs: options.suspectMs });
  try {
    const run = (count: number): Promise<ThroughputResult> =>
      group.throughput({
        count,
        senders: options.senders,
        order: options.order,
        size: options.size,
        chunk: options.chunk,
        yieldEvery: options.yieldEvery,
        timeoutMs: options.timeoutMs,
      });
    if (options.warmup > 0) await run(options.warmup);
    const result = await run(options.count);
    await group.stop();
    return { result, children: childReport() };
  } finally {
    await group.stop();
  }
}

/** The run in lines; `wire` names the members' wire ('natsWire': the writes counted are NATS publishes). */
export function describeThroughput(result: ThroughputResult, wire = 'TCP wire'): string {
  const { options } = result;
  const lines: string[] = [];
  lines.push(
    `${fmt(options.count)} asynchronous ${options.size}-byte ${options.order} multicasts, ` +
      `${options.senders} sender${options.senders > 1 ? 's' : ''}, 3 members on 127.0.0.1 (${wire})` +
      (options.via ? `, published with ${options.via === 'emit' ? 'GroupClient.emit()' : 'a @Multicast() method'}` : ''),
  );
  for (const r of result.receivers) {
    const role = r.member <= options.senders ? 'sender+receiver' : 'receiver';
    lines.push(
      `  member ${r.member} (${role}): ${fmt(r.delivered)}/${fmt(r.expected)} delivered in ${fmt(r.elapsedMs, 1)} ms: ` +
        `${fmt(r.perSecFromStart)} deliveries/s from the start signal, ${fmt(r.perSecFirstToLast)}/s first to last` +
        (r.fifoViolations ? `, ${r.fifoViolations} FIFO VIOLATIONS` : ''),
    );
  }
  lines.push(
    `  slowest receiver ${fmt(result.minPerSec)}/s, mean ${fmt(result.meanPerSec)}/s; ` +
      `send loop ${result.sendMs.map((ms) => `${fmt(ms, 1)} ms`).join(', ')}; ` +
      `same delivery sequence at every member: ${result.sameSequence ? 'yes' : 'no'}`,
  );
  for (const w of result.wire) {
    lines.push(
      `  member ${w.member} wire: ${fmt(w.framesSent)} frames sent in ${fmt(w.writes)} writes ` +
        `(${fmt(w.bytesSent / 1e6, 1)} MB), ${fmt(w.framesReceived)} frames received (${fmt(w.bytesReceived / 1e6, 1)} MB)` +
        (w.framesDropped ? `, ${w.framesDropped} dropped` : ''),
    );
  }
  if (result.rssMb) lines.push(`  peak RSS since start, per member: ${describeRss(result.rssMb)} (node ${childNodeFlags().join(' ')})`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = new Args(process.argv.slice(2), [
    'count',
    'senders',
    'order',
    'size',
    'warmup',
    'chunk',
    'yield',
    'window',
    'suspect-ms',
    'quick',
    'json',
    'timeout',
  ]);
  const quick = args.flag('quick');
  const senders = args.int('senders', 1, 1, 3);
  if (senders !== 1 && senders !== 3) throw new Error('--senders must be 1 or 3');
  const options: FbcastBenchOptions = {
    count: args.int('count', quick ? 20_000 : DEFAULT_FBCAST.count, 1),
    senders,
    order: args.choice('order', ['fifo', 'causal', 'total'] as const, 'fifo'),
    size: args.int('size', 64, 9, 1 << 20),
    warmup: args.int('warmup', quick ? 0 : DEFAULT_FBCAST.warmup),
    chunk: args.int('chunk', DEFAULT_FBCAST.chunk, 1),
    yieldEvery: args.int('yield', DEFAULT_FBCAST.yieldEvery),
    ...(args.int('window', 0) > 0 ? { window: args.int('window', 0) } : {}),
    ...(args.int('suspect-ms', 0) > 0 ? { suspectMs: args.int('suspect-ms', 0) } : {}),
    timeoutMs: args.int('timeout', DEFAULT_TIMEOUT_MS, 1000),
  };
  let result: ThroughputResult;
  try {
    ({ result } = await runFbcast(options));
  } catch (error) {
    if (error instanceof RunFailedError) {
      console.error(`FAILED: ${error.message}`);
      for (const p of error.progress) {
        console.error(
          `  member ${p.member}: ${fmt(p.delivered)}/${fmt(p.expected)} delivered before the failure (${fmt(p.perSecFromStart)}/s from the start signal)`,
        );
      }
      process.exitCode = 1;
      return;
    }
    throw error;
  }
  const children = childReport();
  if (args.flag('json')) {
    console.log(JSON.stringify({ result, children }));
  } else {
    console.log(`machine: ${machine()}`);
    console.log(describeThroughput(result));
    console.log(`  child processes: ${children.length}, all exited: ${children.every((c) => c.exited) ? 'yes' : 'NO'}`);
  }
  const ok = result.receivers.every((r) => r.delivered === r.expected && r.fifoViolations === 0);
  if (!ok) process.exitCode = 1;
}

if (isMain(import.meta.filename)) {
  main().catch((error: unknown) => {
    console.error(`fbcast-throughput failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
