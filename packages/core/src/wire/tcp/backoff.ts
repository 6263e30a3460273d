import type { Random } from '../../env/random.js';

export interface DelayRange {
  min: number;
  max: number;
}

/**
 * The wait before reconnect attempt number `failures` (1 after the first failure): bounded
 * exponential, `min * 2^(failures-1)` capped at `max`, then drawn uniformly from the upper
 * half of that ("equal jitter") so that peers cut off by the same event do not all redial in
 * the same instant, while the wait still grows.
 */
export function backoffDelay(failures: number, range: DelayRange, random: Random): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  const ceiling = Math.min(range.max, range.min * 2 ** exponent);
  return ceiling / 2 + random.next() * (ceiling / 2);
}
