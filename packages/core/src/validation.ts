import { InvalidArgumentError } from './errors.js';
import type { GroupOptions, MulticastOptions, Order } from './group-options.js';
import { validateQuorumPolicy } from './protocol/membership/quorum-policy.js';
import { validateQuorum, type ReplyQuorum } from './protocol/reply/quorum.js';
import { DEFAULT_TIMING, type Timing } from './protocol/timing.js';

/**
 * The one place where what the application hands Cohort is checked: every public entry point
 * of @cohort/core (and of @cohort/nestjs, which imports these) calls in here, and every failure
 * is an InvalidArgumentError (code INVALID_ARGUMENT) that names the argument — never a
 * TypeError from deeper down, never a bad value accepted now that fails later.
 */

export const TOPIC_LENGTH_MAX = 255;
/** Group names, addresses and topics travel in every frame: at most this many characters. */
export const NAME_LENGTH_MAX = 255;
/** Topics Cohort's own protocols use (snapshot, key rotation); applications cannot. */
export const RESERVED_TOPIC_PREFIX = 'cohort:';
export const CALL_TIMEOUT_MS_MAX = 24 * 3600 * 1000;
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;
/** A Node timer longer than this fires at once (TimeoutOverflowWarning): no duration may exceed it. */
export const TIMER_MS_MAX = 2 ** 31 - 1;
/** How long a multicast waits, by default, for this member to deliver what its causal context names. */
export const DEFAULT_CONTEXT_WAIT_MS = 5_000;

/** The delivery orders, in one list (the Nest package uses it too). */
export const ORDERS: readonly Order[] = Object.freeze(['fifo', 'causal', 'total', 'group'] as const);

export function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  const resolved = value ?? fallback;
  if (typeof resolved !== 'number' || !Number.isSafeInteger(resolved) || resolved < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return resolved;
}

export function codeOf(error: Error): { code?: string } {
  const code: unknown = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' ? { code } : {};
}

export function validateTimeout(timeoutMs: unknown, name = 'timeoutMs'): number {
  if (timeoutMs === undefined) return DEFAULT_CALL_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > CALL_TIMEOUT_MS_MAX) {
    throw new InvalidArgumentError(`${name} must be an integer from 1 to ${CALL_TIMEOUT_MS_MAX}`);
  }
  return timeoutMs;
}

/** No lone surrogate: a string that survives UTF-8 as itself (String#isWellFormed is ES2024). */
export function isWellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

export function validateTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string' || topic.length === 0 || topic.length > TOPIC_LENGTH_MAX) {
    throw new InvalidArgumentError('topic must be a non-empty string of at most 255 characters');
  }
  if (!isWellFormed(topic)) throw new InvalidArgumentError('topic must be well-formed Unicode (no lone surrogates)');
  if (topic.startsWith(RESERVED_TOPIC_PREFIX)) throw new InvalidArgumentError(`topics starting with "${RESERVED_TOPIC_PREFIX}" are Cohort's own`);
}

export function validateGroupName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > NAME_LENGTH_MAX || !isWellFormed(name)) {
    throw new InvalidArgumentError('group name must be a non-empty, well-formed string of at most 255 characters');
  }
}

/** Whitespace, C0/C1 controls, DEL, and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex
const BAD_ADDRESS_CHARACTER = /[\s\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * A transport address: a non-empty, well-formed string of at most 255 characters with no
 * whitespace or control character. Its shape beyond that is the wire's business ("host:port"
 * for TCP; any such string on the simulated network).
 */
export function validateAddress(address: unknown, name = 'address'): asserts address is string {
  if (typeof address !== 'string' || address.length === 0 || address.length > NAME_LENGTH_MAX) {
    throw new InvalidArgumentError(`${name} must be a non-empty string of at most ${NAME_LENGTH_MAX} characters, not ${describe(address)}`);
  }
  if (BAD_ADDRESS_CHARACTER.test(address) || !isWellFormed(address)) {
    throw new InvalidArgumentError(`${name} ${JSON.stringify(address)} contains whitespace, a control character or a lone surrogate`);
  }
}

/** `seeds`: an array of addresses (`'host:port'` on TCP). */
export function validateSeeds(seeds: unknown): readonly string[] {
  if (seeds === undefined) return [];
  if (!Array.isArray(seeds)) throw new InvalidArgumentError(`seeds must be an array of addresses (e.g. ['10.0.0.1:7000']), not ${describe(seeds)}`);
  seeds.forEach((seed: unknown, index) => validateAddress(seed, `seeds[${index}]`));
  return seeds as string[];
}

export function validateBoolean(value: unknown, name: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw new InvalidArgumentError(`${name} must be true or false, not ${describe(value)}`);
  return value;
}

export function validateFunction(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'function') throw new InvalidArgumentError(`${name} must be a function, not ${describe(value)}`);
}

/** An options bag: undefined (no options) or a plain object whose keys are all known. */
export function validateOptionsObject(value: unknown, name: string, known: Readonly<Record<string, true>>): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidArgumentError(`${name} must be an object, not ${describe(value)}`);
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(known, key)) {
      throw new InvalidArgumentError(`${name} has no option "${key}" (known: ${Object.keys(known).join(', ')})`);
    }
  }
  return value as Record<string, unknown>;
}

export function validateOrder(order: unknown, name = 'order'): Order {
  if (order === undefined) return 'fifo';
  if (typeof order !== 'string' || !(ORDERS as readonly string[]).includes(order)) {
    throw new InvalidArgumentError(`${name} "${String(order)}" is not one of ${ORDERS.join(', ')}`);
  }
  return order as Order;
}

const MULTICAST_OPTION_KEYS = { order: true, safe: true, replies: true, timeoutMs: true } as const satisfies Record<keyof MulticastOptions, true>;

/** Checked multicast options, defaults applied. */
export interface ValidMulticastOptions {
  readonly order: Order;
  readonly safe: boolean;
  readonly quorum: ReplyQuorum;
  readonly timeoutMs: number;
}

const ASYNC_DEFAULTS: ValidMulticastOptions = Object.freeze({ order: 'fifo', safe: false, quorum: 'none', timeoutMs: DEFAULT_CALL_TIMEOUT_MS });

/**
 * `{ order, safe, replies, timeoutMs }` of multicast() and its shorthands: undefined or an
 * object with those keys only, each valid. `extraKeys` admits more keys a caller checks itself
 * (the Nest package's `gather`).
 */
export function validateMulticastOptions(options: unknown, name = 'options', extraKeys?: Readonly<Record<string, true>>): ValidMulticastOptions {
  if (options === undefined) return ASYNC_DEFAULTS;
  const bag = validateOptionsObject(options, name, extraKeys ? { ...MULTICAST_OPTION_KEYS, ...extraKeys } : MULTICAST_OPTION_KEYS);
  return {
    order: validateOrder(bag['order'], `${name}.order`),
    safe: validateBoolean(bag['safe'], `${name}.safe`) ?? false,
    quorum: bag['replies'] === undefined ? 'none' : validateQuorumNamed(bag['replies'], `${name}.replies`),
    timeoutMs: validateTimeout(bag['timeoutMs'], `${name}.timeoutMs`),
  };
}

function validateQuorumNamed(replies: unknown, name: string): ReplyQuorum {
  try {
    return validateQuorum(replies);
  } catch {
    throw new InvalidArgumentError(`${name} must be 'none', 'first', 'majority', 'all' or a positive integer, not ${describe(replies)}`);
  }
}

/** A duration in ms: an integer from `min` to TIMER_MS_MAX (or `max`). */
export function validateDuration(value: unknown, name: string, min = 1, max = TIMER_MS_MAX): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer number of milliseconds from ${min} to ${max}, not ${describe(value)}`);
  }
  return value;
}

const TIMING_KEYS = Object.fromEntries(Object.keys(DEFAULT_TIMING).map((key) => [key, true])) as Record<keyof Timing, true>;

function validateTiming(timing: unknown): void {
  const bag = validateOptionsObject(timing, 'timing', TIMING_KEYS);
  for (const [key, value] of Object.entries(bag)) {
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > TIMER_MS_MAX) {
      throw new InvalidArgumentError(`timing.${key} must be a positive number of milliseconds up to ${TIMER_MS_MAX}, not ${describe(value)}`);
    }
  }
}

function validateMethods(value: unknown, name: string, methods: readonly string[], optional: readonly string[] = []): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object') throw new InvalidArgumentError(`${name} must be an object with ${methods.join(', ')}, not ${describe(value)}`);
  const record = value as Record<string, unknown>;
  for (const method of methods) {
    if (typeof record[method] !== 'function') throw new InvalidArgumentError(`${name}.${method} must be a function`);
  }
  for (const method of optional) validateFunction(record[method], `${name}.${method}`);
}

/**
 * Every option of Group.join. Adding an option to GroupOptions without adding it here fails
 * the type check (`satisfies`), so the list of known keys cannot fall behind.
 */
const JOIN_OPTION_KEYS = {
  wire: true, seeds: true, clock: true, random: true, timing: true, serializer: true, getState: true, setState: true,
  checkpoint: true, rejoin: true, windowMessagesMax: true, deliveryQueueMax: true, pendingMessagesMax: true,
  payloadBytesMax: true, membersMax: true, quorum: true, resendUnconfirmed: true, observer: true, contextWaitMs: true, logger: true,
} as const satisfies Record<keyof GroupOptions, true>;

/** Group.join's options, all of them; throws InvalidArgumentError naming the first bad one. */
export function validateJoinOptions(options: unknown): GroupOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError(`Group.join options must be an object with at least { wire }, not ${describe(options)}`);
  }
  const bag = validateOptionsObject(options, 'options', JOIN_OPTION_KEYS);
  if (bag['wire'] === undefined) throw new InvalidArgumentError('options.wire is required');
  validateMethods(bag['wire'], 'options.wire', ['send', 'onFrame', 'close'], ['onPeerDown', 'useLogger']);
  validateAddress((bag['wire'] as { address?: unknown }).address, 'options.wire.address');
  validateSeeds(bag['seeds']);
  validateMethods(bag['clock'], 'options.clock', ['now', 'setTimer', 'defer']);
  validateMethods(bag['random'], 'options.random', ['next', 'int']);
  validateTiming(bag['timing']);
  validateMethods(bag['serializer'], 'options.serializer', ['encode', 'decode']);
  for (const key of ['getState', 'setState', 'checkpoint'] as const) validateFunction(bag[key], `options.${key}`);
  for (const key of ['rejoin', 'resendUnconfirmed'] as const) validateBoolean(bag[key], `options.${key}`);
  for (const key of ['windowMessagesMax', 'deliveryQueueMax', 'pendingMessagesMax', 'payloadBytesMax', 'membersMax'] as const) {
    if (bag[key] !== undefined) positiveInteger(bag[key] as number, 1, `options.${key}`);
  }
  validateQuorumPolicy(bag['quorum']);
  validateDuration(bag['contextWaitMs'], 'options.contextWaitMs', 0, CALL_TIMEOUT_MS_MAX);
  // Nest's Logger and console fit: their methods may live on the prototype.
  validateMethods(bag['logger'], 'options.logger', ['log', 'warn', 'error'], ['debug']);
  const observer = bag['observer'];
  if (observer !== undefined) {
    if (observer === null || typeof observer !== 'object') throw new InvalidArgumentError(`options.observer must be an object of callbacks, not ${describe(observer)}`);
    for (const [key, value] of Object.entries(observer)) validateFunction(value, `options.observer.${key}`);
  }
  return options as GroupOptions;
}

/** A short, safe description of a bad value for an error message. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string': return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
    case 'number': case 'boolean': case 'bigint': return String(value);
    case 'undefined': return 'undefined';
    case 'function': return 'a function';
    case 'symbol': return 'a symbol';
    default: return 'an object';
  }
}
