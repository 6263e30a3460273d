import type { ClientProxy, ReadPacket, WritePacket } from '@nestjs/microservices';
import type { Observer } from 'rxjs';
import { CAUSAL_CONTEXT_HEADER } from '../constants.js';
import { isCausalReplyEnvelope, unwrapCausalReply } from './causal-envelope.js';
import { currentCausalCell, currentCausalContext } from './causal-scope.js';

const INSTRUMENTED = Symbol('cohort:causal-client');

/** The protected parts of ClientProxy this instrumentation touches. */
interface ClientInternals {
  onDispatchHook?: (packet: ReadPacket) => void;
  createObserver<T>(observer: Observer<T>): (packet: WritePacket) => void;
  [INSTRUMENTED]?: true;
}

/**
 * Makes a Nest ClientProxy (TCP, Redis, NATS ... any transport that carries packet
 * metadata) carry the caller's causal context and take the callee's back:
 * - the dispatch hook (chained after any hook already set, OpenTelemetry's for one) puts the
 *   caller's context in `packet.metadata['x-cohort-context']`;
 * - each response is unwrapped from CausalInterceptor's envelope, and the callee's context is
 *   merged into the caller's cell (the one current when the call was subscribed).
 * Idempotent. CausalModule applies it to every ClientProxy provider; call it yourself for
 * clients you create by hand.
 */
export function instrumentClientProxy(client: ClientProxy): ClientProxy {
  const internals = client as unknown as ClientInternals;
  if (internals[INSTRUMENTED]) return client;
  Object.defineProperty(internals, INSTRUMENTED, { value: true });

  const previous = internals.onDispatchHook;
  client.setOnDispatchHook((packet) => {
    previous?.call(client, packet);
    packet.metadata = { ...(packet.metadata ?? {}), [CAUSAL_CONTEXT_HEADER]: currentCausalContext().encode() };
  });

  const createObserver = internals.createObserver.bind(client);
  internals.createObserver = <T>(observer: Observer<T>) => {
    const cell = currentCausalCell();
    const callback = createObserver(observer);
    return (packet: WritePacket) => {
      if (isCausalReplyEnvelope(packet.response)) {
        const { value, context } = unwrapCausalReply(packet.response);
        cell?.absorb(context);
        return callback({ ...packet, response: value });
      }
      return callback(packet);
    };
  };
  return client;
}
