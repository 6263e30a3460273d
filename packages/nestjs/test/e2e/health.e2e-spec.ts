import 'reflect-metadata';
import type { Group, GroupOptions } from '@cohort/core';
import { SimulatedNetwork } from '@cohort/core/testing';
import { Controller, Get, Inject, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { GroupHealthIndicator } from '@cohort/nestjs/health';
import { COHORT_GROUP, GroupModule } from '../../src/index.js';
import { AppTracker, quietLogger, startMember } from '../support/member-app.js';

@Controller('health')
class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(GroupHealthIndicator) private readonly group: GroupHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.group.isHealthy('cohort')]);
  }
}

interface HttpMember {
  readonly app: INestApplication;
  readonly group: Group;
  readonly url: string;
}

/** A member of group `g` that serves GET /health over HTTP on loopback (a free port). */
async function startHttpMember(
  tracker: AppTracker,
  net: SimulatedNetwork,
  address: string,
  seeds: string[],
  options: Partial<GroupOptions> = {},
): Promise<HttpMember> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      GroupModule.forRoot({ name: 'g', wire: net.wire(address), seeds, logger: false, ...options }),
      TerminusModule.forRoot({ logger: false }),
    ],
    controllers: [HealthController],
    providers: [GroupHealthIndicator],
  })
    .setLogger(quietLogger)
    .compile();
  const app = moduleRef.createNestApplication({ logger: false });
  tracker.track(() => app.close());
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, group: app.get<Group>(COHORT_GROUP), url: `http://127.0.0.1:${port}/health` };
}

async function getHealth(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('GroupHealthIndicator (@nestjs/terminus)', () => {
  const tracker = new AppTracker();
  let net: SimulatedNetwork;

  beforeEach(() => {
    net = new SimulatedNetwork({ seed: 17 });
  });
  afterEach(async () => {
    await tracker.closeAll();
    await net.close();
  });

  it('is up in a formed group, and down once the member is blocked (a group of 3, two members stopped)', async () => {
    const a = await startHttpMember(tracker, net, 'a', []);
    // A crashed member cannot leave when its application closes: the network's close ends it.
    const crashes = { server: false, leaveOnShutdown: false };
    await startMember(tracker, net, 'b', ['a'], {}, crashes);
    await startMember(tracker, net, 'c', ['a'], {}, crashes);
    expect(await net.runUntil(() => a.group.view.members.length === 3, { timeoutMs: 30_000 })).toBe(true);

    const up = await getHealth(a.url);
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({
      status: 'ok',
      info: {
        cohort: {
          status: 'up',
          state: 'member',
          problems: [],
          stateTransferred: true,
          blocked: null,
          view: { members: 3 },
          window: { saturated: false, slowMembers: 0 },
        },
      },
    });

    // b and c crash: a hears one member of three, no majority, so no next view: blocked.
    net.crash('b');
    net.crash('c');
    expect(await net.runUntil(() => a.group.status.state === 'blocked', { timeoutMs: 30_000 })).toBe(true);
    const down = await getHealth(a.url);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      status: 'error',
      error: { cohort: { status: 'down', state: 'blocked', problems: ['blocked'], blocked: { code: 'NO_QUORUM' }, view: { members: 3 } } },
    });
  });

  it('is down while the state it joined with is not applied yet, then up', async () => {
    await startHttpMember(tracker, net, 'a', [], { getState: () => ['AF1981'] });
    let apply: () => void = () => undefined;
    const b = await startHttpMember(tracker, net, 'b', ['a'], {
      setState: () =>
        new Promise<void>((resolve) => {
          apply = resolve;
        }),
    });
    const indicator = b.app.get(GroupHealthIndicator);
    expect(indicator.isHealthy('cohort')).toMatchObject({
      cohort: { status: 'down', state: 'member', problems: ['state-not-transferred'] },
    });
    apply();
    expect(await net.runUntil(() => b.group.status.stateTransferred, { timeoutMs: 1_000 })).toBe(true);
    expect(indicator.isHealthy('member')).toMatchObject({ member: { status: 'up', stateTransferred: true } });
  });

  it("is down when the send window is saturated, or degraded with saturatedWindow: 'degraded'", async () => {
    const a = await startHttpMember(tracker, net, 'a', [], { windowMessagesMax: 4 });
    await startMember(tracker, net, 'b', ['a'], {}, { server: false, windowMessagesMax: 4 });
    expect(await net.runUntil(() => a.group.view.members.length === 2, { timeoutMs: 30_000 })).toBe(true);
    // b's acks no longer reach a: a's four unstable multicasts fill its window.
    net.setLink('b', 'a', { loss: 1 });
    for (let i = 0; i < 6; i++) void a.group.fbcast('t', i);
    await net.sleep(1);
    const indicator = a.app.get(GroupHealthIndicator);
    expect(indicator.isHealthy()).toMatchObject({
      cohort: {
        status: 'down',
        problems: ['window-saturated'],
        window: { messages: 4, messagesMax: 4, saturated: true },
        pendingMessages: 2,
      },
    });
    expect(indicator.isHealthy('cohort', { saturatedWindow: 'degraded' })).toMatchObject({ cohort: { status: 'degraded' } });
    net.clearLink('b', 'a');
    expect(await net.runUntil(() => a.group.stats.windowMessages === 0, { timeoutMs: 2_000 })).toBe(true);
    expect(indicator.isHealthy()).toMatchObject({ cohort: { status: 'up' } });
  });
});
