import type { ClientProxy } from '@nestjs/microservices';
import { chainDispatchHook } from './client-dispatch-hook.js';
import { injectTraceContext } from './causal-trace.js';

const INSTRUMENTED = Symbol('cohort:trace-client');

/**
 * Makes a Nest ClientProxy carry the caller's OpenTelemetry trace context in its packets'
 * metadata (`traceparent`, `tracestate`: what the registered propagator writes), next to the
 * causal context `instrumentClientProxy` puts there, so the callee's CausalInterceptor runs the
 * handler in a child span. The dispatch hook holds one function: this one is chained after the
 * hook already set. It runs where the call is subscribed (after `connect()`, whose promise
 * keeps the caller's async context), so the active span is the caller's. Idempotent;
 * CausalModule applies it to every ClientProxy provider; call it yourself for clients you
 * create by hand.
 */
export function instrumentClientTracing(client: ClientProxy): ClientProxy {
  chainDispatchHook(client, INSTRUMENTED, injectTraceContext);
  return client;
}
