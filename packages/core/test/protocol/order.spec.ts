import { checkHistory } from '../../src/testing/checker/history-checker.js';
import { closeAll, harness } from '../support/sim-group.js';

afterEach(closeAll);

const slow = { delayMs: { min: 80, max: 80 } };

/** a sends x and b sends y at once; a's link to d and b's link to c are slow. */
async function concurrentPair(order: 'causal' | 'total', seed: number): Promise<{ c: string[]; d: string[] }> {
  const h = harness({ seed });
  const [a, b, c, d] = await h.form(['a', 'b', 'c', 'd']);
  const seen = { c: [] as string[], d: [] as string[] };
  c!.handle('e', (x) => {
    seen.c.push(x as string);
  });
  d!.handle('e', (x) => {
    seen.d.push(x as string);
  });
  h.net.setLink('a', 'd', slow);
  h.net.setLink('b', 'c', slow);
  await Promise.all([a!.multicast('e', 'x', { order }), b!.multicast('e', 'y', { order })]);
  await h.net.sleep(400);
  expect(checkHistory(h.recorder.events)).toEqual([]);
  return seen;
}

describe('causal order (cbcast)', () => {
  it("the lecture's example: b arrives at t before a, t holds b, then delivers a and b", async () => {
    const h = harness({ seed: 21 });
    const [p, s, t] = await h.form(['p', 's', 't']);
    const atT: string[] = [];
    const atS: string[] = [];
    t!.handle('e', (x) => {
      atT.push(x as string);
    });
    s!.handle('e', async (x) => {
      atS.push(x as string);
      // s saw a, then sends b: a → b although a leaves p and b leaves s.
      if (x === 'a') await s!.cbcast('e', 'b');
    });
    h.net.setLink('p', 't', slow);
    await p!.cbcast('e', 'a');
    await h.net.sleep(20);
    // b has reached t, a has not: t holds b back.
    expect(atS).toEqual(['a', 'b']);
    expect(atT).toEqual([]);
    await h.net.sleep(100);
    expect(atT).toEqual(['a', 'b']);
    expect(checkHistory(h.recorder.events)).toEqual([]);
  });

  it('lets concurrent cbcasts arrive in different orders at different members', async () => {
    const seen = await concurrentPair('causal', 22);
    expect(seen.c).toEqual(['x', 'y']);
    expect(seen.d).toEqual(['y', 'x']);
  });
});

describe('total order (abcast)', () => {
  it('delivers the same concurrent messages in one agreed order everywhere', async () => {
    const seen = await concurrentPair('total', 23);
    expect(seen.c).toHaveLength(2);
    expect(seen.d).toEqual(seen.c);
  });

  it('keeps one order through a storm of abcasts from every member and a sequencer crash', async () => {
    const h = harness({ seed: 24, loss: 0.05, reorder: 0.1 });
    const groups = await h.form(['a', 'b', 'c', 'd', 'e']);
    for (let i = 0; i < 200; i++) {
      // A crashed process sends nothing more.
      if (!(i > 120 && i % 5 === 0)) void groups[i % 5]!.abcast('e', `${i}`);
      if (i === 120) h.crash('a');
      if (i % 10 === 0) await h.net.sleep(2);
    }
    await h.net.sleep(3_000);
    expect(checkHistory(h.recorder.events, { quiescent: true })).toEqual([]);
  }, 30_000);
});

describe('safe delivery', () => {
  it('delivers a safe message only once every member holds it', async () => {
    const h = harness({ seed: 25 });
    const [a, b, , d] = await h.form(['a', 'b', 'c', 'd']);
    const atB: unknown[] = [];
    const atD: unknown[] = [];
    b!.handle('e', (x) => {
      atB.push(x);
    });
    d!.handle('e', (x) => {
      atD.push(x);
    });
    h.net.setLink('a', 'd', { delayMs: { min: 150, max: 150 } });
    await a!.fbcast('e', 'm', { safe: true });
    await h.net.sleep(100);
    expect(atB).toEqual([]);
    await h.net.sleep(400);
    expect(atD).toEqual(['m']);
    expect(atB).toEqual(['m']);
    expect(checkHistory(h.recorder.events)).toEqual([]);
  });
});

describe('a 32-member causal run', () => {
  it('holds causal order with 32 members exchanging cbcasts over a lossy, reordering network', async () => {
    const h = harness({ seed: 26, loss: 0.02, reorder: 0.2 });
    const names = Array.from({ length: 32 }, (_, i) => `m${String(i).padStart(2, '0')}`);
    const groups = await h.form(names, { timing: { joinTimeoutMs: 20_000 } });
    groups.forEach((g, i) =>
      g.handle('e', async (x) => {
        // Every tenth delivery causes a reply: causal chains across senders.
        if ((x as number) % 10 === i % 10 && (x as number) < 300) await g.cbcast('e', (x as number) + 1000);
      }),
    );
    for (let i = 0; i < 300; i++) {
      void groups[i % 32]!.cbcast('e', i);
      if (i % 16 === 0) await h.net.sleep(1);
    }
    await h.net.sleep(3_000);
    expect(checkHistory(h.recorder.events, { quiescent: true })).toEqual([]);
  }, 120_000);
});

describe('group order (gbcast)', () => {
  it("delivers a gbcast at the same point of every member's delivery sequence, amid other traffic", async () => {
    const h = harness({ seed: 27, loss: 0.05, reorder: 0.2 });
    const groups = await h.form(['a', 'b', 'c', 'd']);
    const logs = groups.map(() => [] as string[]);
    groups.forEach((g, i) =>
      g.handle('e', (x) => {
        logs[i]!.push(x as string);
      }),
    );
    for (let i = 0; i < 60; i++) {
      void groups[i % 4]!.multicast('e', `m${i}`, { order: (['fifo', 'causal', 'total'] as const)[i % 3] });
      if (i === 30) void groups[1]!.gbcast('e', 'rotate-key');
      if (i % 5 === 0) await h.net.sleep(1);
    }
    await h.net.sleep(2_000);
    for (const log of logs) expect(log).toContain('rotate-key');
    const before = logs.map((log) => new Set(log.slice(0, log.indexOf('rotate-key'))));
    for (const set of before.slice(1)) expect([...set].sort()).toEqual([...before[0]!].sort());
    expect(checkHistory(h.recorder.events, { quiescent: true })).toEqual([]);
  }, 30_000);
});

describe('orphans', () => {
  it('discards, at every survivor, a cbcast whose causal predecessor was lost in a crash', async () => {
    const h = harness({ seed: 28 });
    const [a, b, c, d, e] = await h.form(['a', 'b', 'c', 'd', 'e']);
    const seen = new Map<string, unknown[]>();
    for (const [name, g] of [
      ['c', c],
      ['d', d],
      ['e', e],
    ] as const) {
      seen.set(name, []);
      g!.handle('e', (x) => {
        seen.get(name)!.push(x);
      });
    }
    // m1 reaches b only; b delivers it and sends m2, which depends on it; then a and b crash.
    for (const to of ['c', 'd', 'e']) h.net.setLink('a', to, { loss: 1 });
    b!.handle('e', async (x) => {
      if (x === 'm1') await b!.cbcast('e', 'm2');
    });
    await a!.cbcast('e', 'm1');
    await h.net.sleep(10);
    h.crash('a');
    h.crash('b');
    await h.net.runUntil(() => c!.view.members.length === 3, { timeoutMs: 5_000 });
    await h.net.sleep(200);
    // m2 reached c, d and e, but m1 is lost: m2 is an orphan, discarded by all.
    for (const list of seen.values()) expect(list).toEqual([]);
    for (const g of [c, d, e]) expect(g!.stats.orphansDiscarded).toBe(1);
    expect(checkHistory(h.recorder.events, { quiescent: true })).toEqual([]);
  });
});
