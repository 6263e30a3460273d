import { describe, expect, it } from '@jest/globals';
import { SenderStream } from '../../../src/protocol/reliable/sender-stream.js';
import type { DataMessage } from '../../../src/protocol/types.js';

const message = (seq: number): DataMessage => ({ sender: 'a/1', viewId: 1, seq, topic: 't', payload: Uint8Array.of(seq & 0xff) });

function streamWith(...seqs: number[]): SenderStream {
  const stream = new SenderStream();
  for (const seq of seqs) stream.add(message(seq));
  return stream;
}

describe('SenderStream', () => {
  it('advances the contiguous mark only over a gap-free prefix', () => {
    const stream = streamWith(1, 2, 4, 5);
    expect(stream.contiguous).toBe(2);
    expect(stream.knownHigh).toBe(5);
    stream.add(message(3));
    expect(stream.contiguous).toBe(5);
  });

  it('reports a duplicate as not fresh and keeps the first copy', () => {
    const stream = new SenderStream();
    const first = message(1);
    expect(stream.add(first)).toBe(true);
    expect(stream.add({ ...message(1), topic: 'other' })).toBe(false);
    expect(stream.store.get(1)).toBe(first);
    expect(stream.store.size).toBe(1);
  });

  it('lists the seqs known to exist but not received, oldest first, up to the limit', () => {
    const stream = streamWith(1, 3, 6);
    expect(stream.missing(10)).toEqual([2, 4, 5]);
    expect(stream.missing(2)).toEqual([2, 4]);
    stream.advertise(8);
    expect(stream.missing(10)).toEqual([2, 4, 5, 7, 8]);
  });

  it('does not lower what it knows exists on an older advertisement', () => {
    const stream = streamWith(1);
    stream.advertise(5);
    stream.advertise(3);
    expect(stream.knownHigh).toBe(5);
    expect(stream.missing(10)).toEqual([2, 3, 4, 5]);
  });

  it('collects only what is both stable and delivered', () => {
    const stream = streamWith(1, 2, 3, 4);
    stream.delivered = 2;
    stream.collect(4);
    expect(stream.collected).toBe(2);
    expect([...stream.store.keys()]).toEqual([3, 4]);
    stream.delivered = 4;
    stream.collect(3);
    expect(stream.collected).toBe(3);
    expect([...stream.store.keys()]).toEqual([4]);
  });

  it('never un-collects on a lower stability mark', () => {
    const stream = streamWith(1, 2, 3);
    stream.delivered = 3;
    stream.collect(3);
    stream.collect(1);
    expect(stream.collected).toBe(3);
    expect(stream.store.size).toBe(0);
  });

  it('refuses a retransmission of a collected message instead of storing it again', () => {
    const stream = streamWith(1, 2);
    stream.delivered = 2;
    stream.collect(2);
    expect(stream.add(message(1))).toBe(false);
    expect(stream.add(message(2))).toBe(false);
    expect(stream.store.size).toBe(0);
    expect(stream.add(message(3))).toBe(true);
    expect(stream.contiguous).toBe(3);
  });
});
