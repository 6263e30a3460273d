import { InvalidArgumentError, validateMulticastOptions, type MulticastOptions } from '@cohort/core';
import type { Gather } from './gather.js';

const GATHERS = ['values', 'concat', 'first', 'replies'] as const;

/**
 * How one multicast travels and what its caller waits for: the core's own options (order,
 * safe, replies, timeoutMs, checked by the core's validateMulticastOptions), plus `gather`.
 */
export interface GroupCallOptions extends MulticastOptions {
  /** How a synchronous caller's result is made of the replies (see gatherReplies). */
  gather?: Gather;
}

/**
 * Throws InvalidArgumentError for options that could never be sent (the core's own checks of
 * order, safe, replies and timeoutMs, and unknown keys, plus `gather`); returns them unchanged.
 * `extraKeys`: more keys the caller checks itself (`@Multicast()`'s `topic`).
 */
export function validateCallOptions<T extends GroupCallOptions>(
  options: T,
  what: string,
  extraKeys: Readonly<Record<string, true>> = {},
): T {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new InvalidArgumentError(`${what} must be an object`);
  validateMulticastOptions(options, what, { gather: true, ...extraKeys });
  const gather = options.gather;
  if (gather !== undefined && typeof gather !== 'function' && !(GATHERS as readonly string[]).includes(gather)) {
    throw new InvalidArgumentError(`${what}.gather must be a function or one of ${GATHERS.join(', ')}`);
  }
  return options;
}

/** True when the caller waits for replies. */
export function isSynchronous(options: GroupCallOptions): boolean {
  return options.replies !== undefined && options.replies !== 'none';
}
