/**
 * The processes of the Nest baselines (benchmark children), on Nest's own TCP transport or its
 * NATS transport (Transport.NATS, on @nats-io/transport-node like natsWire). argv[2] is the
 * transport (tcp | nats), argv[3] the role, argv[4] the NATS server ("127.0.0.1:port", nats only).
 *
 * server: a Nest microservice whose `@EventPattern('e')` handler counts events and whose
 *   `@MessagePattern('r')` handler echoes (tcp: on 127.0.0.1, a free port, reported in 'ready').
 *   parent -> { cmd: 'prepare', run, expected } { cmd: 'start', run }
 *   child  -> { type: 'ready', port? } { type: 'prepared', run } { type: 'delivered', run, count, tStart, tFirst, tLast }
 * client: a ClientProxy (ClientProxyFactory) that emits events or sends requests one after another.
 *   parent -> { cmd: 'connect', port? } { cmd: 'emit', run, count, size, chunk, objectPattern, timeoutMs }
 *             { cmd: 'latency', run, calls, warmup, size, timeoutMs }
 *             { cmd: 'pipelined', run, calls, warmup, outstanding, size, timeoutMs }  send(), `outstanding` in flight
 *   child  -> { type: 'connected' } { type: 'sent', run, sendMs } { type: 'latency', run, ... }
 *             { type: 'pipelined', run, callsPerSec, ... }
 */
import 'reflect-metadata';
import type { Server, Socket } from 'node:net';
import { Controller, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientProxyFactory,
  EventPattern,
  MessagePattern,
  Payload,
  Transport,
  type ClientProxy,
  type ClientOptions,
} from '@nestjs/microservices';
import type { NatsConnection } from '@nats-io/transport-node';
import { lastValueFrom } from 'rxjs';
import { deadline, onCommand, report, type Command } from './lib/child-side.js';
import { summarizeLatencies } from './lib/payload.js';
import { pipelined } from './lib/pipeline.js';

const [transport, role, natsUrl] = process.argv.slice(2);
if (transport !== 'tcp' && transport !== 'nats') throw new Error(`nest-child: unknown transport ${String(transport)} (tcp | nats)`);
if (transport === 'nats' && !natsUrl) throw new Error('nest-child: nats needs the server ("127.0.0.1:port") as argv[4]');

/** A `size`-character string (the event payload; JSON-encoded by Nest's serializer). */
function textPayload(size: number, seq: number): string {
  const head = `${seq}:`;
  return head + 'x'.repeat(Math.max(0, size - head.length));
}

const counter = {
  run: -1,
  expected: 0,
  count: 0,
  tStart: 0,
  tFirst: 0,
  tLast: 0,
  onEvent(): void {
    if (this.count === 0) this.tFirst = performance.now();
    if (++this.count === this.expected) {
      this.tLast = performance.now();
      report({ type: 'delivered', run: this.run, count: this.count, tStart: this.tStart, tFirst: this.tFirst, tLast: this.tLast });
    }
  },
};

@Controller()
class BenchController {
  @EventPattern('e')
  onEvent(@Payload() _data: string): void {
    counter.onEvent();
  }

  @MessagePattern('r')
  echo(@Payload() data: string): string {
    return data;
  }
}

/**
 * The same event with an object pattern (TCP only: `--object-pattern`): Nest's TCP server
 * JSON.parse()s every incoming pattern, and a plain string like 'e' is no JSON, so each
 * string-pattern event costs a thrown and caught SyntaxError (server.js getRouteFromPattern).
 */
@Controller()
class ObjectPatternController {
  @EventPattern({ cmd: 'e' })
  onObjectEvent(@Payload() _data: string): void {
    counter.onEvent();
  }
}

const controllers: Type[] = transport === 'tcp' ? [BenchController, ObjectPatternController] : [BenchController];

@Module({ controllers })
class BenchModule {}

async function server(): Promise<void> {
  const app = await NestFactory.createMicroservice(
    BenchModule,
    transport === 'tcp'
      ? { transport: Transport.TCP, options: { host: '127.0.0.1', port: 0 }, logger: false }
      : { transport: Transport.NATS, options: { servers: [natsUrl!] }, logger: false },
  );
  await app.listen();
  let port: number | undefined;
  if (transport === 'tcp') {
    const address = app.unwrap<Server>().address();
    port = typeof address === 'object' && address ? address.port : 0;
  }
  onCommand(
    (command: Command) => {
      if (command.cmd === 'prepare') {
        Object.assign(counter, {
          run: command.run as number,
          expected: command.expected as number,
          count: 0,
          tStart: 0,
          tFirst: 0,
          tLast: 0,
        });
        report({ type: 'prepared', run: counter.run });
      } else if (command.cmd === 'start') {
        counter.tStart = performance.now();
      } else {
        throw new Error(`unknown command ${command.cmd}`);
      }
    },
    () => app.close(),
  );
  report({ type: 'ready', port });
}

async function client(): Promise<void> {
  let proxy: ClientProxy | null = null;

  /**
   * What the client does after every `chunk`-th event, emit() itself having no flow control:
   * TCP lets the socket drain when its buffer is full; NATS flushes (a round trip to the server).
   */
  const settle = async (): Promise<void> => {
    if (transport === 'tcp') {
      const socket = proxy!.unwrap<Socket>();
      if (socket.writableNeedDrain) await new Promise((resolve) => socket.once('drain', resolve));
    } else {
      await proxy!.unwrap<NatsConnection>().flush();
    }
  };

  /** `count` emit() calls, not awaited one by one: every `chunk`-th event is awaited, then settle(). */
  const emit = async (command: Command): Promise<void> => {
    const run = command.run as number;
    const count = command.count as number;
    const size = command.size as number;
    const chunk = command.chunk as number;
    const pattern = command.objectPattern ? { cmd: 'e' } : 'e';
    const limit = deadline(command.timeoutMs as number, `emitting ${count} events`);
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const event = proxy!.emit(pattern, textPayload(size, i));
      if ((i + 1) % chunk === 0 || i === count - 1) {
        await lastValueFrom(event, { defaultValue: undefined });
        await settle();
        limit.check();
      }
    }
    report({ type: 'sent', run, sendMs: performance.now() - t0 });
  };

  const latency = async (command: Command): Promise<void> => {
    const run = command.run as number;
    const calls = command.calls as number;
    const warmup = command.warmup as number;
    const size = command.size as number;
    const limit = deadline(command.timeoutMs as number, `${calls + warmup} request/reply round trips`);
    const samples: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < warmup + calls; i++) {
      const payload = textPayload(size, i);
      const start = performance.now();
      const reply = await lastValueFrom(proxy!.send<string, string>('r', payload));
      const end = performance.now();
      if (reply !== payload) throw new Error(`send('r') returned ${JSON.stringify(reply)}, not the echo`);
      if (i >= warmup) samples.push(end - start);
      if (i % 256 === 0) limit.check();
    }
    report({ type: 'latency', run, ...summarizeLatencies(samples, performance.now() - t0), incomplete: 0 });
  };

  /** send('r') with `outstanding` requests in flight (Nest's TCP client tells the replies apart by id): calls/s. */
  const pipelinedCalls = async (command: Command): Promise<void> => {
    const limit = deadline(command.timeoutMs as number, `${String(command.calls)} requests, ${String(command.outstanding)} outstanding`);
    const size = command.size as number;
    const summary = await pipelined(
      command.calls as number,
      command.warmup as number,
      command.outstanding as number,
      async (i) => {
        const payload = textPayload(size, i);
        return (await lastValueFrom(proxy!.send<string, string>('r', payload))) === payload;
      },
      () => limit.check(),
    );
    report({ type: 'pipelined', run: command.run as number, ...summary });
  };

  const clientOptions = (command: Command): ClientOptions =>
    transport === 'tcp'
      ? { transport: Transport.TCP, options: { host: '127.0.0.1', port: command.port as number } }
      : { transport: Transport.NATS, options: { servers: [natsUrl!] } };

  onCommand(
    async (command: Command) => {
      switch (command.cmd) {
        case 'connect':
          proxy = ClientProxyFactory.create(clientOptions(command));
          await proxy.connect();
          report({ type: 'connected' });
          return;
        case 'emit':
          return emit(command);
        case 'latency':
          return latency(command);
        case 'pipelined':
          return pipelinedCalls(command);
        default:
          throw new Error(`unknown command ${command.cmd}`);
      }
    },
    () => proxy?.close(),
  );
  report({ type: 'ready' });
}

if (role === 'server') await server();
else if (role === 'client') await client();
else throw new Error(`nest-child: unknown role ${String(role)} (server | client)`);
