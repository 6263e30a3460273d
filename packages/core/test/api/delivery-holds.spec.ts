import { DeliveryQueue } from '../../src/services/delivery-queue.js';
import { realClock } from '../../src/env/clock.js';
import { Group } from '../../src/index.js';
import { closeAll, harness } from '../support/sim-group.js';

afterEach(closeAll);

/**
 * Issue 13: the hold until a Nest application is ready and the in-order view listeners live in
 * the core's one delivery queue, not in a second queue in front of it.
 */
describe('DeliveryQueue holds', () => {
  it('stops before the next task until every hold is released, then runs the rest in order', async () => {
    const errors: unknown[] = [];
    const queue = new DeliveryQueue({ clock: realClock, onError: (error) => errors.push(error) });
    const log: string[] = [];
    queue.push(() => {
      log.push('before');
    });
    const releaseApp = queue.hold('app');
    const releaseServer = queue.hold('server');
    queue.push(() => {
      log.push('one');
    });
    queue.push(async () => {
      await Promise.resolve();
      log.push('two');
    });
    expect(queue.holds).toEqual(['app', 'server']);
    let idle = false;
    void queue.idle().then(() => {
      idle = true;
    });
    releaseApp();
    releaseApp(); // idempotent: the other hold still counts
    await new Promise((resolve) => realClock.defer(() => resolve(undefined)));
    expect(log).toEqual(['before']);
    expect(idle).toBe(false);
    expect(queue.holds).toEqual(['server']);
    releaseServer();
    // The first task after the release runs at once, in the releasing turn.
    expect(log).toEqual(['before', 'one']);
    await queue.idle();
    expect(log).toEqual(['before', 'one', 'two']);
    expect(idle).toBe(true);
    expect(queue.holds).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('Group.holdDeliveries', () => {
  it('holds deliveries and view events, says why, and lets them through in order once released', async () => {
    const h = harness({ seed: 31 });
    const [a, b] = await h.form(['a', 'b']);
    // The view b joined in reaches the application one turn after the join: let it pass first.
    await b!.drained();
    const log: string[] = [];
    b!.on('view', (view) => {
      log.push(`view ${view.members.length}`);
    });
    b!.handle('t', (payload) => {
      log.push(`t ${String(payload)}`);
    });
    const release = b!.holdDeliveries('waiting for the server');
    expect(b!.deliveryHolds).toEqual(['waiting for the server']);
    for (let i = 0; i < 3; i++) await a!.fbcast('t', i);
    await h.join('c', ['a']);
    expect(await h.settle(['a', 'b', 'c'])).toBe(true);
    await a!.fbcast('t', 3);
    await h.net.sleep(500);
    expect(log).toEqual([]);
    release();
    expect(await h.net.runUntil(() => log.length === 5, { timeoutMs: 2_000 })).toBe(true);
    expect(log).toEqual(['t 0', 't 1', 't 2', 'view 3', 't 3']);
    expect(b!.deliveryHolds).toEqual([]);
  });

  it('a synchronous call waits for its own held delivery; the caller can tell why', async () => {
    const h = harness({ seed: 32 });
    const [a] = await h.form(['a']);
    a!.handle('q', () => 'answer');
    const release = a!.holdDeliveries('no server listens');
    const replies = await a!.multicast('q', null, { replies: 'all', timeoutMs: 1_000 });
    expect(replies.quorumMet).toBe(false);
    expect(a!.deliveryHolds).toEqual(['no server listens']);
    release();
    const again = await a!.multicast('q', null, { replies: 'all', timeoutMs: 1_000 });
    expect(again.values()).toEqual(['answer']);
  });

  it('taken in the turn Group.join resolves, it keeps the view joined in until its release, then emits it at once', async () => {
    const h = harness({ seed: 33 });
    const group = await Group.join('g', { wire: h.net.wire('a'), seeds: [] });
    const release = group.holdDeliveries('bootstrapping');
    const views: number[] = [];
    await h.net.sleep(100);
    // Added a while after the join: the hold kept the first view for it.
    group.on('view', (view) => {
      views.push(view.id);
    });
    expect(views).toEqual([]);
    release();
    expect(views).toEqual([1]);
    await group.leave();
  });

  it('refuses a hold without a reason', async () => {
    const h = harness({ seed: 34 });
    const [a] = await h.form(['a']);
    expect(() => a!.holdDeliveries('')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe("in-order events: 'view', 'excluded' and 'rejoined' listeners", () => {
  it('hold back the next delivery until the promise they return settles', async () => {
    const h = harness({ seed: 35 });
    const [a, b] = await h.form(['a', 'b']);
    // The view b joined in reaches the application one turn after the join: let it pass first.
    await b!.drained();
    const log: string[] = [];
    b!.on('view', async (view) => {
      await h.net.sleep(200);
      log.push(`view ${view.members.length}`);
    });
    b!.handle('t', (payload) => {
      log.push(`t ${String(payload)}`);
    });
    await h.join('c', ['a']);
    expect(await h.settle(['a', 'b', 'c'])).toBe(true);
    await a!.fbcast('t', 'after');
    expect(await h.net.runUntil(() => log.length === 2, { timeoutMs: 5_000 })).toBe(true);
    expect(log).toEqual(['view 3', 't after']);
  });

  it("report a listener's rejected promise as 'error' and go on", async () => {
    const h = harness({ seed: 36 });
    const [a, b] = await h.form(['a', 'b']);
    await b!.drained();
    const errors: string[] = [];
    const log: string[] = [];
    b!.on('error', (error) => errors.push((error as Error).message));
    b!.on('view', async () => {
      throw new Error('listener failed');
    });
    b!.handle('t', (payload) => {
      log.push(`t ${String(payload)}`);
    });
    await h.join('c', ['a']);
    await a!.fbcast('t', 1);
    expect(await h.net.runUntil(() => log.length === 1, { timeoutMs: 5_000 })).toBe(true);
    expect(errors).toEqual(['listener failed']);
  });
});
