import { Group } from '@cohort/core';
import { SimulatedNetwork } from '@cohort/core/testing';
import { Logger } from '@nestjs/common';
import type { ViewChange } from '../../src/index.js';
import { GroupDispatcher, HOLD_REASONS, deliveryHoldsOf } from '../../src/internal.js';
import { quietLogger } from '../support/member-app.js';

describe('GroupDispatcher', () => {
  let net: SimulatedNetwork;
  beforeEach(() => {
    net = new SimulatedNetwork({ seed: 2 });
  });
  afterEach(() => net.close());

  it('is one per Group', async () => {
    const group = await Group.join('g', { wire: net.wire('a') });
    expect(GroupDispatcher.for(group)).toBe(GroupDispatcher.for(group));
  });

  it("holds deliveries and view changes in the core's queue until every hold is released, in order", async () => {
    const a = await Group.join('g', { wire: net.wire('a') });
    const b = await Group.join('g', { wire: net.wire('b'), seeds: ['a'] });
    // Taken in the turn b's join resolved: the view b joined in waits too.
    const dispatcher = GroupDispatcher.for(b);
    const releaseModule = dispatcher.hold('application');
    const releaseServer = dispatcher.hold('server');
    dispatcher.expect(['t']);
    const log: string[] = [];
    dispatcher.onView((change: ViewChange) => {
      log.push(`${change.kind}:${change.view?.members.length}`);
    });
    for (let i = 0; i < 3; i++) await a.fbcast('t', i);
    await net.sleep(1_000);
    dispatcher.route('t', async (payload) => {
      await new Promise((resolve) => setImmediate(resolve));
      log.push(`t:${String(payload)}`);
    });
    // The member says why (what errors and logs quote).
    expect(b.deliveryHolds).toEqual([HOLD_REASONS.application, HOLD_REASONS.server]);
    releaseModule();
    releaseModule(); // idempotent
    await net.sleep(1_000);
    expect(log).toEqual([]);
    expect(dispatcher.held).toBe(true);
    expect(deliveryHoldsOf(b)).toEqual([HOLD_REASONS.server]);
    releaseServer();
    expect(await net.runUntil(() => log.length === 4, { timeoutMs: 5_000 })).toBe(true);
    expect(log).toEqual(['installed:2', 't:0', 't:1', 't:2']);
    expect(dispatcher.held).toBe(false);
  });

  it('holds the next delivery until an async view listener settles', async () => {
    const a = await Group.join('g', { wire: net.wire('a') });
    const dispatcher = GroupDispatcher.for(a);
    const log: string[] = [];
    dispatcher.route('t', (payload) => {
      log.push(`t:${String(payload)}`);
    });
    dispatcher.onView(async (change) => {
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      log.push(`view:${change.view?.members.length}`);
    });
    await Group.join('g', { wire: net.wire('b'), seeds: ['a'] });
    await a.fbcast('t', 'after-join');
    expect(await net.runUntil(() => log.length === 3, { timeoutMs: 5_000 })).toBe(true);
    // Made in the turn a's join resolved, the dispatcher hears the view a joined in, too.
    expect(log).toEqual(['view:1', 'view:2', 't:after-join']);
  });

  it('warns once only GroupServers hold the deliveries back for a while, not while the application starts', async () => {
    const warnings: string[] = [];
    Logger.overrideLogger({
      ...quietLogger,
      warn: (message: unknown) => {
        warnings.push(String(message));
      },
    });
    const warningMs = GroupDispatcher.notListeningWarningMs;
    GroupDispatcher.notListeningWarningMs = 50;
    try {
      const a = await Group.join('g', { wire: net.wire('a') });
      const dispatcher = GroupDispatcher.for(a);
      const releaseApplication = dispatcher.hold('application');
      const releaseServer = dispatcher.hold('server');
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(warnings).toEqual([]);
      releaseApplication();
      const deadline = Date.now() + 5_000;
      while (warnings.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(warnings).toEqual([
        expect.stringMatching(/waited 0\.05 s for a GroupServer built on group "g" to listen: call app\.startAllMicroservices\(\)/),
      ]);
      // Released in time, it says nothing.
      const releaseAgain = dispatcher.hold('server');
      releaseAgain();
      releaseServer();
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(warnings).toHaveLength(1);
    } finally {
      GroupDispatcher.notListeningWarningMs = warningMs;
      Logger.overrideLogger(quietLogger);
    }
  });

  it('answers NO_HANDLER for an expected topic nobody routed', async () => {
    const a = await Group.join('g', { wire: net.wire('a') });
    GroupDispatcher.for(a).expect(['orphan']);
    const replies = await a.multicast('orphan', 1, { replies: 'all', timeoutMs: 5_000 });
    expect(replies.errors.map((reply) => reply.error?.code)).toEqual(['NO_HANDLER']);
  });

  it('refuses a second handler for a topic', async () => {
    const dispatcher = GroupDispatcher.for(await Group.join('g', { wire: net.wire('a') }));
    dispatcher.route('t', () => undefined);
    expect(() => dispatcher.route('t', () => undefined)).toThrow(/already has a handler/);
  });
});
