import { InvalidArgumentError } from '../errors.js';
import type { GroupOptions } from '../group-options.js';
import { validateQuorumPolicy } from '../protocol/membership/quorum-policy.js';
import { DEFAULT_TIMING, type Timing } from '../protocol/timing.js';
import { CALL_TIMEOUT_MS_MAX, positiveInteger, TIMER_MS_MAX, validateDuration } from './durations.js';
import { validateAddress, validateSeeds } from './names.js';
import { describe, validateBoolean, validateFunction, validateMethods, validateOptionsObject } from './values.js';

const TIMING_KEYS = Object.fromEntries(Object.keys(DEFAULT_TIMING).map((key) => [key, true])) as Record<keyof Timing, true>;

function validateTiming(timing: unknown): void {
  const bag = validateOptionsObject(timing, 'timing', TIMING_KEYS);
  for (const [key, value] of Object.entries(bag)) {
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > TIMER_MS_MAX) {
      throw new InvalidArgumentError(
        `timing.${key} must be a positive number of milliseconds up to ${TIMER_MS_MAX}, not ${describe(value)}`,
      );
    }
  }
}

/**
 * Every option of Group.join. Adding an option to GroupOptions without adding it here fails
 * the type check (`satisfies`), so the list of known keys cannot fall behind.
 */
const JOIN_OPTION_KEYS = {
  wire: true,
  seeds: true,
  clock: true,
  random: true,
  timing: true,
  serializer: true,
  getState: true,
  setState: true,
  checkpoint: true,
  rejoin: true,
  windowMessagesMax: true,
  deliveryQueueMax: true,
  pendingMessagesMax: true,
  payloadBytesMax: true,
  membersMax: true,
  quorum: true,
  resendUnconfirmed: true,
  observer: true,
  contextWaitMs: true,
  logger: true,
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
    if (observer === null || typeof observer !== 'object')
      throw new InvalidArgumentError(`options.observer must be an object of callbacks, not ${describe(observer)}`);
    for (const [key, value] of Object.entries(observer)) validateFunction(value, `options.observer.${key}`);
  }
  return options as GroupOptions;
}
