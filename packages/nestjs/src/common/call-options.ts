import { InvalidArgumentError, type Order, type ReplyQuorum } from '@cohort/core';
import type { Gather } from './gather.js';

const ORDERS: readonly Order[] = ['fifo', 'causal', 'total', 'group'];
const GATHERS = ['values', 'concat', 'first', 'replies'] as const;

/** How one multicast travels and what its caller waits for. */
export interface GroupCallOptions {
  /** Delivery order: 'fifo' (default), 'causal', 'total' or 'group'. */
  order?: Order;
  /** Delivered only once every member of the view holds it. */
  safe?: boolean;
  /** 'none' (asynchronous), a number k, 'first', 'majority' or 'all'. */
  replies?: ReplyQuorum;
  /** A synchronous call ends after this long with whoever answered (core default 10,000 ms). */
  timeoutMs?: number;
  /** How a synchronous caller's result is made of the replies (see gatherReplies). */
  gather?: Gather;
}

/** Throws InvalidArgumentError for options that could never be sent; returns them unchanged. */
export function validateCallOptions<T extends GroupCallOptions>(options: T, what: string): T {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError(`${what} must be an object`);
  if (options.order !== undefined && !ORDERS.includes(options.order)) {
    throw new InvalidArgumentError(`${what}.order must be one of ${ORDERS.join(', ')}`);
  }
  if (options.safe !== undefined && typeof options.safe !== 'boolean') throw new InvalidArgumentError(`${what}.safe must be a boolean`);
  const replies = options.replies;
  if (replies !== undefined && !['none', 'first', 'majority', 'all'].includes(replies as string)
    && !(typeof replies === 'number' && Number.isInteger(replies) && replies >= 1)) {
    throw new InvalidArgumentError(`${what}.replies must be 'none', 'first', 'majority', 'all' or a positive integer`);
  }
  if (options.timeoutMs !== undefined && !(Number.isInteger(options.timeoutMs) && options.timeoutMs > 0)) {
    throw new InvalidArgumentError(`${what}.timeoutMs must be a positive integer (milliseconds)`);
  }
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
