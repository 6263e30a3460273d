import 'reflect-metadata';
import { InvalidArgumentError, validateTopic } from '@cohort/core';
import { MULTICAST_METADATA } from '../constants.js';
import { validateCallOptions, type GroupCallOptions } from '../common/call-options.js';

export interface MulticastOptions extends GroupCallOptions {
  /** The topic the call travels on; default `ClassName.methodName`. */
  topic?: string;
}

/**
 * On a provider method: calling it multicasts the call (its arguments, as JSON) to the group,
 * and every member (the caller too) runs the method's body on delivery, in the chosen order.
 * The caller's promise resolves once the message is sent (`replies` absent or 'none'), or
 * with the gathered replies (`replies` 'first' | 'majority' | 'all' | k; see `gather`).
 * Only writes metadata; GroupModule's explorer does the rest.
 */
export function Multicast(options: MulticastOptions = {}): MethodDecorator {
  validateCallOptions(options, '@Multicast() options', { topic: true });
  // The core's own rule (length, well-formed, not the reserved "cohort:" prefix), at
  // decoration time rather than at the first call.
  if (options.topic !== undefined) {
    try {
      validateTopic(options.topic);
    } catch (error) {
      throw new InvalidArgumentError(`@Multicast() ${(error as Error).message}`);
    }
  }
  return (target, propertyKey, descriptor) => {
    if (typeof descriptor.value !== 'function') throw new InvalidArgumentError('@Multicast() decorates methods only');
    Reflect.defineMetadata(MULTICAST_METADATA, { ...options }, target, propertyKey);
  };
}

/** The metadata @Multicast() wrote on `prototype[method]`, if any. */
export function getMulticastMetadata(prototype: object, method: string | symbol): MulticastOptions | undefined {
  return Reflect.getMetadata(MULTICAST_METADATA, prototype, method) as MulticastOptions | undefined;
}
