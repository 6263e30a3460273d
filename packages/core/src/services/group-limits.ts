import { InvalidArgumentError } from '../errors.js';
import type { GroupOptions } from '../group-options.js';
import { DEFAULT_CONTEXT_WAIT_MS, positiveInteger } from '../validation/index.js';

const DEFAULT_WINDOW_MESSAGES = 8192;
const DEFAULT_DELIVERY_QUEUE_MAX = 100_000;
const DEFAULT_PENDING_MESSAGES_MAX = 100_000;
const DEFAULT_PAYLOAD_BYTES_MAX = 4 * 1024 * 1024;
const DEFAULT_MEMBERS_MAX = 1_024;

/** The bounds a group keeps to: its options, checked, or their defaults. */
export interface GroupLimits {
  readonly windowMessagesMax: number;
  readonly deliveryQueueMax: number;
  readonly pendingMessagesMax: number;
  readonly payloadBytesMax: number;
  readonly membersMax: number;
  /** How long a multicast waits for its causal context. */
  readonly contextWaitMs: number;
  /** Past this many deliveries waiting for the handlers, this member holds its acks back. */
  readonly ackHoldMark: number;
}

/** The group's limits from its options; throws InvalidArgumentError for one out of range. */
export function resolveLimits(options: GroupOptions): GroupLimits {
  const windowMessagesMax = options.windowMessagesMax ?? DEFAULT_WINDOW_MESSAGES;
  if (!Number.isInteger(windowMessagesMax) || windowMessagesMax < 1)
    throw new InvalidArgumentError('windowMessagesMax must be a positive integer');
  const deliveryQueueMax = options.deliveryQueueMax ?? DEFAULT_DELIVERY_QUEUE_MAX;
  if (!Number.isInteger(deliveryQueueMax) || deliveryQueueMax < 1)
    throw new InvalidArgumentError('deliveryQueueMax must be a positive integer');
  return {
    windowMessagesMax,
    deliveryQueueMax,
    pendingMessagesMax: positiveInteger(options.pendingMessagesMax, DEFAULT_PENDING_MESSAGES_MAX, 'pendingMessagesMax'),
    payloadBytesMax: positiveInteger(options.payloadBytesMax, DEFAULT_PAYLOAD_BYTES_MAX, 'payloadBytesMax'),
    membersMax: positiveInteger(options.membersMax, DEFAULT_MEMBERS_MAX, 'membersMax'),
    contextWaitMs: options.contextWaitMs ?? DEFAULT_CONTEXT_WAIT_MS,
    ackHoldMark: Math.max(1, Math.min(Math.floor(deliveryQueueMax / 2), windowMessagesMax)),
  };
}
