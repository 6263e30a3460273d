import { CAUSAL_CONTEXT_HEADER } from '../constants.js';
import { decodeCausalContext } from './causal-envelope.js';
import { absorbCausalContext, currentCausalContext } from './causal-scope.js';
import { causalKeyBytes, signCausalContext, verifyCausalContext } from './causal-signing.js';
import { injectTraceContext } from './causal-trace.js';

/** For services whose CausalModule has an `httpKey`: the same key signs and checks the header. */
export interface CausalHeaderOptions {
  readonly key?: string | Uint8Array;
  /** `causalHeaders()`: add the current OpenTelemetry trace context (`traceparent` ...; default true). */
  readonly trace?: boolean;
}

/**
 * Headers for an outgoing HTTP call made by hand (fetch, axios): `{ 'x-cohort-context': ... }`,
 * signed with `key` if given, and the current trace context's `traceparent`/`tracestate` when
 * an OpenTelemetry propagator is registered (an instrumented HTTP client writes the same ones).
 */
export function causalHeaders(options: CausalHeaderOptions = {}): Record<string, string> {
  const encoded = currentCausalContext().encode();
  const headers = options.trace === false ? {} : injectTraceContext({});
  return {
    ...headers,
    [CAUSAL_CONTEXT_HEADER]: options.key === undefined ? encoded : signCausalContext(encoded, causalKeyBytes(options.key, 'key')),
  };
}

/**
 * Merges the context an HTTP response carried back (its `x-cohort-context` header) into the
 * current work; with `key`, only a header signed with it (anything else is ignored).
 */
export function absorbCausalHeader(value: string | null | undefined, options: CausalHeaderOptions = {}): void {
  if (typeof value !== 'string') return;
  const encoded = options.key === undefined ? value : verifyCausalContext(value, causalKeyBytes(options.key, 'key'));
  absorbCausalContext(decodeCausalContext(encoded));
}
