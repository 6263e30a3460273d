import { describe, expect, it } from '@jest/globals';
import { SEQ_RING_SLOTS_MAX, SeqStore } from '../../../src/protocol/reliable/seq-store.js';

describe('SeqStore', () => {
  it('holds values by seq, grows past its first capacity and keeps them in seq order', () => {
    const store = new SeqStore<string>(4);
    for (const seq of [3, 1, 2, 9, 40]) store.set(seq, `m${seq}`);
    expect(store.size).toBe(5);
    expect(store.get(9)).toBe('m9');
    expect(store.has(4)).toBe(false);
    expect(store.get(41)).toBeUndefined();
    expect([...store.keys()]).toEqual([1, 2, 3, 9, 40]);
    expect([...store.values()]).toEqual(['m1', 'm2', 'm3', 'm9', 'm40']);
  });

  it('drops through a seq for good: gets nothing below it and refuses to set it again', () => {
    const store = new SeqStore<number>(4);
    for (let seq = 1; seq <= 10; seq++) store.set(seq, seq);
    store.dropThrough(6);
    expect(store.size).toBe(4);
    expect(store.get(6)).toBeUndefined();
    expect(store.get(7)).toBe(7);
    expect(() => store.set(5, 5)).toThrow(RangeError);
    store.dropThrough(100);
    expect(store.size).toBe(0);
    store.set(101, 101);
    expect([...store.keys()]).toEqual([101]);
  });

  it('reuses its slots as the low mark moves, without growing', () => {
    const store = new SeqStore<number>(8);
    for (let seq = 1; seq <= 10_000; seq++) {
      store.set(seq, seq);
      if (seq > 4) store.dropThrough(seq - 4);
    }
    expect([...store.keys()]).toEqual([9_997, 9_998, 9_999, 10_000]);
    expect(store.get(9_999)).toBe(9_999);
  });

  it('keeps a seq far ahead in its overflow until the low mark catches up with it', () => {
    const store = new SeqStore<number>(4);
    const far = SEQ_RING_SLOTS_MAX + 10;
    store.set(1, 1);
    store.set(far, far);
    store.set(far - 20, far - 20);
    expect(store.size).toBe(3);
    expect(store.get(far)).toBe(far);
    expect([...store.keys()]).toEqual([1, far - 20, far]);
    store.dropThrough(far - 21);
    expect(store.size).toBe(2);
    expect(store.get(far - 20)).toBe(far - 20);
    expect(store.get(far)).toBe(far);
    store.set(far + 1, far + 1);
    expect([...store.values()]).toEqual([far - 20, far, far + 1]);
    store.dropThrough(far);
    expect([...store.keys()]).toEqual([far + 1]);
  });

  it('works past 31-bit seqs (a long view)', () => {
    const store = new SeqStore<number>(4);
    const base = 2 ** 31 - 3;
    store.dropThrough(base - 1);
    for (let seq = base; seq < base + 8; seq++) store.set(seq, seq);
    expect([...store.keys()]).toEqual(Array.from({ length: 8 }, (_, i) => base + i));
    store.dropThrough(base + 4);
    expect([...store.values()]).toEqual([base + 5, base + 6, base + 7]);
  });
});
