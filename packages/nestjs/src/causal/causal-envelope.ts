import { CausalContext } from '@cohort/core';

/** Marks a reply wrapped by CausalInterceptor: Nest replies carry no metadata, so the context rides in the body. */
const ENVELOPE_MARK = '@cohort/causal-reply';

export interface CausalReplyEnvelope {
  readonly [ENVELOPE_MARK]: 1;
  /** The callee's context after handling (CausalContext.encode()). */
  readonly context: string;
  readonly value: unknown;
}

export function wrapCausalReply(value: unknown, context: CausalContext): CausalReplyEnvelope {
  return { [ENVELOPE_MARK]: 1, context: context.encode(), value };
}

export function isCausalReplyEnvelope(response: unknown): response is CausalReplyEnvelope {
  return (
    typeof response === 'object' &&
    response !== null &&
    (response as Record<string, unknown>)[ENVELOPE_MARK] === 1 &&
    typeof (response as Record<string, unknown>)['context'] === 'string'
  );
}

/** The value and, when it parses, the callee's context. */
export function unwrapCausalReply(envelope: CausalReplyEnvelope): { value: unknown; context: CausalContext | undefined } {
  return { value: envelope.value, context: decodeCausalContext(envelope.context) };
}

/** An encoded context, or undefined for anything else (a malformed header is ignored, never fatal). */
export function decodeCausalContext(text: unknown): CausalContext | undefined {
  if (typeof text !== 'string' || text.length === 0) return undefined;
  try {
    return CausalContext.decode(text);
  } catch {
    return undefined;
  }
}
