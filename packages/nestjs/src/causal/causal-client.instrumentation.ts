import type { ClientProxy } from '@nestjs/microservices';
import { defer, map, type Observable } from 'rxjs';
import { CAUSAL_CONTEXT_HEADER } from '../constants.js';
import { isCausalReplyEnvelope, unwrapCausalReply } from './causal-envelope.js';
import { currentCausalCell, currentCausalContext } from './causal-scope.js';
import { chainDispatchHook } from './client-dispatch-hook.js';

const INSTRUMENTED = Symbol('cohort:causal-client');

/**
 * Makes a Nest ClientProxy (TCP, Redis, NATS ... any transport that carries packet
 * metadata) carry the caller's causal context and take the callee's back:
 * - the dispatch hook (chained after any hook already set, OpenTelemetry's for one) puts the
 *   caller's context in `packet.metadata['x-cohort-context']`;
 * - each response of `send()` is unwrapped from CausalInterceptor's envelope, and the callee's
 *   context is merged into the caller's cell (the one current when the call was subscribed).
 *   Nest has no hook on the response path, so the client's public `send()` is wrapped (an own
 *   property of this instance), rather than its protected `createObserver` patched.
 * Idempotent. CausalModule applies it to every ClientProxy provider; call it yourself for
 * clients you create by hand.
 */
export function instrumentClientProxy(client: ClientProxy): ClientProxy {
  if (!chainDispatchHook(client, INSTRUMENTED, (metadata) => ({ ...metadata, [CAUSAL_CONTEXT_HEADER]: currentCausalContext().encode() })))
    return client;

  const send = client.send.bind(client) as (pattern: unknown, data: unknown) => Observable<unknown>;
  const sendUnwrapping = (pattern: unknown, data: unknown): Observable<unknown> =>
    defer(() => {
      const cell = currentCausalCell();
      return send(pattern, data).pipe(
        map((response) => {
          if (!isCausalReplyEnvelope(response)) return response;
          const { value, context } = unwrapCausalReply(response);
          cell?.absorb(context);
          return value;
        }),
      );
    });
  Object.defineProperty(client, 'send', { value: sendUnwrapping, writable: true, configurable: true });
  return client;
}
