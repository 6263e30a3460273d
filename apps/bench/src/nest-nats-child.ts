/**
 * Baseline processes for Nest's own NATS transport (@nestjs/microservices Transport.NATS, on
 * @nats-io/transport-node like natsWire), the counterpart of nest-tcp-child.ts. argv[2] is the
 * role, argv[3] the NATS server ("127.0.0.1:port").
 *
 * server: a Nest microservice on Transport.NATS whose `@EventPattern('e')` handler counts events
 *   and whose `@MessagePattern('r')` handler echoes.
 *   parent -> { cmd: 'prepare', run, expected } { cmd: 'start', run }
 *   child  -> { type: 'ready' } { type: 'prepared', run } { type: 'delivered', run, count, tStart, tFirst, tLast }
 * client: a ClientProxy (ClientProxyFactory, Transport.NATS) that emits events or sends requests
 *   one after another.
 *   parent -> { cmd: 'connect' } { cmd: 'emit', run, count, size, chunk, timeoutMs } { cmd: 'latency', run, calls, warmup, size, timeoutMs }
 *   child  -> { type: 'connected' } { type: 'sent', run, sendMs } { type: 'latency', run, ... }
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, EventPattern, MessagePattern, Payload, Transport, type ClientProxy } from '@nestjs/microservices';
import type { NatsConnection } from '@nats-io/transport-node';
import { lastValueFrom } from 'rxjs';
import { deadline, onCommand, report, type Command } from './lib/child-side.js';
import { summarizeLatencies } from './lib/payload.js';

const role = process.argv[2];
const servers = [process.argv[3] ?? '127.0.0.1:4222'];

function textPayload(size: number, seq: number): string {
  const head = `${seq}:`;
  return head + 'x'.repeat(Math.max(0, size - head.length));
}

const counter = {
  run: -1, expected: 0, count: 0, tStart: 0, tFirst: 0, tLast: 0,
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

@Module({ controllers: [BenchController] })
class BenchModule {}

async function server(): Promise<void> {
  const app = await NestFactory.createMicroservice(BenchModule, { transport: Transport.NATS, options: { servers }, logger: false });
  await app.listen();
  onCommand((command: Command) => {
    if (command.cmd === 'prepare') {
      Object.assign(counter, { run: command.run as number, expected: command.expected as number, count: 0, tStart: 0, tFirst: 0, tLast: 0 });
      report({ type: 'prepared', run: counter.run });
    } else if (command.cmd === 'start') {
      counter.tStart = performance.now();
    } else {
      throw new Error(`unknown command ${command.cmd}`);
    }
  }, () => app.close());
  report({ type: 'ready' });
}

async function client(): Promise<void> {
  let proxy: ClientProxy | null = null;

  /** `count` emit() calls: every `chunk`-th is awaited, then the NATS client is flushed (a round trip to the server). */
  const emit = async (command: Command): Promise<void> => {
    const run = command.run as number;
    const count = command.count as number;
    const size = command.size as number;
    const chunk = command.chunk as number;
    const limit = deadline(command.timeoutMs as number, `emitting ${count} events`);
    const nc = proxy!.unwrap<NatsConnection>();
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const event = proxy!.emit('e', textPayload(size, i));
      if ((i + 1) % chunk === 0 || i === count - 1) {
        await lastValueFrom(event, { defaultValue: undefined });
        await nc.flush();
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

  onCommand(async (command: Command) => {
    switch (command.cmd) {
      case 'connect':
        proxy = ClientProxyFactory.create({ transport: Transport.NATS, options: { servers } });
        await proxy.connect();
        report({ type: 'connected' });
        return;
      case 'emit': return emit(command);
      case 'latency': return latency(command);
      default: throw new Error(`unknown command ${command.cmd}`);
    }
  }, () => proxy?.close());
  report({ type: 'ready' });
}

if (role === 'server') await server();
else if (role === 'client') await client();
else throw new Error(`nest-nats-child: unknown role ${String(role)} (server | client)`);
