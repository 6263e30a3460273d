/**
 * The vocabulary of the call checker: what a caller saw of one synchronous call or client
 * request (recorded as it settles, judged after the run: call-checker.ts), the property
 * names, the options, and the shape of one call property.
 */
import type { ReplyQuorum } from '../../protocol/reply/quorum.js';
import type { Replies } from '../../protocol/reply/replies.js';
import type { Address } from '../../wire/wire.js';
import type { Report } from './types.js';

/** The stable names of the call properties (one `<name>.checker.ts` each). */
export type CallPropertyName = 'call-result' | 'call-rejected';

/** How one call ended, as its caller saw it: its Replies, or the error it rejected with. */
export type CallOutcome = { readonly replies: Replies } | { readonly error: unknown };

export interface RecordedCall {
  /** Names the call in a report: "call 3 by n1/1 (total, replies all)". */
  readonly what: string;
  /**
   * A refusal (NotAcceptedError: a client's request no member would take) is an allowed end.
   * The campaign allows it for plain client requests, not for its scatter-gather queries.
   */
  readonly refusalAllowed: boolean;
  /** A scatter-gather query: `items` shared out among the ranks of the view (shareOf), asked with `quorum`. */
  readonly scatter?: { readonly items: number; readonly quorum: ReplyQuorum };
  readonly outcome: CallOutcome;
}

export interface CheckCallsOptions {
  /** Addresses of processes in no view (the campaign's hostile member): a reply of theirs must never count. */
  readonly hostile?: readonly Address[];
}

/** One call property: judges one recorded call and reports what it breaks. */
export type CallChecker = (call: RecordedCall, report: Report, options: CheckCallsOptions) => void;
