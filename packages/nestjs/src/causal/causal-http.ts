import { CAUSAL_CONTEXT_HEADER } from '../constants.js';
import { decodeCausalContext } from './causal-envelope.js';
import { absorbCausalContext, currentCausalContext } from './causal-scope.js';

/** Headers for an outgoing HTTP call made by hand (fetch, axios): `{ 'x-cohort-context': ... }`. */
export function causalHeaders(): Record<string, string> {
  return { [CAUSAL_CONTEXT_HEADER]: currentCausalContext().encode() };
}

/** Merges the context an HTTP response carried back (its `x-cohort-context` header) into the current work. */
export function absorbCausalHeader(value: string | null | undefined): void {
  absorbCausalContext(decodeCausalContext(value));
}
