import 'reflect-metadata';
import { Group, type Delivery } from '@cohort/core';
import { SimulatedNetwork } from '@cohort/core/testing';
import { Controller, Injectable, Scope } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { EventPattern, MessagePattern, Transport } from '@nestjs/microservices';
import { Test, type TestingModule } from '@nestjs/testing';
import { GROUP_TRANSPORT, GroupMember, Multicast, OnView, type ViewChange } from '../../src/index.js';
import { GroupDispatcher, GroupExplorer, GroupMetadataScanner } from '../../src/internal.js';
import { quietLogger } from '../support/member-app.js';

@Injectable()
class Notes {
  readonly got: unknown[][] = [];
  readonly views: string[] = [];

  @Multicast({ order: 'total' })
  async note(title: string, @GroupMember() member?: Delivery, tag?: string): Promise<void> {
    this.got.push([title, member?.rank, tag]);
  }

  @OnView({ kinds: ['installed'] })
  installed(change: ViewChange): void {
    this.views.push(change.kind);
  }
}

@Injectable({ scope: Scope.REQUEST })
class PerRequest {
  @Multicast()
  async never(): Promise<void> {}
}

@Controller()
class Patterns {
  @MessagePattern('p.message') message(): void {}
  @EventPattern<string>('p.event', GROUP_TRANSPORT) event(): void {}
  @MessagePattern('p.tcp', Transport.TCP) tcp(): void {}
  @MessagePattern({ cmd: 'p.object' }) object(): void {}
}

describe('GroupMetadataScanner and GroupExplorer', () => {
  let moduleRef: TestingModule;

  beforeEach(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [DiscoveryModule],
      providers: [GroupMetadataScanner, GroupExplorer, Notes, PerRequest],
      controllers: [Patterns],
    })
      .setLogger(quietLogger)
      .compile();
  });
  afterEach(() => moduleRef.close());

  it('finds @Multicast and @OnView methods of singleton providers only', () => {
    const scanner = moduleRef.get(GroupMetadataScanner);
    const methods = scanner.multicastMethods();
    expect(methods.map((m) => [m.topic, m.method, m.memberIndex])).toEqual([['Notes.note', 'note', 1]]);
    expect(methods[0]!.instance).toBe(moduleRef.get(Notes));
    expect(scanner.viewMethods().map((m) => [m.method, m.options.kinds])).toEqual([['installed', ['installed']]]);
  });

  it('expects the topics of @Multicast methods and of patterns the group transport may serve', () => {
    const topics = moduleRef.get(GroupMetadataScanner).expectedTopics();
    expect(topics.sort()).toEqual(['Notes.note', 'p.event', 'p.message', '{"cmd":"p.object"}'].sort());
  });

  it('binds a @Multicast method to a group: the call travels without the delivery slot, once', async () => {
    const net = new SimulatedNetwork({ seed: 1 });
    try {
      const group = await Group.join('g', { wire: net.wire('a') });
      const explorer = moduleRef.get(GroupExplorer);
      const dispatcher = GroupDispatcher.for(group);
      explorer.bind(group, dispatcher);
      explorer.bind(group, dispatcher); // idempotent
      const notes = moduleRef.get(Notes);
      const sent: unknown[] = [];
      const multicast = group.multicast.bind(group);
      Object.defineProperty(group, 'multicast', {
        value: (topic: string, payload: unknown, options: object) => {
          sent.push([topic, payload]);
          return multicast(topic, payload, options);
        },
      });
      await notes.note('first');
      await notes.note('second', undefined, 'tagged');
      expect(await net.runUntil(() => notes.got.length === 2, { timeoutMs: 5_000 })).toBe(true);
      expect(sent).toEqual([
        ['Notes.note', ['first']],
        ['Notes.note', ['second', 'tagged']],
      ]);
      expect(notes.got).toEqual([
        ['first', 0, undefined],
        ['second', 0, 'tagged'],
      ]);
      await group.leave();
    } finally {
      await net.close();
    }
  });
});
