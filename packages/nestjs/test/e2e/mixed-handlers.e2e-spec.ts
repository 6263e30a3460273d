import 'reflect-metadata';
import { Group } from '@cohort/core';
import { SimulatedNetwork } from '@cohort/core/testing';
import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { GroupServer } from '../../src/index.js';
import { AppTracker, quietLogger, startGroup, startMember } from '../support/member-app.js';

/**
 * Issue 11, finding 9f: core `group.handle()` and Nest handlers on one Group. Decided: allowed,
 * on different topics (each topic has one handler); both run in the one delivery order of the
 * member; a topic taken by one side is refused to the other with INVALID_ARGUMENT.
 */
const log: string[] = [];

@Controller()
class NestSide {
  @EventPattern('nest.topic')
  async onNest(@Payload() value: string): Promise<void> {
    // Slower than the core handler: were the orders separate, the next core delivery would overtake it.
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    log.push(`nest ${value}`);
  }
}

describe('core group.handle() and Nest handlers on one Group', () => {
  const tracker = new AppTracker();
  let net: SimulatedNetwork;

  beforeEach(() => {
    net = new SimulatedNetwork({ seed: 19 });
    log.length = 0;
  });
  afterEach(async () => {
    await tracker.closeAll();
    await net.close();
  });

  it('mix on different topics, in the one delivery order', async () => {
    const a = await startMember(tracker, net, 'a', [], {}, { server: false });
    const b = await startMember(tracker, net, 'b', ['a'], { controllers: [NestSide] });
    expect(await net.runUntil(() => b.group.view.members.length === 2, { timeoutMs: 5_000 })).toBe(true);
    b.group.handle('core.topic', (value) => {
      log.push(`core ${String(value)}`);
    });
    for (const [topic, value] of [
      ['nest.topic', 1],
      ['core.topic', 2],
      ['nest.topic', 3],
      ['core.topic', 4],
    ] as const) {
      await a.group.fbcast(topic, String(value));
    }
    expect(await net.runUntil(() => log.length === 4, { timeoutMs: 5_000 })).toBe(true);
    expect(log).toEqual(['nest 1', 'core 2', 'nest 3', 'core 4']);
  });

  it('a topic has one handler: Nest refuses a topic group.handle() took, and the other way round', async () => {
    const [a] = await startGroup(tracker, net, ['a'], { controllers: [NestSide] });
    expect(() => a!.group.handle('nest.topic', () => undefined)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    // A GroupServer on a Group whose topic a core handler already has: listen() fails, saying why.
    const group = await Group.join('h', { wire: net.wire('solo'), seeds: [] });
    tracker.track(() => group.leave());
    group.handle('nest.topic', () => undefined);
    const moduleRef = await Test.createTestingModule({ controllers: [NestSide] })
      .setLogger(quietLogger)
      .compile();
    const app = moduleRef.createNestMicroservice({ strategy: new GroupServer({ group }) });
    app.useLogger(quietLogger);
    tracker.track(() => app.close());
    await expect(app.listen()).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/either by Nest .* or by group\.handle\(\), not both/),
    });
  });
});
