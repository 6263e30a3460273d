/**
 * The one place where what the application hands Cohort is checked: every public entry point
 * of @cohort/core (and of @cohort/nestjs, which imports these) calls in here, and every failure
 * is an InvalidArgumentError (code INVALID_ARGUMENT) that names the argument — never a
 * TypeError from deeper down, never a bad value accepted now that fails later. One file per
 * kind of value: orders, replies, topics, names and addresses, durations, option bags.
 */
export { ORDERS, MESSAGE_ORDERS, isOrder, validateOrder, type Order, type MessageOrder } from './orders.js';
export { REPLY_QUORUM_NAMES, isReplyQuorum, validateReplies } from './replies.js';
export { TOPIC_LENGTH_MAX, RESERVED_TOPIC_PREFIX, validateTopic } from './topic.js';
export { NAME_LENGTH_MAX, isWellFormed, validateGroupName, validateAddress, validateSeeds } from './names.js';
export {
  CALL_TIMEOUT_MS_MAX,
  DEFAULT_CALL_TIMEOUT_MS,
  TIMER_MS_MAX,
  DEFAULT_CONTEXT_WAIT_MS,
  positiveInteger,
  validateTimeout,
  validateDuration,
} from './durations.js';
export { describe, codeOf, validateBoolean, validateFunction, validateOptionsObject, validateMethods } from './values.js';
export { validateMulticastOptions, type ValidMulticastOptions } from './multicast-options.js';
export { validateJoinOptions } from './join-options.js';
