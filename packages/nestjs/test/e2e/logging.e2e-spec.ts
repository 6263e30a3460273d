import 'reflect-metadata';
import { COHORT_GROUP, GroupModule } from '@cohort/nestjs';
import type { CohortLogger, Group } from '@cohort/core';
import { SimulatedNetwork } from '@cohort/core/testing';
import { Module, type INestApplicationContext, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

/** What Nest's logger was asked to write: level, context and message. */
class NestRecorder implements LoggerService {
  readonly entries: { level: string; context: string | undefined; message: string; params: unknown[] }[] = [];
  log(message: unknown, ...params: unknown[]): void {
    this.record('log', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.record('warn', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.record('error', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.record('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.record('verbose', message, params);
  }

  /** Lines of one context, as `level message`. */
  of(context: string): string[] {
    return this.entries.filter((entry) => entry.context === context).map((entry) => `${entry.level} ${entry.message}`);
  }

  private record(level: string, message: unknown, params: unknown[]): void {
    // Nest's Logger passes its context last.
    const context = typeof params.at(-1) === 'string' ? (params.at(-1) as string) : undefined;
    this.entries.push({ level, context, message: String(message), params });
  }
}

describe("GroupModule routes the member's lines to Nest's Logger", () => {
  let net: SimulatedNetwork;
  const apps: INestApplicationContext[] = [];

  beforeEach(() => {
    net = new SimulatedNetwork({ seed: 61 });
  });
  afterEach(async () => {
    for (const app of apps.splice(0).reverse()) await app.close().catch(() => undefined);
    await net.close();
  });

  async function member(
    address: string,
    seeds: string[],
    logger: LoggerService,
    moduleLogger?: CohortLogger | false,
  ): Promise<{ app: INestApplicationContext; group: Group }> {
    @Module({
      imports: [
        GroupModule.forRoot({ name: 'g', wire: net.wire(address), seeds, ...(moduleLogger === undefined ? {} : { logger: moduleLogger }) }),
      ],
    })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger, abortOnError: false });
    apps.push(app);
    await app.init();
    return { app, group: app.get<Group>(COHORT_GROUP) };
  }

  /** A handler that throws: the member's 'error' event. */
  async function failOnce(group: Group): Promise<void> {
    group.handle('boom', () => {
      throw new Error('the handler failed');
    });
    await group.fbcast('boom', 1);
    await group.drained();
  }

  it("writes join, view change and leave lines, and errors once, under the context 'Cohort'", async () => {
    const nest = new NestRecorder();
    const a = await member('a', [], nest);
    const b = await member('b', ['a'], nest);
    expect(await net.runUntil(() => a.group.view.members.length === 2, { timeoutMs: 10_000 })).toBe(true);
    await failOnce(a.group);
    await b.app.close();
    expect(await net.runUntil(() => a.group.view.members.length === 1, { timeoutMs: 10_000 })).toBe(true);

    const lines = nest.of('Cohort');
    const [aMe, bMe] = [a.group.me, b.group.me];
    expect(lines).toEqual(
      expect.arrayContaining([
        `log g ${aMe}: joined view 1 (1 member: ${aMe}), forming the group`,
        `log g ${bMe}: joined view 2 (2 members: ${aMe}, ${bMe})`,
        `log g ${aMe}: view 2 (2 members: ${aMe}, ${bMe}); joined: ${bMe}`,
        `log g ${bMe}: left the group`,
        `log g ${aMe}: view 3 (1 member: ${aMe}); left: ${bMe}`,
      ]),
    );
    // The handler's failure: one error line with its stack, not a second one from the dispatcher.
    const errors = nest.entries.filter((entry) => entry.level === 'error');
    expect(errors.map((entry) => `${entry.context} ${entry.message}`)).toEqual([`Cohort g ${aMe}: the handler failed`]);
    expect(errors[0]!.params[0]).toMatch(/^Error: the handler failed\n\s+at /);
  });

  it('writes to the logger given to GroupModule instead, and nothing with logger: false', async () => {
    const nest = new NestRecorder();
    const own: string[] = [];
    const ownLogger: CohortLogger = {
      log: (line) => own.push(`log ${line}`),
      warn: (line) => own.push(`warn ${line}`),
      error: (line) => own.push(`error ${line}`),
    };
    const a = await member('a', [], nest, ownLogger);
    const b = await member('b', ['a'], nest, false);
    expect(await net.runUntil(() => a.group.view.members.length === 2, { timeoutMs: 10_000 })).toBe(true);
    expect(own).toEqual([
      `log g ${a.group.me}: joined view 1 (1 member: ${a.group.me}), forming the group`,
      `log g ${a.group.me}: view 2 (2 members: ${a.group.me}, ${b.group.me}); joined: ${b.group.me}`,
    ]);
    expect(nest.of('Cohort')).toEqual([]);
    expect(b.group.logger).toBeNull();
    // Without a logger the member's errors still reach Nest's log, through the dispatcher, as before.
    await failOnce(b.group);
    expect(nest.of('GroupDispatcher')).toEqual([`error ${b.group.me}: Error: the handler failed`]);
  });

  it('writes a block as a warning, and the exclusion and rejoin that follow a partition', async () => {
    const nest = new NestRecorder();
    const a = await member('a', [], nest);
    const b = await member('b', ['a'], nest);
    const c = await member('c', ['a'], nest);
    expect(await net.runUntil(() => [a, b, c].every((m) => m.group.view.members.length === 3), { timeoutMs: 10_000 })).toBe(true);
    const before = a.group.me;
    net.partition(['a'], ['b', 'c']);
    expect(await net.runUntil(() => b.group.view.members.length === 2, { timeoutMs: 10_000 })).toBe(true);
    net.heal();
    expect(
      await net.runUntil(() => [a, b, c].every((m) => m.group.view.members.length === 3 && m.group.view.id === b.group.view.id), {
        timeoutMs: 20_000,
      }),
    ).toBe(true);
    const mine = nest.of('Cohort').filter((line) => line.includes(` g ${before}: `) || line.includes(` g ${a.group.me}: `));
    expect(mine.filter((line) => line.startsWith('warn'))).toEqual([
      expect.stringMatching(new RegExp(`^warn g ${before}: blocked \\(NO_QUORUM\\): 1 of the 3 members of view \\d+ are reachable`)),
      expect.stringMatching(new RegExp(`^warn g ${before}: excluded from view \\d+ \\(suspected\\); 0 multicasts unconfirmed; rejoining$`)),
    ]);
    expect(mine).toContain(
      `log g ${a.group.me}: rejoined as a new incarnation (was ${before}) in view ${a.group.view.id} (3 members: ${a.group.view.members.join(', ')})`,
    );
  });
});
