import { seededRandom } from '../../../src/env/random.js';
import { HistoryContext, MessageSet } from '../../../src/testing/checker/context.js';

describe('MessageSet', () => {
  it('agrees with a Set over random adds, growing both ways', () => {
    const random = seededRandom(42);
    const set = new MessageSet();
    const reference = new Set<number>();
    // Start high so the set must grow downwards as well as upwards.
    for (let i = 0; i < 5000; i++) {
      const n = i < 10 ? 50_000 + random.int(100) : random.int(100_000);
      set.add(n);
      reference.add(n);
    }
    const disagreements: number[] = [];
    for (let n = 0; n < 100_100; n++) if (set.has(n) !== reference.has(n)) disagreements.push(n);
    expect(disagreements).toEqual([]);
    expect(set.has(-1)).toBe(false);
  });

  it('is empty at first', () => {
    const set = new MessageSet();
    expect(set.has(0)).toBe(false);
    expect(set.has(31)).toBe(false);
  });
});

describe('HistoryContext', () => {
  it('numbers messages densely and remembers their first send', () => {
    const ctx = new HistoryContext([]);
    const a = ctx.member('a/1');
    const x = ctx.message('x');
    const y = ctx.message('y');
    expect([x, y, ctx.message('x')]).toEqual([0, 1, 0]);
    for (let i = 0; i < 3000; i++) ctx.message(`m${i}`);
    ctx.index = 7;
    ctx.applySend({ kind: 'send', member: 'a/1', id: 'y', viewId: 1, payload: '' }, y, a);
    expect(ctx.seq[y]).toBe(0);
    expect(ctx.sendIndex[y]).toBe(7);
    expect(ctx.senderNumber[y]).toBe(a.index);
    expect(ctx.seq[x]).toBe(-1);
    expect(ctx.seq[ctx.message('m2999')]).toBe(-1);
  });
});
