import { InvalidArgumentError, type Group, type Replies } from '@cohort/core';
import { sendInCausalContext } from '../causal/causal-scope.js';
import { isSynchronous } from '../common/call-options.js';
import { defaultGather, gatherReplies } from '../common/gather.js';
import { deliveryHoldsOf, type GroupDispatcher } from '../transport/group-dispatcher.js';
import type { MulticastMethod } from './group-metadata.scanner.js';

const BOUND = Symbol('cohort:multicast-bound');

/**
 * Makes `instance[method]` a multicast: every member (the caller too) runs the original body
 * on delivery; the caller's promise resolves once sent, or with the gathered replies.
 */
export function bindMulticastMethod(group: Group, dispatcher: GroupDispatcher, binding: MulticastMethod): void {
  const { instance, method, topic, options, memberIndex } = binding;
  const current = instance[method] as ((...args: unknown[]) => unknown) & { [BOUND]?: true };
  if (typeof current !== 'function') throw new InvalidArgumentError(`${topic}: not a method`);
  if (current[BOUND]) return;
  const original = current;

  dispatcher.route(topic, (payload, delivery) => {
    const args = Array.isArray(payload) ? [...payload] : [];
    if (memberIndex !== undefined) {
      while (args.length < memberIndex) args.push(undefined);
      args.splice(memberIndex, 0, delivery);
    }
    return original.apply(instance, args);
  });

  const sync = isSynchronous(options);
  const send = {
    ...(options.order !== undefined ? { order: options.order } : {}),
    ...(options.safe !== undefined ? { safe: options.safe } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  };
  const gather = options.gather ?? defaultGather(options.replies);
  const multicast = async (...args: unknown[]): Promise<unknown> => {
    const payload = argumentsToSend(args, memberIndex);
    if (!sync) {
      await sendInCausalContext(
        () => group.multicast(topic, payload, send),
        () => group.context(),
      );
      return undefined;
    }
    const replies = await sendInCausalContext(
      () => group.multicast(topic, payload, { ...send, replies: options.replies! }) as Promise<Replies>,
      (result) => group.context().merge(result.context),
    );
    // A missed quorum says why when this member's own delivery of the call was held.
    return gatherReplies(replies, gather, { heldBy: deliveryHoldsOf(group) });
  };
  Object.defineProperty(multicast, BOUND, { value: true });
  Object.defineProperty(multicast, 'name', { value: method });
  Object.defineProperty(instance, method, { value: multicast, writable: true, configurable: true, enumerable: false });
}

/** The arguments that travel: without the @GroupMember() slot, trailing undefineds dropped (JSON has none). */
function argumentsToSend(args: unknown[], memberIndex: number | undefined): unknown[] {
  const out = memberIndex === undefined ? [...args] : args.filter((_, index) => index !== memberIndex);
  while (out.length > 0 && out[out.length - 1] === undefined) out.pop();
  return out;
}
