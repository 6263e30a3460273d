import { describe, expect, it } from '@jest/globals';
import { seededRandom } from '../../../src/env/random.js';
import { backoffDelay } from '../../../src/wire/tcp/backoff.js';

describe('backoff', () => {
  const range = { min: 50, max: 5000 };

  it('grows exponentially, stays in the upper half of its step and is capped', () => {
    const random = seededRandom(3);
    for (let failures = 1; failures <= 40; failures++) {
      const ceiling = Math.min(range.max, range.min * 2 ** (failures - 1));
      for (let draw = 0; draw < 20; draw++) {
        const delay = backoffDelay(failures, range, random);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('takes its jitter from the injected random only', () => {
    const a = Array.from({ length: 10 }, (_, i) => backoffDelay(i + 1, range, seededRandom(9)));
    const b = Array.from({ length: 10 }, (_, i) => backoffDelay(i + 1, range, seededRandom(9)));
    expect(a).toEqual(b);
    expect(backoffDelay(1, range, { next: () => 0, int: () => 0 })).toBe(25);
    expect(backoffDelay(3, range, { next: () => 0.999_999, int: () => 0 })).toBeCloseTo(200);
  });
});
