import 'reflect-metadata';
import { SimulatedNetwork } from '@cohort/core/testing';
import { ClientsModule } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { lastValueFrom } from 'rxjs';
import { GroupClient, GroupRecordBuilder, type GroupConnectionClientOptions } from '../../src/index.js';
import { LedgerController } from '../support/ledger.controller.js';
import { AppTracker, quietLogger, startGroup } from '../support/member-app.js';

describe('GroupClient outside the group (ClientsModule, customClass)', () => {
  const tracker = new AppTracker();
  let net: SimulatedNetwork;

  beforeEach(() => {
    net = new SimulatedNetwork({ seed: 3 });
  });
  afterEach(async () => {
    await tracker.closeAll();
    await net.close();
  });

  async function clientApp(options: Omit<GroupConnectionClientOptions, 'wire'>): Promise<GroupClient> {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ClientsModule.register([{ name: 'LEDGER', customClass: GroupClient, options: { ...options, wire: net.wire('outsider') } }]),
      ],
    })
      .setLogger(quietLogger)
      .compile();
    const app = moduleRef.createNestApplication({ logger: false });
    tracker.track(() => app.close());
    await app.init();
    return app.get<GroupClient>('LEDGER');
  }

  for (const mode of ['relay', 'direct'] as const) {
    it(`emits and sends through a ${mode} connection`, async () => {
      const members = await startGroup(tracker, net, ['a', 'b', 'c'], { controllers: [LedgerController] });
      const client = await clientApp({ name: 'g', seeds: ['a', 'b'], mode });
      const views: number[] = [];
      client.on('view', (view) => views.push(view.members.length));
      await client.connect();
      for (let i = 0; i < 3; i++) await lastValueFrom(client.emit('ledger.add', `x${i}`), { defaultValue: undefined });
      expect(await net.runUntil(() => members.every((m) => m.get(LedgerController).entries.length === 3), { timeoutMs: 10_000 })).toBe(
        true,
      );
      for (const m of members) expect(m.get(LedgerController).entries).toEqual(['x0@3', 'x1@3', 'x2@3']);
      expect(await lastValueFrom(client.send('ledger.size', {}))).toEqual([
        { rank: 0, size: 3 },
        { rank: 1, size: 3 },
        { rank: 2, size: 3 },
      ]);
      expect(await lastValueFrom(client.send('ledger.part', new GroupRecordBuilder(6).setGather('concat').build()))).toEqual([
        0, 3, 1, 4, 2, 5,
      ]);
      expect(client.unwrap<{ view: { members: string[] } }>().view.members).toHaveLength(3);
    });
  }

  it('sends in total order through a relay, with a quorum of one', async () => {
    const members = await startGroup(tracker, net, ['a', 'b', 'c'], { controllers: [LedgerController] });
    const client = await clientApp({ name: 'g', seeds: ['c'], defaults: { order: 'total', replies: 'first' } });
    const size = await lastValueFrom(client.send('ledger.size', {}));
    expect(size).toEqual({ rank: expect.any(Number), size: 0 });
    await lastValueFrom(client.emit('ledger.add', 'z'), { defaultValue: undefined });
    expect(await net.runUntil(() => members.every((m) => m.get(LedgerController).entries.length === 1), { timeoutMs: 10_000 })).toBe(true);
  });
});
