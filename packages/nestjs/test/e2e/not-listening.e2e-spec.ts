import 'reflect-metadata';
import type { Group } from '@cohort/core';
import { SimulatedNetwork } from '@cohort/core/testing';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { lastValueFrom } from 'rxjs';
import { COHORT_GROUP, GroupClient, GroupModule, GroupReplyError, GroupServer, Multicast } from '../../src/index.js';
import { GroupDispatcher } from '../../src/internal.js';
import { LedgerController } from '../support/ledger.controller.js';
import { AppTracker, quietLogger } from '../support/member-app.js';

@Injectable()
class Greeter {
  @Multicast({ replies: 'all', timeoutMs: 2_000 })
  async greet(name: string): Promise<string> {
    return `hello ${name}`;
  }
}

/**
 * Issue 13, finding 5: an application whose GroupServer never listens (app.startAllMicroservices()
 * forgotten) delivers nothing; its synchronous calls used to fail after their timeout with
 * "0 of 1 members answered" and nothing saying why. The error and the log now say it.
 */
describe('a GroupServer that does not listen', () => {
  const tracker = new AppTracker();
  let net: SimulatedNetwork;
  const warningMs = GroupDispatcher.notListeningWarningMs;

  beforeEach(() => {
    net = new SimulatedNetwork({ seed: 41 });
    GroupDispatcher.notListeningWarningMs = 100;
  });
  afterEach(async () => {
    GroupDispatcher.notListeningWarningMs = warningMs;
    await tracker.closeAll();
    await net.close();
  });

  it('is named in the error of a call that waited for it, and in the log; once it listens, the held deliveries go on', async () => {
    const warnings: string[] = [];
    const logger = {
      ...quietLogger,
      warn: (message: unknown) => {
        warnings.push(String(message));
      },
    };
    const moduleRef = await Test.createTestingModule({
      imports: [GroupModule.forRoot({ name: 'g', wire: net.wire('a'), seeds: [] })],
      controllers: [LedgerController],
      providers: [Greeter],
    })
      .setLogger(logger)
      .compile();
    const group = moduleRef.get<Group>(COHORT_GROUP);
    const server = new GroupServer({ group });
    const app = moduleRef.createNestMicroservice({ strategy: server });
    app.useLogger(logger);
    tracker.track(() => app.close());
    // Initialised (bootstrapped), but its transport never started: as a hybrid application without startAllMicroservices().
    await app.init();

    const failed = await app
      .get(Greeter)
      .greet('a')
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(GroupReplyError);
    expect(failed).toMatchObject({
      code: 'QUORUM_NOT_MET',
      message: expect.stringMatching(
        /0 of 1 members answered .*; this member's deliveries are held: a GroupServer built on this group is not listening: call app\.startAllMicroservices\(\)/,
      ),
    });
    await lastValueFrom(app.get(GroupClient).emit('ledger.add', 'e1'), { defaultValue: undefined });
    const sent = await lastValueFrom(app.get(GroupClient).send('ledger.size', {})).catch((error: unknown) => error);
    expect((sent as GroupReplyError).message).toMatch(/deliveries are held: a GroupServer built on this group is not listening/);

    const deadline = Date.now() + 5_000;
    while (!warnings.some((line) => line.includes('startAllMicroservices')) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(warnings).toContainEqual(
      expect.stringMatching(
        /deliveries have waited 0\.1 s for a GroupServer built on group "g" to listen: call app\.startAllMicroservices\(\)/,
      ),
    );
    expect(app.get(LedgerController).entries).toEqual([]);

    await app.listen();
    // What waited is delivered, in order; calls are answered again.
    expect(await net.runUntil(() => app.get(LedgerController).entries.length === 1, { timeoutMs: 5_000 })).toBe(true);
    expect(app.get(LedgerController).entries).toEqual(['e1@1']);
    expect(group.deliveryHolds).toEqual([]);
    expect(await app.get(Greeter).greet('b')).toEqual(['hello b']);
  });
});
