import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError, type Delivery, type Group, type Timing } from '@cohort/core';
import { SimulatedNetwork } from '@cohort/core/testing';
import { Body, Controller, Get, HttpException, Inject, Injectable, Param, Post, type INestApplication } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { COHORT_GROUP, CohortExceptionFilter, GroupMember, GroupModule, Multicast } from '../../src/index.js';
import { AppTracker, quietLogger, startMember } from '../support/member-app.js';

/**
 * Issue 13, "errors over HTTP": a member's CohortErrors reach an HTTP client of an Express app
 * with their status and code once the (opt-in) CohortExceptionFilter is installed, instead of
 * Nest's bare 500. Group g on the simulated network: a (rank 0) serves HTTP, b (rank 1) is a
 * member whose handler misbehaves on demand.
 */
const TIMING: Partial<Timing> = { suspectTimeoutMs: 86_400_000 };

/** Released by the test: member b's handler for seat "slow" waits on it. */
let releaseSlow: () => void = () => undefined;
let slow = Promise.resolve();

@Injectable()
class Seats {
  @Multicast({ replies: 'all', timeoutMs: 2_000 })
  async book(seat: string, @GroupMember() member?: Delivery): Promise<string> {
    if (seat === 'bad') throw new InvalidArgumentError(`there is no seat "${seat}"`);
    if (seat === 'broken' && member!.rank === 1) throw new Error('the seat map is corrupt');
    if (seat === 'slow' && member!.rank === 1) await slow;
    return `${seat}@${member!.rank}`;
  }
}

/** Stands for a CohortError of another copy of @cohort/core: the brand and a code, another class. */
class ForeignCohortError extends Error {
  get [Symbol.for('cohort.error')](): true {
    return true;
  }
  readonly code = 'NO_QUORUM';
}

@Controller()
class SeatsController {
  constructor(
    @Inject(Seats) private readonly seats: Seats,
    @Inject(COHORT_GROUP) private readonly group: Group,
  ) {}

  @Post('book')
  async book(@Body() body: { seat: string }): Promise<string[]> {
    return (await this.seats.book(body.seat)) as unknown as string[];
  }

  @Post('leave-then-book')
  async leaveThenBook(): Promise<string[]> {
    await this.group.leave();
    return (await this.seats.book('after')) as unknown as string[];
  }

  @Get('throw/:kind')
  throw(@Param('kind') kind: string): never {
    if (kind === 'foreign') throw new ForeignCohortError('3 of 5 members are reachable');
    if (kind === 'coded') throw Object.assign(new Error('a code but no brand'), { code: 'NO_QUORUM' });
    throw new HttpException({ statusCode: 418, message: 'teapot' }, 418);
  }
}

type FilterMode = 'global' | 'provider' | 'none';

describe('CohortExceptionFilter: Cohort errors over real HTTP (Express)', () => {
  const tracker = new AppTracker();
  let net: SimulatedNetwork;

  beforeEach(() => {
    net = new SimulatedNetwork({ seed: 13 });
    slow = new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
  });
  afterEach(async () => {
    releaseSlow();
    await tracker.closeAll();
    await net.close();
  });

  async function setup(mode: FilterMode): Promise<{ url: string; groups: Group[] }> {
    const moduleRef = await Test.createTestingModule({
      imports: [GroupModule.forRoot({ name: 'g', wire: net.wire('a'), seeds: [], timing: TIMING, payloadBytesMax: 1024 })],
      providers: [Seats, ...(mode === 'provider' ? [{ provide: APP_FILTER, useClass: CohortExceptionFilter }] : [])],
      controllers: [SeatsController],
    })
      .setLogger(quietLogger)
      .compile();
    const app: INestApplication = moduleRef.createNestApplication({ logger: false });
    if (mode === 'global') app.useGlobalFilters(new CohortExceptionFilter());
    tracker.track(() => app.close());
    await app.listen(0, '127.0.0.1');
    const b = await startMember(tracker, net, 'b', ['a'], { providers: [Seats] }, { server: false, timing: TIMING });
    const groups = [app.get<Group>(COHORT_GROUP), b.group];
    expect(await net.runUntil(() => groups.every((g) => g.view.members.length === 2), { timeoutMs: 30_000 })).toBe(true);
    return { url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`, groups };
  }

  async function book(url: string, seat: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${url}/book`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seat }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it("answers what every member refused as a bad argument with 400, and one member's failure with 502", async () => {
    const { url } = await setup('global');
    expect(await book(url, '12A')).toEqual({ status: 201, body: ['12A@0', '12A@1'] as unknown as Record<string, unknown> });
    const bad = await book(url, 'bad');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      statusCode: 400,
      code: 'REPLY_ERROR',
      replies: {
        expected: 2,
        answered: 0,
        missingRanks: [0, 1],
        errors: [
          { rank: 0, code: 'INVALID_ARGUMENT' },
          { rank: 1, code: 'INVALID_ARGUMENT' },
        ],
      },
    });
    const broken = await book(url, 'broken');
    expect(broken.status).toBe(502);
    expect(broken.body).toMatchObject({
      statusCode: 502,
      code: 'REPLY_ERROR',
      replies: { expected: 2, answered: 1, missingRanks: [1], errors: [{ rank: 1, message: 'the seat map is corrupt' }] },
    });
  });

  it('answers a call whose quorum was not met in time with 504, naming the missing rank', async () => {
    const { url } = await setup('provider');
    const late = await book(url, 'slow');
    expect(late.status).toBe(504);
    expect(late.body).toMatchObject({
      statusCode: 504,
      code: 'QUORUM_NOT_MET',
      replies: { expected: 2, answered: 1, missingRanks: [1], errors: [] },
    });
  });

  it('answers a payload over payloadBytesMax with 413 and a closed member with 503', async () => {
    const { url } = await setup('global');
    const large = await book(url, 'x'.repeat(2_000));
    expect(large.status).toBe(413);
    expect(large.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    const closed = await fetch(`${url}/leave-then-book`, { method: 'POST' });
    expect(closed.status).toBe(503);
    expect(await closed.json()).toMatchObject({ statusCode: 503, code: 'GROUP_CLOSED' });
  });

  it("recognises another copy's CohortError by its brand and leaves every other exception to Nest", async () => {
    const { url } = await setup('provider');
    const foreign = await fetch(`${url}/throw/foreign`);
    expect(foreign.status).toBe(503);
    expect(await foreign.json()).toEqual({ statusCode: 503, code: 'NO_QUORUM', message: '3 of 5 members are reachable' });
    const coded = await fetch(`${url}/throw/coded`);
    expect(coded.status).toBe(500);
    expect(await coded.json()).toEqual({ statusCode: 500, message: 'Internal server error' });
    const teapot = await fetch(`${url}/throw/teapot`);
    expect(teapot.status).toBe(418);
    expect(await teapot.json()).toEqual({ statusCode: 418, message: 'teapot' });
  });

  it("is opt-in: without it a refused call is Nest's bare 500", async () => {
    const { url } = await setup('none');
    const bad = await book(url, 'bad');
    expect(bad).toEqual({ status: 500, body: { statusCode: 500, message: 'Internal server error' } });
  });
});
