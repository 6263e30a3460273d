import 'reflect-metadata';
import type { Group, Replies } from '@cohort/core';
import { SimulatedNetwork } from '@cohort/core/testing';
import type { AddressInfo } from 'node:net';
import { Controller, Inject, Module, Param, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ClientsModule } from '@nestjs/microservices';
import { NestFactory } from '@nestjs/core';
import { lastValueFrom } from 'rxjs';
import {
  COHORT_GROUP,
  GroupClient,
  GroupModule,
  GroupRecordBuilder,
  GroupReplyError,
  GroupServer,
  type GroupStatus,
} from '../../src/index.js';
import { LedgerController } from '../support/ledger.controller.js';
import { AppTracker, quietLogger, startGroup, startMember } from '../support/member-app.js';

describe('GroupServer and GroupClient between members', () => {
  const tracker = new AppTracker();
  let net: SimulatedNetwork;

  beforeEach(() => {
    net = new SimulatedNetwork({ seed: 7 });
  });
  afterEach(async () => {
    await tracker.closeAll();
    await net.close();
  });

  it('delivers events to @EventPattern handlers in the group order (total here), waiting for each', async () => {
    const members = await startGroup(tracker, net, ['a', 'b', 'c'], { controllers: [LedgerController] });
    const clientB = members[1]!.get(GroupClient);
    const clientC = members[2]!.get(GroupClient);
    for (let i = 0; i < 5; i++) {
      await lastValueFrom(clientB.emit('ledger.add', new GroupRecordBuilder(`b${i}`).setOrder('total').build()), {
        defaultValue: undefined,
      });
      await lastValueFrom(clientC.emit('ledger.add', new GroupRecordBuilder(`c${i}`).setOrder('total').build()), {
        defaultValue: undefined,
      });
    }
    expect(await net.runUntil(() => members.every((m) => m.get(LedgerController).entries.length === 10), { timeoutMs: 10_000 })).toBe(true);
    const first = members[0]!.get(LedgerController).entries;
    for (const m of members) expect(m.get(LedgerController).entries).toEqual(first);
    expect(first.filter((e) => e.startsWith('b'))).toEqual(['b0@3', 'b1@3', 'b2@3', 'b3@3', 'b4@3']);
  });

  it('answers send() in every reply mode', async () => {
    const members = await startGroup(tracker, net, ['a', 'b', 'c'], { controllers: [LedgerController] });
    const client = members[1]!.get(GroupClient);
    const send = <T>(pattern: string, builder: GroupRecordBuilder<unknown>): Promise<T> =>
      lastValueFrom(client.send<T>(pattern, builder.build()));

    // 'all' (send's default): every member's value, in rank order.
    expect(await lastValueFrom(client.send('ledger.size', {}))).toEqual([
      { rank: 0, size: 0 },
      { rank: 1, size: 0 },
      { rank: 2, size: 0 },
    ]);
    // 'first': the one value.
    expect(await send('ledger.size', new GroupRecordBuilder({}).setReplies('first'))).toEqual({ rank: expect.any(Number), size: 0 });
    // 'majority' and k: at least that many values.
    expect((await send<unknown[]>('ledger.size', new GroupRecordBuilder({}).setReplies('majority'))).length).toBeGreaterThanOrEqual(2);
    expect((await send<unknown[]>('ledger.size', new GroupRecordBuilder({}).setReplies(2))).length).toBeGreaterThanOrEqual(2);
    // Scatter-gather: each member's part, concatenated in rank order.
    expect(await send<number[]>('ledger.part', new GroupRecordBuilder(9).setGather('concat'))).toEqual([0, 3, 6, 1, 4, 7, 2, 5, 8]);
    // A function folds the values; 'replies' hands over the core's Replies.
    expect(
      await send<number>(
        'ledger.part',
        new GroupRecordBuilder(9).setGather((parts) => (parts as number[][]).flat().length),
      ),
    ).toBe(9);
    const replies = await send<Replies>('ledger.part', new GroupRecordBuilder(3).setGather('replies').setOrder('total'));
    expect(replies.quorumMet).toBe(true);
    expect(replies.gather()).toEqual([0, 1, 2]);
  });

  it('turns a handler error into GroupReplyError, and a missed quorum too', async () => {
    const members = await startGroup(tracker, net, ['a', 'b', 'c'], { controllers: [LedgerController] });
    const client = members[0]!.get(GroupClient);

    const failed = await lastValueFrom(client.send('ledger.fail', {})).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(GroupReplyError);
    expect((failed as GroupReplyError).code).toBe('REPLY_ERROR');
    expect((failed as GroupReplyError).message).toContain('rank 0 refuses');
    const errorReply = (failed as GroupReplyError).replies.errors[0]!;
    expect(errorReply.error).toEqual(expect.objectContaining({ message: 'rank 0 refuses', code: 'REFUSED' }));
    expect((failed as GroupReplyError).replies.values()).toEqual(['fine', 'fine']);

    // emit() is asynchronous: a quorum there is a mistake, said at once.
    await expect(lastValueFrom(client.emit('ledger.add', new GroupRecordBuilder('x').setReplies('all').build()))).rejects.toThrow(
      /send\(\)/,
    );

    const slow = await lastValueFrom(client.send('ledger.hang', new GroupRecordBuilder({}).setTimeout(1_000).build())).catch(
      (error: unknown) => error,
    );
    expect(slow).toBeInstanceOf(GroupReplyError);
    expect((slow as GroupReplyError).code).toBe('QUORUM_NOT_MET');
    expect((slow as GroupReplyError).replies.slow).toEqual([members[2]!.group.me]);
  });

  it('serves as a member-mode ClientsModule client (registerAsync, inject the Group)', async () => {
    const members = await startGroup(tracker, net, ['a', 'b'], {
      controllers: [LedgerController],
      imports: [
        ClientsModule.registerAsync([
          {
            name: 'LEDGER',
            inject: [COHORT_GROUP],
            useFactory: (group: Group) => ({ customClass: GroupClient, options: { group, defaults: { order: 'total' } } }),
          },
        ]),
      ],
    });
    const client = members[0]!.get<GroupClient>('LEDGER' as never);
    expect(client.unwrap<Group>()).toBe(members[0]!.group);
    await lastValueFrom(client.emit('ledger.add', 'registered'), { defaultValue: undefined });
    expect(await net.runUntil(() => members.every((m) => m.get(LedgerController).entries.length === 1), { timeoutMs: 10_000 })).toBe(true);
    expect(await lastValueFrom(client.send('ledger.size', {}))).toEqual([
      { rank: 0, size: 1 },
      { rank: 1, size: 1 },
    ]);
  });

  it('serves a hybrid application (HTTP + connectMicroservice)', async () => {
    @Controller()
    class AddController {
      constructor(@Inject(GroupClient) private readonly client: GroupClient) {}

      @Post('add/:entry')
      async add(@Param('entry') entry: string): Promise<unknown> {
        await lastValueFrom(this.client.emit('ledger.add', new GroupRecordBuilder(entry).setOrder('total').build()), {
          defaultValue: undefined,
        });
        return lastValueFrom(this.client.send('ledger.size', new GroupRecordBuilder({}).setOrder('total').build()));
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [GroupModule.forRoot({ name: 'g', wire: net.wire('a'), seeds: [] })],
      controllers: [LedgerController, AddController],
    })
      .setLogger(quietLogger)
      .compile();
    const app = moduleRef.createNestApplication({ logger: false });
    tracker.track(() => app.close());
    app.connectMicroservice({ strategy: new GroupServer({ group: app.get(COHORT_GROUP) }) }, { inheritAppConfig: true });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    const b = await startMember(tracker, net, 'b', ['a'], { controllers: [LedgerController] });
    expect(await net.runUntil(() => b.group.view.members.length === 2, { timeoutMs: 10_000 })).toBe(true);
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const response = await fetch(`${url}/add/hybrid`, { method: 'POST' });
    // The size query is totally ordered after the add: both members count it.
    expect(await response.json()).toEqual([
      { rank: 0, size: 1 },
      { rank: 1, size: 1 },
    ]);
    expect(app.get(LedgerController).entries).toEqual(['hybrid@2']);
  });

  it('joins a group of its own when given a wire, with status, on() and unwrap()', async () => {
    @Module({ controllers: [LedgerController] })
    class SoloModule {}
    const server = new GroupServer({ name: 'g', wire: net.wire('a'), seeds: [] });
    const statuses: GroupStatus[] = [];
    server.status.subscribe((status) => statuses.push(status));
    const views: number[] = [];
    server.on('view', (view) => views.push(view.members.length));
    const app = await NestFactory.createMicroservice(SoloModule, { strategy: server, logger: false });
    tracker.track(() => app.close());
    await app.listen();
    const group = server.unwrap<Group>();
    expect(group.view.members).toEqual([group.me]);
    expect(statuses).toEqual(['connected']);

    const b = await startMember(tracker, net, 'b', ['a'], { controllers: [LedgerController] });
    expect(await net.runUntil(() => views.includes(2), { timeoutMs: 10_000 })).toBe(true);
    await lastValueFrom(b.get(GroupClient).emit('ledger.add', 'x'), { defaultValue: undefined });
    expect(await net.runUntil(() => app.get(LedgerController).entries.length === 1, { timeoutMs: 10_000 })).toBe(true);

    await app.close();
    expect(statuses).toEqual(['connected', 'disconnected']);
    // It left: b goes on alone.
    expect(await net.runUntil(() => b.group.view.members.length === 1, { timeoutMs: 10_000 })).toBe(true);
  });

  it("takes the module's Group through async microservice options (useFactory + inject)", async () => {
    @Module({ imports: [GroupModule.forRoot({ name: 'g', wire: net.wire('a'), seeds: [] })], controllers: [LedgerController] })
    class MemberModule {}
    const app = await NestFactory.createMicroservice(MemberModule, {
      useFactory: (group: Group) => ({ strategy: new GroupServer({ group }) }),
      inject: [COHORT_GROUP],
      logger: false,
    });
    app.useLogger(quietLogger);
    tracker.track(() => app.close());
    await app.listen();
    const group = app.get<Group>(COHORT_GROUP);
    await lastValueFrom(app.get(GroupClient).emit('ledger.add', 'solo'), { defaultValue: undefined });
    expect(await net.runUntil(() => app.get(LedgerController).entries.length === 1, { timeoutMs: 10_000 })).toBe(true);
    expect(await lastValueFrom(app.get(GroupClient).send('ledger.size', {}))).toEqual([{ rank: 0, size: 1 }]);
    expect(app.unwrap<Group>()).toBe(group);
  });
});
