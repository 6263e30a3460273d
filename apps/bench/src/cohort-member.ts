/**
 * One Cohort group member in a process of its own (a benchmark child), on the TCP wire on
 * 127.0.0.1, driven by its parent over IPC.
 *
 * parent -> child
 *   { cmd: 'join', group, seeds, window?, suspectMs? }
 *                                                    join (no seeds: form the group)
 *   { cmd: 'await-view', size, timeoutMs }           wait until the view has `size` members
 *   { cmd: 'prepare', run, expected }                reset the counters for run `run`
 *   { cmd: 'start', run, send, index, order, size, chunk, timeoutMs }
 *                                                    start the clock; multicast `send` messages
 *   { cmd: 'latency', run, calls, warmup, size, timeoutMs }
 *                                                    sequential multicast(replies: 'all') round trips
 *   { cmd: 'pipelined', run, calls, warmup, outstanding, size, timeoutMs }
 *                                                    multicast(replies: 'all'), `outstanding` in flight
 *   { cmd: 'progress' }                               deliveries so far in the current run
 *   { cmd: 'stats' }                                  wire and group counters
 *   { cmd: 'exit' }                                   leave and exit
 * child -> parent
 *   { type: 'ready', address } { type: 'joined', me, viewSize } { type: 'view-ok', size }
 *   { type: 'prepared', run } { type: 'delivered', run, ... } { type: 'sent', run, ... }
 *   { type: 'latency', run, ... } { type: 'pipelined', run, callsPerSec, ... } { type: 'progress', ... }
 *   { type: 'stats', wire, group } { type: 'rss', peakBytes, nowBytes } (lib/child-side.ts)
 *   { type: 'group-error', message } (excluded, slow consumer ...: the run is void)
 *   { type: 'error', message } (this process failed)
 */
import { Group } from '../../../packages/core/src/group.js';
import { tcpWire } from '../../../packages/core/src/wire/tcp/index.js';
import type { Wire } from '../../../packages/core/src/wire/wire.js';
import { natsWire } from '../../../packages/nats/src/index.js';
import { deadline, onCommand, report, type Command } from './lib/child-side.js';
import { makePayload, passThrough, payloadRun, payloadSeq, summarizeLatencies } from './lib/payload.js';
import { pipelined } from './lib/pipeline.js';
import { DeliveryCounter } from './lib/delivery-counter.js';
import { sendChunked } from './lib/chunked-send.js';

type Order = 'fifo' | 'causal' | 'total';

// `--nats host:port,...`: natsWire on those servers (the first is where it connects), else tcpWire.
const natsFlag = process.argv.indexOf('--nats');
const natsServers = natsFlag >= 0 ? process.argv[natsFlag + 1]!.split(',') : null;
const nats = natsServers ? await natsWire({ servers: natsServers, noRandomize: true, subjectPrefix: 'bench', group: 'bench' }) : null;
const tcp = nats ? null : await tcpWire({ host: '127.0.0.1', port: 0 });
const wire: Wire & { stats: object } = (nats ?? tcp)!;
/** The wire's counters; over NATS, `writes` counts publishes (one per subject per turn). */
const wireStats = (): Record<string, number | string> => (nats ? { ...nats.stats, writes: nats.stats.publishes } : { ...tcp!.stats });
let group: Group | null = null;
/** The full view the benchmark runs in; any later view change voids the run. */
let formedViewId: number | null = null;

/** The run being measured (also the run id the sent payloads carry). */
let run = -1;
const counter = new DeliveryCounter();

function onDeliver(payload: unknown): void {
  const bytes = payload as Uint8Array;
  counter.deliver(payloadRun(bytes), bytes[0]!, payloadSeq(bytes));
}

/** Issues `count` multicasts, awaiting every `chunk`-th (lib/chunked-send.ts). */
async function send(g: Group, command: Command): Promise<void> {
  const count = command.send as number;
  const index = command.index as number;
  const order = command.order as Order;
  const size = command.size as number;
  const limit = deadline(command.timeoutMs as number, `sending ${count} multicasts`);
  // One options object for the whole run: the benchmark measures the group's allocations, not its own.
  const options = { order };
  const { sendMs } = await sendChunked(count, command.chunk as number, (i) => g.multicast('b', makePayload(size, index, i, run), options), {
    check: () => limit.check(),
    yieldEvery: command.yieldEvery as number,
  });
  report({ type: 'sent', run, count, sendMs });
}

async function latency(g: Group, command: Command): Promise<void> {
  const calls = command.calls as number;
  const warmup = command.warmup as number;
  const size = command.size as number;
  const limit = deadline(command.timeoutMs as number, `${warmup + calls} round trips`);
  const samples: number[] = [];
  let incomplete = 0;
  const t0 = performance.now();
  for (let i = 0; i < warmup + calls; i++) {
    const payload = makePayload(size, 0, i, run);
    const start = performance.now();
    const replies = await g.multicast('r', payload, { replies: 'all', timeoutMs: 5000 });
    const end = performance.now();
    if (!replies.quorumMet || replies.replies.length !== replies.expected.length) incomplete++;
    if (i >= warmup) samples.push(end - start);
    if (i % 256 === 0) limit.check();
  }
  const summary = summarizeLatencies(samples, performance.now() - t0);
  report({ type: 'latency', run, ...summary, incomplete, expectedReplies: g.view.members.length });
}

/** multicast(replies: 'all') with `outstanding` calls in flight: calls/s (issue 12). */
async function pipelinedCalls(g: Group, command: Command): Promise<void> {
  const calls = command.calls as number;
  const warmup = command.warmup as number;
  const size = command.size as number;
  const limit = deadline(command.timeoutMs as number, `${warmup + calls} calls, ${String(command.outstanding)} outstanding`);
  const summary = await pipelined(
    calls,
    warmup,
    command.outstanding as number,
    async (i) => {
      const replies = await g.multicast('r', makePayload(size, 0, i, run), { replies: 'all', timeoutMs: 10_000 });
      return replies.quorumMet && replies.replies.length === replies.expected.length;
    },
    () => limit.check(),
  );
  report({ type: 'pipelined', run, ...summary, expectedReplies: g.view.members.length });
}

async function awaitView(g: Group, size: number, timeoutMs: number): Promise<void> {
  const limit = deadline(timeoutMs, `a view of ${size} members`);
  while (g.view.members.length !== size) {
    limit.check();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  formedViewId = g.view.id;
  report({ type: 'view-ok', size, viewId: g.view.id });
}

onCommand(
  async (command) => {
    switch (command.cmd) {
      case 'join': {
        group = await Group.join(command.group as string, {
          wire,
          seeds: command.seeds as string[],
          serializer: passThrough,
          ...(command.window ? { windowMessagesMax: command.window as number } : {}),
          ...(command.suspectMs ? { timing: { suspectTimeoutMs: command.suspectMs as number } } : {}),
        });
        group.handle('b', onDeliver);
        // The reply is the request itself (an echo, as in the Nest baseline).
        group.handle('r', (payload) => payload);
        const me = group.me;
        // Not fatal for this process (the group rejoins), but the run is void: the parent ends it.
        group.on('error', (error) => report({ type: 'group-error', message: `group error at ${me}: ${String(error)}` }));
        group.on('excluded', () => report({ type: 'group-error', message: `${me} was excluded from the group (the others suspected it)` }));
        group.on('view', (view) => {
          if (formedViewId !== null && view.id !== formedViewId) {
            report({
              type: 'group-error',
              message: `${me} installed view ${view.id} with ${view.members.length} members during the benchmark`,
            });
          }
        });
        report({ type: 'joined', me: group.me, viewSize: group.view.members.length });
        return;
      }
      case 'await-view':
        return awaitView(group!, command.size as number, command.timeoutMs as number);
      case 'prepare':
        run = command.run as number;
        return counter.prepare(run, command.expected as number);
      case 'start': {
        if (command.run !== run) throw new Error(`start of run ${String(command.run)} but prepared ${run}`);
        counter.start();
        if ((command.send as number) > 0) await send(group!, command);
        return;
      }
      case 'latency': {
        run = command.run as number;
        return latency(group!, command);
      }
      case 'pipelined': {
        run = command.run as number;
        return pipelinedCalls(group!, command);
      }
      case 'progress':
        return counter.progress();
      case 'stats':
        report({ type: 'stats', wire: wireStats(), group: group?.stats ?? null, held: group?.heldMessages ?? 0 });
        return;
      default:
        throw new Error(`unknown command ${command.cmd}`);
    }
  },
  async () => {
    // Leave quietly if that is quick; the parent kills us otherwise.
    await Promise.race([group?.leave(), new Promise((resolve) => setTimeout(resolve, 500))]);
    await wire.close();
  },
);

// BENCH_DEBUG=1: every 500 ms, what this member delivered, holds and sent, and its event-loop delay.
if (process.env.BENCH_DEBUG) {
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const t0 = performance.now();
  setInterval(() => {
    const s = wireStats();
    process.stderr.write(
      `[bench ${group?.me ?? wire.address} +${((performance.now() - t0) / 1000).toFixed(1)}s] delivered ${counter.delivered}/${counter.expected} ` +
        `held ${group?.heldMessages ?? 0} frames out ${s.framesSent} in ${s.framesReceived} writes ${s.writes} ` +
        `loop delay max ${(delay.max / 1e6).toFixed(0)} ms p99 ${(delay.percentile(99) / 1e6).toFixed(0)} ms\n`,
    );
    delay.reset();
  }, 500).unref();
}

report({ type: 'ready', address: wire.address });
