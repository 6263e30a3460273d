import { describe, expect, it } from '@jest/globals';
import { seededRandom } from '../../../src/env/random.js';
import { EventQueue } from '../../../src/wire/simulated/event-queue.js';

describe('EventQueue', () => {
  it('pops by time, then by insertion order', () => {
    const queue = new EventQueue();
    const order: string[] = [];
    queue.push(5, () => order.push('5a'));
    queue.push(1, () => order.push('1a'));
    queue.push(5, () => order.push('5b'));
    queue.push(0, () => order.push('0a'));
    queue.push(1, () => order.push('1b'));
    for (let e = queue.pop(); e !== undefined; e = queue.pop()) e.fn();
    expect(order).toEqual(['0a', '1a', '1b', '5a', '5b']);
  });

  it('skips cancelled events and keeps an accurate size', () => {
    const queue = new EventQueue();
    const a = queue.push(1, () => {});
    const b = queue.push(2, () => {});
    const c = queue.push(3, () => {});
    expect(queue.size).toBe(3);
    a.cancel();
    a.cancel();
    expect(queue.size).toBe(2);
    expect(queue.pop()).toBe(b);
    expect(b.pending).toBe(false);
    b.cancel(); // already run: no-op
    expect(queue.size).toBe(1);
    expect(queue.peek()).toBe(c);
    c.cancel();
    expect(queue.size).toBe(0);
    expect(queue.pop()).toBeUndefined();
  });

  it('clear() forgets everything', () => {
    const queue = new EventQueue();
    const a = queue.push(1, () => {});
    queue.push(2, () => {});
    queue.clear();
    expect(queue.size).toBe(0);
    expect(a.pending).toBe(false);
    expect(queue.pop()).toBeUndefined();
    queue.push(0, () => {});
    expect(queue.size).toBe(1);
  });

  it('compacts when most entries are cancelled and stays ordered', () => {
    const queue = new EventQueue();
    const random = seededRandom(7);
    const kept: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const time = random.int(1000);
      const event = queue.push(time, () => {});
      if (i % 10 === 0) kept.push(time);
      else event.cancel();
    }
    expect(queue.size).toBe(kept.length);
    const popped: number[] = [];
    for (let e = queue.pop(); e !== undefined; e = queue.pop()) popped.push(e.time);
    expect(popped).toEqual([...kept].sort((x, y) => x - y));
  });

  it('handles a million events in (time, seq) order', () => {
    const queue = new EventQueue();
    const random = seededRandom(42);
    const n = 1_000_000;
    for (let i = 0; i < n; i++) queue.push(random.int(10_000), () => {});
    expect(queue.size).toBe(n);
    let count = 0;
    let lastTime = -1;
    let lastSeq = -1;
    let ordered = true;
    for (let e = queue.pop(); e !== undefined; e = queue.pop()) {
      if (e.time < lastTime || (e.time === lastTime && e.seq < lastSeq)) ordered = false;
      lastTime = e.time;
      lastSeq = e.seq;
      count++;
    }
    expect(ordered).toBe(true);
    expect(count).toBe(n);
  }, 60_000);
});
