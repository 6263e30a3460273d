import 'reflect-metadata';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { CausalContext, type Group, type Timing } from '@cohort/core';
import { SimulatedNetwork } from '@cohort/core/testing';
import { Controller, Inject, Injectable, Post, type DynamicModule, type INestApplication } from '@nestjs/common';
import { ClientsModule, MessagePattern, Payload, Transport, type ClientProxy } from '@nestjs/microservices';
import { Test, type TestingModule } from '@nestjs/testing';
import { lastValueFrom } from 'rxjs';
import { CAUSAL_CONTEXT_HEADER, CausalModule, COHORT_GROUP, GroupModule, Multicast } from '../../src/index.js';
import { AppTracker, quietLogger } from '../support/member-app.js';

/**
 * The lecture notes' causal thread, with real Nest apps: an HTTP gateway p (in no group) asks
 * service q over Nest TCP to record a, which q cbcasts to group G; then p asks r to record b,
 * which r cbcasts to G. The network holds q's messages back from r and t (a lossy link: the
 * reliable layer retransmits once it heals). With CausalModule, b carries p's context, which
 * names a: t (and r) deliver a before b. Without it, t delivers b first.
 *
 * G runs on the simulated network, side by side with real sockets: its driver runs one event
 * per macrotask, so Nest's TCP and HTTP I/O interleave with it; only its virtual clock runs far
 * ahead of real time while a socket is busy, so a silenced member must not be suspected in the
 * meantime (hence the long suspect timeout).
 */
const TIMING: Partial<Timing> = { suspectTimeoutMs: 86_400_000 };

@Injectable()
class Ledger {
  readonly history: string[] = [];

  @Multicast({ order: 'causal' })
  async record(event: string): Promise<void> {
    this.history.push(event);
  }
}

@Controller()
class RecordController {
  constructor(private readonly ledger: Ledger) {}

  @MessagePattern('record', Transport.TCP)
  async record(@Payload() event: string): Promise<string> {
    await this.ledger.record(event);
    return `recorded ${event}`;
  }
}

@Controller()
class StoryController {
  constructor(
    @Inject('Q') private readonly q: ClientProxy,
    @Inject('R') private readonly r: ClientProxy,
  ) {}

  @Post('story')
  async story(): Promise<string[]> {
    const a = await lastValueFrom(this.q.send<string>('record', 'a'));
    const b = await lastValueFrom(this.r.send<string>('record', 'b'));
    return [a, b];
  }
}

describe('causal context across Nest TCP and HTTP (the p -> q -> r story)', () => {
  const tracker = new AppTracker();
  let net: SimulatedNetwork;

  beforeEach(() => {
    net = new SimulatedNetwork({ seed: 11 });
  });
  afterEach(async () => {
    await tracker.closeAll();
    await net.close();
  });

  async function member(address: string, seeds: string[], causal: boolean): Promise<TestingModule> {
    const moduleRef = await Test.createTestingModule({
      imports: [GroupModule.forRoot({ name: 'G', wire: net.wire(address), seeds, timing: TIMING }), ...causalModule(causal)],
      providers: [Ledger],
      controllers: [RecordController],
    })
      .setLogger(quietLogger)
      .compile();
    return moduleRef;
  }

  /** q or r: a member of G that serves `record` over Nest TCP on a free loopback port. */
  async function service(address: string, causal: boolean): Promise<{ ledger: Ledger; group: Group; port: number }> {
    const moduleRef = await member(address, ['t'], causal);
    const app = moduleRef.createNestMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port: 0 } });
    tracker.track(() => app.close());
    await app.listen();
    return { ledger: app.get(Ledger), group: app.get<Group>(COHORT_GROUP), port: (app.unwrap<NetServer>().address() as AddressInfo).port };
  }

  async function gateway(q: number, r: number, causal: boolean): Promise<{ app: INestApplication; url: string }> {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ClientsModule.register([
          { name: 'Q', transport: Transport.TCP, options: { host: '127.0.0.1', port: q } },
          { name: 'R', transport: Transport.TCP, options: { host: '127.0.0.1', port: r } },
        ]),
        ...causalModule(causal),
      ],
      controllers: [StoryController],
    })
      .setLogger(quietLogger)
      .compile();
    const app = moduleRef.createNestApplication({ logger: false });
    tracker.track(() => app.close());
    await app.listen(0, '127.0.0.1');
    return { app, url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}` };
  }

  async function tellStory(causal: boolean): Promise<{ q: Ledger; r: Ledger; t: Ledger; response: Response }> {
    const tModule = await member('t', [], causal);
    tracker.track(() => tModule.close());
    await tModule.init();
    const q = await service('q', causal);
    const r = await service('r', causal);
    const t = tModule.get(Ledger);
    const groups = [tModule.get<Group>(COHORT_GROUP), q.group, r.group];
    expect(await net.runUntil(() => groups.every((g) => g.view.members.length === 3), { timeoutMs: 30_000 })).toBe(true);
    const p = await gateway(q.port, r.port, causal);
    // The network delays what q sends to r and t. With the context, r's multicast of b waits
    // until r itself has delivered a (a context can delay only its own request, never make the
    // group wait for what may not exist): q's link to r heals a virtual second into the story;
    // its link to t stays down, so b still reaches t before a.
    net.setLink('q', 'r', { loss: 1 });
    net.setLink('q', 't', { loss: 1 });
    if (causal) net.clock.setTimer(1_000, () => net.clearLink('q', 'r'));
    const response = await fetch(`${p.url}/story`, { method: 'POST' });
    expect(await response.clone().json()).toEqual(['recorded a', 'recorded b']);
    return { q: q.ledger, r: r.ledger, t, response };
  }

  it('with CausalModule, t delivers a before b although b arrives first', async () => {
    const sentRT: number[] = [];
    const deliveredRT = new Set<number>();
    net.trace = (event) => {
      if (event.from !== 'r' || event.to !== 't') return;
      if (event.kind === 'send') sentRT.push(event.frameId);
      if (event.kind === 'deliver') deliveredRT.add(event.frameId);
    };
    const { q, r, t, response } = await tellStory(true);
    // r multicast b before it replied: every frame r had sent t by then holds b or came before it.
    const sentBeforeReply = [...sentRT];
    // Two virtual seconds on 1-5 ms links: b has reached t long since; t must not deliver it yet.
    await net.sleep(2_000);
    expect(sentBeforeReply.length).toBeGreaterThan(0);
    expect(sentBeforeReply.every((frame) => deliveredRT.has(frame))).toBe(true);
    expect(t.history).toEqual([]);
    // r sent b only once it had delivered a.
    expect(r.history).toEqual(['a', 'b']);
    net.clearLink('q', 'r');
    net.clearLink('q', 't');
    expect(await net.runUntil(() => [q, r, t].every((l) => l.history.length === 2), { timeoutMs: 30_000 })).toBe(true);
    for (const ledger of [q, r, t]) expect(ledger.history).toEqual(['a', 'b']);
    // The gateway's response header carries the thread's context: it names both multicasts.
    const header = response.headers.get(CAUSAL_CONTEXT_HEADER);
    expect(header).toEqual(expect.any(String));
    const deps = CausalContext.decode(header!).get('G')!.deps;
    expect(deps.reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(2);
  });

  it('without CausalModule, t delivers b before a: the test can fail', async () => {
    const { q, r, t, response } = await tellStory(false);
    expect(await net.runUntil(() => t.history.includes('b'), { timeoutMs: 30_000 })).toBe(true);
    expect(t.history).toEqual(['b']);
    net.clearLink('q', 'r');
    net.clearLink('q', 't');
    expect(await net.runUntil(() => [q, r, t].every((l) => l.history.length === 2), { timeoutMs: 30_000 })).toBe(true);
    expect(t.history).toEqual(['b', 'a']);
    expect(r.history).toEqual(['b', 'a']);
    expect(q.history).toEqual(['a', 'b']);
    expect(response.headers.get(CAUSAL_CONTEXT_HEADER)).toBeNull();
  });
});

function causalModule(causal: boolean): DynamicModule[] {
  return causal ? [CausalModule.forRoot()] : [];
}
