import { decodeFrame } from '../../src/protocol/frames.js';
import { checkHistory } from '../../src/testing/checker/history-checker.js';
import type { PeerDownListener, Wire } from '../../src/wire/wire.js';
import { closeAll, harness } from '../support/sim-group.js';

afterEach(closeAll);

/**
 * A wire that keeps back every data and pack frame while `mute.on` is set (replies still go
 * out): dropped, or held until `mute.release()` when `mute.held` is given.
 */
function muting(wire: Wire, mute: { on: boolean; held?: [string, Uint8Array][] }): Wire {
  return {
    address: wire.address,
    clock: wire.clock,
    random: wire.random,
    send(to, frame) {
      const type = decodeFrame(frame).body.type;
      if (mute.on && (type === 'data' || type === 'pack')) {
        mute.held?.push([to, frame.slice()]);
        return;
      }
      wire.send(to, frame);
    },
    onFrame: (receiver) => wire.onFrame(receiver),
    ...(wire.onPeerDown ? { onPeerDown: (listener: PeerDownListener) => wire.onPeerDown!(listener) } : {}),
    close: () => wire.close(),
  };
}

/**
 * A reply's causal context names the responder's own multicasts, which may not have reached
 * the caller yet. The caller's later multicasts carry that context, so they wait for those
 * messages: sent at once, they would be orphans if the responder crashed first, discarded by
 * the flush after their promises resolved (campaign seeds 2297, 4257, 7345).
 */
describe("what a call's replies name", () => {
  it("holds the caller back until delivered: the responder crashes with its multicast unsent, and the caller's causal multicast is still delivered", async () => {
    const h = harness({ seed: 91 });
    const mute = { on: false };
    const [a, b] = await h.form(['a', 'b']);
    await h.join('c', ['a'], { wire: muting(h.net.wire('c'), mute) });
    await h.settle(['a', 'b', 'c']);
    const c = h.group('c');
    // c multicasts (the frames never leave) and then answers: its reply names that multicast.
    c.handle('ask', () => {
      mute.on = true;
      void c.cbcast('news', 'from c').catch(() => undefined);
      return 'answer';
    });
    const got = new Map<string, unknown[]>([
      ['a', []],
      ['b', []],
    ]);
    for (const [name, g] of [
      ['a', a!],
      ['b', b!],
    ] as const)
      g.handle('after', (p) => {
        got.get(name)!.push(p);
      });
    const replies = await a!.fbcast('ask', null, { replies: 'all', timeoutMs: 2_000 });
    expect(replies.replies.find((r) => r.member === c.me)?.value).toBe('answer');
    // c dies before anyone holds its multicast: the flush will discard it.
    h.crash('c');
    const sent = a!.cbcast('after', 'from a');
    await sent;
    await h.net.runUntil(() => got.get('a')!.length === 1 && got.get('b')!.length === 1, { timeoutMs: 15_000 });
    expect(got.get('a')).toEqual(['from a']);
    expect(got.get('b')).toEqual(['from a']);
    expect(a!.view.members).toHaveLength(2);
    expect(checkHistory(h.recorder.events, { quiescent: true })).toEqual([]);
  });

  it("keeps the caller's own order: a multicast issued after a held one never passes it", async () => {
    const h = harness({ seed: 92 });
    const mute: { on: boolean; held: [string, Uint8Array][] } = { on: false, held: [] };
    const [a, b] = await h.form(['a', 'b']);
    const cWire = h.net.wire('c');
    await h.join('c', ['a'], { wire: muting(cWire, mute) });
    await h.settle(['a', 'b', 'c']);
    const c = h.group('c');
    // c's news leave only when the test lets them, after its reply has named them.
    c.handle('ask', () => {
      mute.on = true;
      for (let i = 0; i < 5; i++) void c.cbcast('news', i).catch(() => undefined);
      return 'answer';
    });
    const seen: string[] = [];
    b!.handle('step', (p) => {
      seen.push(p as string);
    });
    b!.handle('news', () => undefined);
    // The message that lets a's held multicasts go also runs a handler that multicasts: it
    // queues behind them (the snapshot's "OK" once passed a transfer debited before it).
    a!.handle('news', (p) => {
      if (p === 4) void a!.fbcast('step', 'from the handler');
    });
    await a!.fbcast('ask', null, { replies: 'all', timeoutMs: 2_000 });
    const steps = ['fifo', 'causal', 'total', 'fifo', 'total', 'causal'] as const;
    const issued = steps.map((order, i) => a!.multicast('step', `${i}:${order}`, { order }));
    await h.net.sleep(200);
    expect(seen).toEqual([]);
    mute.on = false;
    for (const [to, frame] of mute.held.splice(0)) cWire.send(to, frame);
    await Promise.all(issued);
    await h.net.runUntil(() => seen.length === steps.length + 1, { timeoutMs: 5_000 });
    expect(seen).toEqual([...steps.map((order, i) => `${i}:${order}`), 'from the handler']);
    await h.net.sleep(1_000);
    expect(checkHistory(h.recorder.events, { quiescent: true })).toEqual([]);
  });

  it('holds no longer than contextWaitMs: then the held multicasts go out naming only what the caller delivered', async () => {
    const h = harness({ seed: 93 });
    const mute = { on: false };
    const [a, b] = await h.form(['a', 'b'], { contextWaitMs: 1_000 });
    // c answers naming a multicast whose frames never leave it, and stays in the view (its
    // heartbeats go out): as a member that named messages it never sent would.
    await h.join('c', ['a'], { wire: muting(h.net.wire('c'), mute), contextWaitMs: 1_000 });
    await h.settle(['a', 'b', 'c']);
    const c = h.group('c');
    c.handle('ask', () => {
      mute.on = true;
      void c.cbcast('news', 'never arrives').catch(() => undefined);
      return 'answer';
    });
    const got: unknown[] = [];
    b!.handle('after', (p) => {
      got.push(p);
    });
    await a!.fbcast('ask', null, { replies: 'all', timeoutMs: 2_000 });
    const started = h.net.clock.now();
    await a!.cbcast('after', 'from a');
    expect(h.net.clock.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(a!.stats.repliedContextsTrimmed).toBe(1);
    await h.net.runUntil(() => got.length === 1, { timeoutMs: 2_000 });
    expect(got).toEqual(['from a']);
    // The next multicast is not held again.
    const next = h.net.clock.now();
    await a!.cbcast('after', 'again');
    expect(h.net.clock.now() - next).toBeLessThan(1_000);
  });
});
