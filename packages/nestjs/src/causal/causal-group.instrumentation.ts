import type { Group, MulticastOptions, Replies } from '@cohort/core';
import { sendInCausalContext } from './causal-scope.js';

const INSTRUMENTED = Symbol('cohort:causal-group');

/**
 * Makes the member's own `multicast` (and so fbcast, cbcast, abcast, gbcast) follow the
 * current unit of work's context, replies of earlier calls included, and teach that work what
 * it sent. Without it a direct `group.cbcast()` in a handler follows only the context the
 * request came in with. Idempotent; applied by CausalModule to every Group provider.
 */
export function instrumentGroup(group: Group): Group {
  const target = group as Group & { [INSTRUMENTED]?: true };
  if (target[INSTRUMENTED]) return group;
  Object.defineProperty(target, INSTRUMENTED, { value: true });
  const multicast = group.multicast.bind(group) as (topic: string, payload: unknown, options?: MulticastOptions) => Promise<void | Replies>;
  const instrumented = (topic: string, payload: unknown, options?: MulticastOptions): Promise<void | Replies> =>
    sendInCausalContext(
      () => multicast(topic, payload, options),
      (result) => (result ? group.context().merge(result.context) : group.context()),
    );
  Object.defineProperty(target, 'multicast', { value: instrumented, writable: true, configurable: true });
  return group;
}
