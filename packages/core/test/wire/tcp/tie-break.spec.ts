import { describe, expect, it } from '@jest/globals';
import { keepConnection, type Contender } from '../../../src/wire/tcp/tie-break.js';

describe('tie-break', () => {
  const c = (direction: 'outbound' | 'inbound', peerInstance = 1): Contender => ({ direction, peerInstance });

  it('keeps the connection dialed by the lower address, on both ends alike', () => {
    const low = '127.0.0.1:1000';
    const high = '127.0.0.1:2000';
    // At the low end: its own dial is outbound. At the high end: the same connection is inbound.
    const lowOut = c('outbound');
    const lowIn = c('inbound');
    expect(keepConnection(lowOut, lowIn, low, high)).toBe(lowOut);
    expect(keepConnection(lowIn, lowOut, low, high)).toBe(lowOut);
    const highOut = c('outbound');
    const highIn = c('inbound');
    expect(keepConnection(highOut, highIn, high, low)).toBe(highIn);
    expect(keepConnection(highIn, highOut, high, low)).toBe(highIn);
  });

  it('prefers the newer connection when the peer restarted or redialed', () => {
    const old = c('outbound', 1);
    const restarted = c('inbound', 2);
    expect(keepConnection(old, restarted, '127.0.0.1:1', '127.0.0.1:2')).toBe(restarted);
    const first = c('inbound');
    const again = c('inbound');
    expect(keepConnection(first, again, '127.0.0.1:1', '127.0.0.1:2')).toBe(again);
  });
});
