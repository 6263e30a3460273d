import 'reflect-metadata';
import { Group } from '@cohort/core';
import { SimulatedNetwork } from '@cohort/core/testing';
import { Controller, Injectable, Module } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { lastValueFrom } from 'rxjs';
import { COHORT_GROUP, GroupClient, GroupModule, GroupServer, OnView, type GroupStatus, type ViewChange } from '../../src/index.js';
import { LedgerController } from '../support/ledger.controller.js';
import { AppTracker, quietLogger, startGroup, startMember } from '../support/member-app.js';

@Injectable()
class Watcher {
  readonly changes: string[] = [];

  @OnView()
  changed(change: ViewChange): void {
    this.changes.push(`${change.kind}:${change.view?.members.length ?? 0}`);
  }
}

/** A handler on a topic the core reserves: the application cannot start with it. */
@Controller()
class ReservedTopicController {
  @MessagePattern('cohort:audit')
  audit(): string {
    return 'never';
  }
}

@Module({ providers: [{ provide: 'ADDRESS', useValue: 'a' }], exports: ['ADDRESS'] })
class AddressModule {}

describe('the member in the application: hold until ready, exclusion, shutdown', () => {
  const tracker = new AppTracker();
  let net: SimulatedNetwork;

  beforeEach(() => {
    net = new SimulatedNetwork({ seed: 5 });
  });
  afterEach(async () => {
    await tracker.closeAll();
    await net.close();
  });

  it('holds deliveries that arrive before the application is ready, then delivers them in order, once', async () => {
    const a = await startMember(tracker, net, 'a', [], { controllers: [LedgerController] });
    // b joins (the module's factory) but its application is not started yet.
    const moduleRef = await Test.createTestingModule({
      imports: [GroupModule.forRoot({ name: 'g', wire: net.wire('b'), seeds: ['a'] })],
      controllers: [LedgerController],
      providers: [Watcher],
    })
      .setLogger(quietLogger)
      .compile();
    const group = moduleRef.get<Group>(COHORT_GROUP);
    expect(await net.runUntil(() => a.group.view.members.length === 2, { timeoutMs: 10_000 })).toBe(true);
    for (let i = 0; i < 4; i++) await lastValueFrom(a.get(GroupClient).emit('ledger.add', `e${i}`), { defaultValue: undefined });
    await net.sleep(1_000);
    const app = moduleRef.createNestMicroservice({ strategy: new GroupServer({ group }) });
    tracker.track(() => app.close());
    expect(app.get(LedgerController).entries).toEqual([]);
    // init, then listen: Nest 12 may run the init hooks on both; the member binds once.
    await app.init();
    await net.sleep(1_000);
    expect(app.get(LedgerController).entries).toEqual([]);
    await app.listen();
    expect(await net.runUntil(() => app.get(LedgerController).entries.length === 4, { timeoutMs: 10_000 })).toBe(true);
    await net.sleep(500);
    expect(app.get(LedgerController).entries).toEqual(['e0@2', 'e1@2', 'e2@2', 'e3@2']);
    expect(app.get(Watcher).changes).toEqual(['installed:2']);
  });

  it('surfaces exclusion and rejoin: @OnView kinds, server status, deliveries again after', async () => {
    const members = await startGroup(tracker, net, ['a', 'b', 'c'], { controllers: [LedgerController], providers: [Watcher] });
    const c = members[2]!;
    const statuses: GroupStatus[] = [];
    (c.app.getTransportServer?.() as GroupServer | undefined)?.status.subscribe((status) => statuses.push(status));
    const firstIncarnation = c.group.me;
    net.partition(['a', 'b'], ['c']);
    expect(await net.runUntil(() => members[0]!.group.view.members.length === 2, { timeoutMs: 30_000 })).toBe(true);
    net.heal();
    expect(
      await net.runUntil(() => c.group.me !== firstIncarnation && members.every((m) => m.group.view.members.length === 3), {
        timeoutMs: 60_000,
      }),
    ).toBe(true);
    expect(await net.runUntil(() => c.get(Watcher).changes.includes('rejoined:3'), { timeoutMs: 10_000 })).toBe(true);
    const changes = c.get(Watcher).changes;
    expect(changes.slice(0, 1)).toEqual(['installed:3']);
    expect(changes.slice(-3)).toEqual(['excluded:3', 'installed:3', 'rejoined:3']);
    expect(statuses).toEqual(['connected', 'excluded', 'connected']);
    await lastValueFrom(members[0]!.get(GroupClient).emit('ledger.add', 'after'), { defaultValue: undefined });
    expect(await net.runUntil(() => c.get(LedgerController).entries.includes('after@3'), { timeoutMs: 10_000 })).toBe(true);
  });

  it('takes its options from forRootAsync (useFactory, inject)', async () => {
    const wire = net.wire('a');
    const moduleRef = await Test.createTestingModule({
      imports: [
        GroupModule.forRootAsync({
          useFactory: (address: string) => ({ name: `group-of-${address}`, wire, seeds: [] }),
          inject: ['ADDRESS'],
          imports: [AddressModule],
        }),
      ],
      providers: [Watcher],
    })
      .setLogger(quietLogger)
      .compile();
    tracker.track(() => moduleRef.close());
    await moduleRef.init();
    const group = moduleRef.get<Group>(COHORT_GROUP);
    expect(group.name).toBe('group-of-a');
    expect(moduleRef.get(Group)).toBe(group);
    expect(moduleRef.get(Watcher).changes).toEqual(['installed:1']);
  });

  it('leaves the group when the application shuts down', async () => {
    const [a, b] = await startGroup(tracker, net, ['a', 'b'], { providers: [Watcher] });
    await b!.close();
    expect(await net.runUntil(() => a!.group.view.members.length === 1, { timeoutMs: 10_000 })).toBe(true);
    expect(a!.get(Watcher).changes).toEqual(['installed:1', 'installed:2', 'installed:1']);
  });

  it('leaves the group when the application fails to start after the join: no member stays behind', async () => {
    const a = await startMember(tracker, net, 'a', [], { controllers: [LedgerController] });
    const compiling = Test.createTestingModule({
      imports: [GroupModule.forRoot({ name: 'g', wire: net.wire('b'), seeds: ['a'] })],
      controllers: [ReservedTopicController],
    })
      .setLogger(quietLogger)
      .compile();
    const outcome = compiling.then(
      () => null,
      (error: unknown) => error,
    );
    expect(await net.runUntil(() => a.group.view.members.length === 2, { timeoutMs: 10_000 })).toBe(true);
    let refused: unknown = null;
    void outcome.then((error) => {
      refused = error;
    });
    expect(await net.runUntil(() => refused !== null, { timeoutMs: 15_000 })).toBe(true);
    expect(refused).toMatchObject({ code: 'INVALID_ARGUMENT' });
    // The member that could not start left: a is alone again, not blocked, and goes on.
    expect(await net.runUntil(() => a.group.view.members.length === 1, { timeoutMs: 15_000 })).toBe(true);
    expect(a.group.status.state).toBe('member');
  });
});
