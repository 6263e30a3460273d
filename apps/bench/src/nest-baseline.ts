/**
 * Baselines: Nest's own transports (@nestjs/microservices), TCP on loopback or NATS through a
 * nats-server. A microservice with an `@EventPattern('e')` handler that counts runs in one
 * process, a `ClientProxy` in another (both: nest-child.ts):
 * - `emit('e', payload)` `count` times (64-character string payloads): events/s at the receiver;
 * - `send('r', payload)` `calls` times in sequence (an echo): round-trip p50/p99 in µs.
 *
 * - `send('r', payload)` `pipelined` times with `outstanding` requests in flight: calls/s.
 *
 *   npx tsx apps/bench/src/nest-baseline.ts [--transport tcp|nats] [--count 200000] [--calls 10000]
 *       [--pipelined 20000] [--outstanding 100] [--size 64] [--chunk 1024] [--object-pattern]
 *
 * With --transport nats and no --nats-url, a nats-server is started on 127.0.0.1 for the run.
 */
import { NatsCluster } from '@cohort/nats/testing';
import { Args, fmt, isMain } from './lib/args.js';
import { Child, stopAll, withTimeout } from './lib/children.js';
import type { LatencySummary } from './lib/payload.js';
import type { PipelinedSummary } from './lib/pipeline.js';
import { describeRss, peakRss } from './lib/rss.js';

export type NestTransport = 'tcp' | 'nats';

export interface NestOptions {
  transport: NestTransport;
  /** The NATS server ("127.0.0.1:port") for transport 'nats'. */
  natsUrl?: string;
  /** Events emitted (0: skip the emit benchmark). */
  count: number;
  /** Sequential request/reply round trips (0: skip). */
  calls: number;
  /** Requests with `outstanding` in flight at once (0: skip): calls/s. */
  pipelinedCalls?: number;
  outstanding?: number;
  warmup: number;
  size: number;
  chunk: number;
  /** Emit to `{ cmd: 'e' }` instead of 'e' (TCP only; see nest-child.ts: string patterns cost an exception each). */
  objectPattern: boolean;
  timeoutMs: number;
}

export interface NestResult {
  options: NestOptions;
  emit: { count: number; perSecFromStart: number; perSecFirstToLast: number; elapsedMs: number; sendMs: number } | null;
  latency: LatencySummary | null;
  /** send() with options.outstanding requests in flight. */
  pipelined?: PipelinedSummary | null;
  /** Peak resident set size of the microservice and the client (MB). */
  rssMb?: (number | null)[];
}

const LABEL: Record<NestTransport, string> = { tcp: 'Nest TCP', nats: 'Nest NATS' };

export async function runNest(options: NestOptions): Promise<NestResult> {
  if (options.transport === 'nats' && !options.natsUrl) throw new Error('runNest: transport nats needs natsUrl');
  const args = (role: string): string[] => [options.transport, role, ...(options.natsUrl ? [options.natsUrl] : [])];
  const label = LABEL[options.transport];
  const server = new Child(`${label} microservice`, 'nest-child.ts', args('server'));
  const client = new Child(`${label} client`, 'nest-child.ts', args('client'));
  try {
    const port = (await server.next('ready', 30_000)).port as number | undefined;
    await client.next('ready', 30_000);
    client.send({ cmd: 'connect', port });
    await client.next('connected', 10_000);
    let emit: NestResult['emit'] = null;
    if (options.count > 0) {
      const run = 1;
      server.send({ cmd: 'prepare', run, expected: options.count });
      await server.next('prepared', 10_000);
      const delivered = server.next('delivered', options.timeoutMs);
      const sent = client.next('sent', options.timeoutMs);
      server.send({ cmd: 'start', run });
      client.send({
        cmd: 'emit',
        run,
        count: options.count,
        size: options.size,
        chunk: options.chunk,
        objectPattern: options.objectPattern,
        timeoutMs: options.timeoutMs,
      });
      const [report, sendReport] = await withTimeout(
        Promise.all([delivered, sent]),
        options.timeoutMs + 1000,
        `${label}: ${options.count} events were not all received`,
      );
      const count = report.count as number;
      const tStart = report.tStart as number;
      const tFirst = report.tFirst as number;
      const tLast = report.tLast as number;
      emit = {
        count,
        perSecFromStart: count / Math.max(1e-3, (tLast - tStart) / 1000),
        perSecFirstToLast: count / Math.max(1e-3, (tLast - tFirst) / 1000),
        elapsedMs: tLast - tStart,
        sendMs: sendReport.sendMs as number,
      };
    }
    let latency: LatencySummary | null = null;
    if (options.calls > 0) {
      client.send({
        cmd: 'latency',
        run: 2,
        calls: options.calls,
        warmup: options.warmup,
        size: options.size,
        timeoutMs: options.timeoutMs,
      });
      latency = (await client.next('latency', options.timeoutMs + 1000)) as unknown as LatencySummary;
    }
    let pipelined: PipelinedSummary | null = null;
    if (options.pipelinedCalls && options.pipelinedCalls > 0) {
      client.send({
        cmd: 'pipelined',
        run: 3,
        calls: options.pipelinedCalls,
        warmup: Math.ceil(options.pipelinedCalls / 10),
        outstanding: options.outstanding ?? 100,
        size: options.size,
        timeoutMs: options.timeoutMs,
      });
      pipelined = (await client.next('pipelined', options.timeoutMs + 1000)) as unknown as PipelinedSummary;
    }
    return { options, emit, latency, pipelined, rssMb: await peakRss([server, client]) };
  } finally {
    await stopAll([server, client]);
  }
}

export function describeNest(result: NestResult): string {
  const where = result.options.transport === 'tcp' ? 'on 127.0.0.1' : `through the nats-server at ${result.options.natsUrl}`;
  const lines = [
    `${LABEL[result.options.transport]} transport (@nestjs/microservices Transport.${result.options.transport.toUpperCase()}), client and microservice in 2 processes ${where}`,
  ];
  if (result.emit) {
    const pattern = result.options.objectPattern ? "{ cmd: 'e' }" : "'e'";
    lines.push(
      `  emit(${pattern}, ${result.options.size}-char string) x ${fmt(result.emit.count)}: ${fmt(result.emit.perSecFromStart)} events/s ` +
        `at the receiver from the start signal (${fmt(result.emit.perSecFirstToLast)}/s first to last; ${fmt(result.emit.elapsedMs, 1)} ms)`,
    );
  }
  if (result.latency) {
    const l = result.latency;
    lines.push(
      `  send('r') echo x ${fmt(l.calls)} sequential: p50 ${fmt(l.p50Us, 1)} µs, p90 ${fmt(l.p90Us, 1)} µs, ` +
        `p99 ${fmt(l.p99Us, 1)} µs, max ${fmt(l.maxUs, 1)} µs, mean ${fmt(l.meanUs, 1)} µs`,
    );
  }
  if (result.pipelined) {
    const p = result.pipelined;
    lines.push(
      `  send('r') echo x ${fmt(p.calls)}, ${p.outstanding} outstanding: ${fmt(p.callsPerSec)} calls/s ` +
        `(${fmt(p.totalMs)} ms; each call p50 ${fmt(p.p50Us, 1)} µs, p99 ${fmt(p.p99Us, 1)} µs)`,
    );
  }
  if (result.rssMb) lines.push(`  peak RSS: microservice / client ${describeRss(result.rssMb)}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = new Args(process.argv.slice(2), [
    'transport',
    'nats-url',
    'count',
    'calls',
    'pipelined',
    'outstanding',
    'warmup',
    'size',
    'chunk',
    'object-pattern',
    'timeout',
    'quick',
  ]);
  const quick = args.flag('quick');
  const transport = args.choice('transport', ['tcp', 'nats'] as const, 'tcp');
  const objectPattern = args.flag('object-pattern');
  if (objectPattern && transport !== 'tcp') throw new Error('--object-pattern is for --transport tcp only');
  let cluster: NatsCluster | null = null;
  let natsUrl = args.string('nats-url');
  if (transport === 'nats' && !natsUrl) {
    cluster = await NatsCluster.start({ size: 1 });
    natsUrl = cluster.urls[0]!;
  }
  try {
    const result = await runNest({
      transport,
      ...(natsUrl ? { natsUrl } : {}),
      count: args.int('count', quick ? 20_000 : 200_000),
      calls: args.int('calls', quick ? 1_000 : 10_000),
      pipelinedCalls: args.int('pipelined', quick ? 2_000 : 20_000),
      outstanding: args.int('outstanding', 100, 1),
      warmup: args.int('warmup', quick ? 100 : 1_000),
      size: args.int('size', 64, 1),
      chunk: args.int('chunk', 1024, 1),
      objectPattern,
      timeoutMs: args.int('timeout', 120_000, 1000),
    });
    console.log(describeNest(result));
  } finally {
    await cluster?.stop();
  }
}

if (isMain(import.meta.filename)) {
  main().catch((error: unknown) => {
    console.error(`nest-baseline failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
