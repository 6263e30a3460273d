import type { MulticastOptions } from '../group-options.js';
import type { ReplyQuorum } from '../protocol/reply/quorum.js';
import { DEFAULT_CALL_TIMEOUT_MS, validateTimeout } from './durations.js';
import { validateOrder, type Order } from './orders.js';
import { validateReplies } from './replies.js';
import { validateBoolean, validateOptionsObject } from './values.js';

const MULTICAST_OPTION_KEYS = { order: true, safe: true, replies: true, timeoutMs: true } as const satisfies Record<
  keyof MulticastOptions,
  true
>;

/** Checked multicast options, defaults applied. */
export interface ValidMulticastOptions {
  readonly order: Order;
  readonly safe: boolean;
  readonly quorum: ReplyQuorum;
  readonly timeoutMs: number;
}

const ASYNC_DEFAULTS: ValidMulticastOptions = Object.freeze({
  order: 'fifo',
  safe: false,
  quorum: 'none',
  timeoutMs: DEFAULT_CALL_TIMEOUT_MS,
});

/**
 * `{ order, safe, replies, timeoutMs }` of multicast() and its shorthands: undefined or an
 * object with those keys only, each valid. `extraKeys` admits more keys a caller checks itself
 * (the Nest package's `gather`).
 */
export function validateMulticastOptions(
  options: unknown,
  name = 'options',
  extraKeys?: Readonly<Record<string, true>>,
): ValidMulticastOptions {
  if (options === undefined) return ASYNC_DEFAULTS;
  const bag = validateOptionsObject(options, name, extraKeys ? { ...MULTICAST_OPTION_KEYS, ...extraKeys } : MULTICAST_OPTION_KEYS);
  return {
    order: validateOrder(bag['order'], `${name}.order`),
    safe: validateBoolean(bag['safe'], `${name}.safe`) ?? false,
    quorum: bag['replies'] === undefined ? 'none' : validateReplies(bag['replies'], `${name}.replies`),
    timeoutMs: validateTimeout(bag['timeoutMs'], `${name}.timeoutMs`),
  };
}
