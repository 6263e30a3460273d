import type { CallRecord } from '../src/group-stats.js';
import { closeAll, harness } from './support/sim-group.js';

afterEach(closeAll);

describe('group.stats: counters where the event happens, gauges of what is held now', () => {
  it('counts sent and delivered messages and installed views; gauges show the view and the window', async () => {
    const h = harness({ seed: 61 });
    const [a, b, c] = await h.form(['a', 'b', 'c'], { windowMessagesMax: 64 });
    for (const g of [a, b, c]) g!.handle('e', () => undefined);
    for (let i = 0; i < 10; i++) await a!.fbcast('e', i);
    await h.net.runUntil(() => [a, b, c].every((g) => g!.stats.messagesDelivered === 10));
    expect(a!.stats).toMatchObject({ messagesSent: 10, messagesDelivered: 10, viewMembers: 3, windowMessagesMax: 64, slowMembers: 0 });
    expect(b!.stats.messagesSent).toBe(0);
    // a formed the group and installed the views of two and three; c joined in the third.
    expect(a!.stats.viewsInstalled).toBe(3);
    expect(c!.stats.viewsInstalled).toBe(1);
    await h.net.sleep(500);
    // Acknowledged by every member: nothing of a's left unstable, the window is free.
    expect(a!.stats).toMatchObject({
      windowMessages: 0,
      unstableMessages: 0,
      pendingMessages: 0,
      orderQueueMessages: 0,
      deliveryQueueMessages: 0,
    });
  });

  it('alone in the view, a member keeps no message it has delivered (no heartbeat comes in to make it stable)', async () => {
    const h = harness({ seed: 63 });
    const [a, b] = await h.form(['a', 'b']);
    for (const g of [a, b]) g!.handle('e', () => undefined);
    await b!.leave();
    await h.net.runUntil(() => a!.view.members.length === 1);
    for (let i = 0; i < 50; i++) await a!.fbcast('e', i);
    await h.net.runUntil(() => a!.stats.messagesDelivered === 50);
    expect(a!.stats).toMatchObject({ viewMembers: 1, unstableMessages: 0, windowMessages: 0 });
  });

  it('counts retransmissions on a lossy link, and each wait for a full window once', async () => {
    const h = harness({ seed: 62 });
    const [a, b, c] = await h.form(['a', 'b', 'c'], { windowMessagesMax: 4 });
    for (const g of [a, b, c]) g!.handle('e', () => undefined);
    h.net.setLink('a', 'c', { loss: 0.5 });
    const sends = Array.from({ length: 40 }, (_, i) => a!.fbcast('e', i));
    await h.net.sleep(1);
    // Four went out, the fifth waits for the window: one wait so far, however often a drains.
    expect(a!.stats.windowWaits).toBe(1);
    expect(a!.stats.pendingMessages).toBe(36);
    await Promise.all(sends);
    await h.net.runUntil(() => c!.stats.messagesDelivered === 40, { timeoutMs: 2_500 });
    expect(a!.stats.messagesRetransmitted).toBeGreaterThan(0);
    expect(a!.stats.windowWaits).toBeGreaterThan(1);
    expect(a!.stats.windowWaits).toBeLessThanOrEqual(36);
    expect(b!.stats.messagesRetransmitted).toBe(0);
  });

  it('shows a causal message held in the order queue while its predecessor is missing', async () => {
    const h = harness({ seed: 63 });
    const [a, b, c] = await h.form(['a', 'b', 'c']);
    const atC: string[] = [];
    a!.handle('m', () => undefined);
    b!.handle('m', async (x) => {
      if (x === 'm1') await b!.cbcast('m', 'm2');
    });
    c!.handle('m', (x) => {
      atC.push(x as string);
    });
    h.net.setLink('a', 'c', { loss: 1 });
    await a!.cbcast('m', 'm1');
    // b delivers m1 and sends m2, which names m1: c has m2, not m1, and holds m2 back.
    expect(await h.net.runUntil(() => c!.stats.orderQueueMessages === 1, { timeoutMs: 1_000 })).toBe(true);
    expect(atC).toEqual([]);
    h.net.clearLink('a', 'c');
    await h.net.runUntil(() => atC.length === 2, { timeoutMs: 2_000 });
    expect(atC).toEqual(['m1', 'm2']);
    expect(c!.stats.orderQueueMessages).toBe(0);
  });

  it("counts calls by outcome and reports each in a 'call' event with its duration", async () => {
    const h = harness({ seed: 64 });
    const [a, b] = await h.form(['a', 'b']);
    a!.handle('q', () => 'a');
    b!.handle('q', () => 'b');
    a!.handle('slow', () => 'a');
    b!.handle('slow', () => new Promise(() => undefined)); // never answers
    const calls: CallRecord[] = [];
    a!.on('call', (record) => calls.push(record));
    await a!.multicast('q', null, { replies: 'all' });
    const slow = await a!.multicast('slow', null, { order: 'total', replies: 'all', timeoutMs: 500 });
    expect(slow.quorumMet).toBe(false);
    expect(a!.stats).toMatchObject({ callsQuorumMet: 1, callsQuorumNotMet: 1, callsFailed: 0, callsInFlight: 0 });
    expect(calls).toEqual([
      expect.objectContaining({ topic: 'q', order: 'fifo', quorum: 'all', outcome: 'quorum-met', relayed: false }),
      expect.objectContaining({ topic: 'slow', order: 'total', outcome: 'quorum-not-met', durationMs: 500 }),
    ]);
    await a!.leave();
    expect(a!.stats.callsFailed).toBe(0);
  });

  it('keeps counting across a rejoin: counters never go back', async () => {
    const h = harness({ seed: 65 });
    const [a, b, c] = await h.form(['a', 'b', 'c']);
    for (const g of [a, b, c]) g!.handle('e', () => undefined);
    for (let i = 0; i < 5; i++) await a!.fbcast('e', i);
    await h.net.runUntil(() => c!.stats.messagesDelivered === 5);
    const before = c!.stats;
    h.net.partition(['a', 'b'], ['c']);
    await h.net.sleep(4_000);
    h.net.heal();
    await h.net.runUntil(() => c!.status.state === 'member' && c!.view.members.length === 3, { timeoutMs: 15_000 });
    const after = c!.stats;
    expect(after.messagesDelivered).toBeGreaterThanOrEqual(before.messagesDelivered);
    expect(after.viewsInstalled).toBeGreaterThan(before.viewsInstalled);
  });
});

describe('status.stateTransferred', () => {
  it('is true for the member that formed the group, and for a joiner once setState resolved', async () => {
    const h = harness({ seed: 66 });
    const [a] = await h.form(['a'], { getState: () => 'ledger' });
    expect(a!.status.stateTransferred).toBe(true);
    let applied: () => void = () => undefined;
    const b = await h.join('b', ['a'], {
      setState: () =>
        new Promise<void>((resolve) => {
          applied = resolve;
        }),
    });
    await h.net.sleep(10);
    expect(b.status).toMatchObject({ state: 'member', stateTransferred: false });
    applied();
    await h.net.sleep(1);
    expect(b.status.stateTransferred).toBe(true);
  });

  it('stays false when setState throws', async () => {
    const h = harness({ seed: 67 });
    await h.form(['a'], { getState: () => 'ledger' });
    let calls = 0;
    const b = await h.join('b', ['a'], {
      setState: () => {
        calls++;
        throw new Error('disk full');
      },
    });
    await h.net.sleep(10);
    expect(calls).toBe(1);
    expect(b.status).toMatchObject({ state: 'member', stateTransferred: false });
  });
});
