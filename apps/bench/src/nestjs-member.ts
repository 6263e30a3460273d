/**
 * One group member as a Nest application (a benchmark child), the way an application uses
 * @cohort/nestjs: `GroupModule.forRoot({ name, wire: tcpWire(...), seeds })`, a microservice
 * whose transport is `GroupServer` on the module's Group, an `@EventPattern('b')` handler and an
 * `@MessagePattern('r')` echo, a provider with a `@Multicast()` method, and the module's
 * member-mode `GroupClient` to publish. Payloads are `size`-character strings through the
 * core's default (JSON) serializer, as an application's would be.
 *
 * The same IPC protocol as cohort-member.ts (fbcast-throughput.ts's CohortGroup drives both):
 *   parent -> { cmd: 'join', group, seeds, suspectMs? } { cmd: 'await-view', size, timeoutMs }
 *             { cmd: 'prepare', run, expected }
 *             { cmd: 'start', run, send, index, size, chunk, timeoutMs, via: 'emit' | 'multicast' }
 *                 publish `send` messages with GroupClient.emit('b', text) or Ledger.record(text) (@Multicast, topic 'm')
 *             { cmd: 'latency', run, calls, warmup, size, timeoutMs }   sequential GroupClient.send('r', text)
 *             { cmd: 'pipelined', run, calls, warmup, outstanding, size, timeoutMs }   GroupClient.send, `outstanding` in flight
 *             { cmd: 'progress' } { cmd: 'stats' } { cmd: 'rss' } { cmd: 'exit' }
 *   child  -> as cohort-member.ts
 */
import 'reflect-metadata';
import { tcpWire, type Group } from '@cohort/core';
import { COHORT_GROUP, GroupClient, GroupModule, GroupServer, Multicast } from '@cohort/nestjs';
import { Controller, Injectable, Module, type DynamicModule, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { sendChunked } from './lib/chunked-send.js';
import { deadline, onCommand, report, type Command } from './lib/child-side.js';
import { DeliveryCounter } from './lib/delivery-counter.js';
import { summarizeLatencies } from './lib/payload.js';
import { pipelined } from './lib/pipeline.js';

const tcp = await tcpWire({ host: '127.0.0.1', port: 0 });
let app: INestMicroservice | null = null;
let group: Group | null = null;
let client: GroupClient | null = null;
let formedViewId: number | null = null;
let run = -1;
const counter = new DeliveryCounter();

/** "sender|seq|run|xxx…", `size` characters (at least the three fields). */
function textPayload(size: number, sender: number, seq: number, runId: number): string {
  const head = `${sender}|${seq}|${runId}|`;
  return head + 'x'.repeat(Math.max(0, size - head.length));
}

function onText(text: string): void {
  const a = text.indexOf('|');
  const b = text.indexOf('|', a + 1);
  const c = text.indexOf('|', b + 1);
  counter.deliver(Number(text.slice(b + 1, c)), Number(text.slice(0, a)), Number(text.slice(a + 1, b)));
}

@Controller()
class BenchController {
  @EventPattern('b')
  onEvent(@Payload() text: string): void {
    onText(text);
  }

  @MessagePattern('r')
  echo(@Payload() text: string): string {
    return text;
  }
}

@Injectable()
class Ledger {
  /** Asynchronous (fifo, no replies): the caller's promise resolves once sent; every member runs the body. */
  @Multicast({ topic: 'm' })
  async record(text: string): Promise<void> {
    onText(text);
  }
}

function appModule(name: string, seeds: string[], suspectMs: number | undefined): DynamicModule {
  @Module({})
  class BenchMemberModule {}
  return {
    module: BenchMemberModule,
    imports: [
      GroupModule.forRoot({ name, wire: tcp, seeds, logger: false, ...(suspectMs ? { timing: { suspectTimeoutMs: suspectMs } } : {}) }),
    ],
    controllers: [BenchController],
    providers: [Ledger],
  };
}

async function join(command: Command): Promise<void> {
  const service = await NestFactory.createMicroservice(
    appModule(command.group as string, command.seeds as string[], command.suspectMs as number | undefined),
    {
      useFactory: (g: Group) => ({ strategy: new GroupServer({ group: g }) }),
      inject: [COHORT_GROUP],
      logger: false,
    },
  );
  await service.listen();
  app = service;
  const g = app.get<Group>(COHORT_GROUP);
  group = g;
  client = app.get(GroupClient);
  const me = g.me;
  g.on('error', (error) => report({ type: 'group-error', message: `group error at ${me}: ${String(error)}` }));
  g.on('excluded', () => report({ type: 'group-error', message: `${me} was excluded from the group (the others suspected it)` }));
  g.on('view', (view) => {
    if (formedViewId !== null && view.id !== formedViewId) {
      report({ type: 'group-error', message: `${me} installed view ${view.id} with ${view.members.length} members during the benchmark` });
    }
  });
  report({ type: 'joined', me, viewSize: g.view.members.length });
}

async function send(command: Command): Promise<void> {
  const count = command.send as number;
  const index = command.index as number;
  const size = command.size as number;
  const ledger = app!.get(Ledger);
  const limit = deadline(command.timeoutMs as number, `sending ${count} messages with ${String(command.via)}`);
  const publish =
    command.via === 'multicast'
      ? (i: number) => ledger.record(textPayload(size, index, i, run))
      : (i: number) => lastValueFrom(client!.emit('b', textPayload(size, index, i, run)), { defaultValue: undefined });
  const { sendMs } = await sendChunked(count, command.chunk as number, publish, { check: () => limit.check() });
  report({ type: 'sent', run, count, sendMs });
}

/** One GroupClient.send('r'): true when every member's echo came back. */
async function call(text: string): Promise<boolean> {
  const replies = await lastValueFrom(client!.send<string[]>('r', text));
  return Array.isArray(replies) && replies.length === group!.view.members.length && replies.every((r) => r === text);
}

async function latency(command: Command): Promise<void> {
  const calls = command.calls as number;
  const warmup = command.warmup as number;
  const size = command.size as number;
  const limit = deadline(command.timeoutMs as number, `${warmup + calls} GroupClient.send round trips`);
  const samples: number[] = [];
  let incomplete = 0;
  const t0 = performance.now();
  for (let i = 0; i < warmup + calls; i++) {
    const start = performance.now();
    if (!(await call(textPayload(size, 0, i, run)))) incomplete++;
    if (i >= warmup) samples.push(performance.now() - start);
    if (i % 256 === 0) limit.check();
  }
  report({
    type: 'latency',
    run,
    ...summarizeLatencies(samples, performance.now() - t0),
    incomplete,
    expectedReplies: group!.view.members.length,
  });
}

async function pipelinedCalls(command: Command): Promise<void> {
  const size = command.size as number;
  const limit = deadline(
    command.timeoutMs as number,
    `${String(command.calls)} GroupClient.send, ${String(command.outstanding)} outstanding`,
  );
  const summary = await pipelined(
    command.calls as number,
    command.warmup as number,
    command.outstanding as number,
    (i) => call(textPayload(size, 0, i, run)),
    () => limit.check(),
  );
  report({ type: 'pipelined', run, ...summary, expectedReplies: group!.view.members.length });
}

async function awaitView(size: number, timeoutMs: number): Promise<void> {
  const limit = deadline(timeoutMs, `a view of ${size} members`);
  while (group!.view.members.length !== size) {
    limit.check();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  formedViewId = group!.view.id;
  report({ type: 'view-ok', size, viewId: formedViewId });
}

onCommand(
  async (command) => {
    switch (command.cmd) {
      case 'join':
        return join(command);
      case 'await-view':
        return awaitView(command.size as number, command.timeoutMs as number);
      case 'prepare':
        run = command.run as number;
        return counter.prepare(run, command.expected as number);
      case 'start':
        if (command.run !== run) throw new Error(`start of run ${String(command.run)} but prepared ${run}`);
        counter.start();
        if ((command.send as number) > 0) await send(command);
        return;
      case 'latency':
        run = command.run as number;
        return latency(command);
      case 'pipelined':
        run = command.run as number;
        return pipelinedCalls(command);
      case 'progress':
        return counter.progress();
      case 'stats':
        report({ type: 'stats', wire: { ...tcp.stats }, group: group?.stats ?? null, held: group?.heldMessages ?? 0 });
        return;
      default:
        throw new Error(`unknown command ${command.cmd}`);
    }
  },
  async () => {
    // Leave quietly if that is quick (app.close() leaves the group); the parent kills us otherwise.
    await Promise.race([app?.close(), new Promise((resolve) => setTimeout(resolve, 500))]);
    await tcp.close();
  },
);

report({ type: 'ready', address: tcp.address });
