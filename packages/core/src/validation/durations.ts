import { InvalidArgumentError } from '../errors.js';
import { describe } from './values.js';

/** A call's timeout may not exceed a day. */
export const CALL_TIMEOUT_MS_MAX = 24 * 3600 * 1000;
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;
/** A Node timer longer than this fires at once (TimeoutOverflowWarning): no duration may exceed it. */
export const TIMER_MS_MAX = 2 ** 31 - 1;
/** How long a multicast waits, by default, for this member to deliver what its causal context names. */
export const DEFAULT_CONTEXT_WAIT_MS = 5_000;

export function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  const resolved = value ?? fallback;
  if (typeof resolved !== 'number' || !Number.isSafeInteger(resolved) || resolved < 1)
    throw new InvalidArgumentError(`${name} must be a positive integer`);
  return resolved;
}

/** A call's `timeoutMs`: an integer from 1 to CALL_TIMEOUT_MS_MAX; undefined means the default. */
export function validateTimeout(timeoutMs: unknown, name = 'timeoutMs'): number {
  if (timeoutMs === undefined) return DEFAULT_CALL_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > CALL_TIMEOUT_MS_MAX) {
    throw new InvalidArgumentError(`${name} must be an integer from 1 to ${CALL_TIMEOUT_MS_MAX}`);
  }
  return timeoutMs;
}

/** A duration in ms: an integer from `min` to TIMER_MS_MAX (or `max`). */
export function validateDuration(value: unknown, name: string, min = 1, max = TIMER_MS_MAX): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer number of milliseconds from ${min} to ${max}, not ${describe(value)}`);
  }
  return value;
}
