import { STATUS_CODES } from 'node:http';
import { isCohortError, type CohortError } from '@cohort/core';

/**
 * The HTTP status of each Cohort error code (the core's, and GroupReplyError's). Four kinds:
 * the request was at fault (4xx); the group cannot serve it now but a retry may succeed (503);
 * nobody answered in time, so the outcome is unknown (504); a member answered with an error
 * (502). A code not listed is a 500. BACKPRESSURE is a 503, not a 429: it is the member's
 * window or queue, shared by every client, not a rate one client went over.
 */
export const COHORT_HTTP_STATUSES: Readonly<Record<string, number>> = Object.freeze({
  INVALID_ARGUMENT: 400,
  DUPLICATE_REQUEST: 409,
  PAYLOAD_TOO_LARGE: 413,
  NO_HANDLER: 502,
  DECODE: 502,
  REPLY_ERROR: 502,
  NO_QUORUM: 503,
  BACKPRESSURE: 503,
  CAUSAL_CONTEXT_UNSATISFIED: 503,
  GROUP_CLOSED: 503,
  EXCLUDED: 503,
  SLOW_CONSUMER: 503,
  SNAPSHOT_INTERRUPTED: 503,
  QUORUM_NOT_MET: 504,
  NOT_ACCEPTED: 504,
  CONNECT_TIMEOUT: 504,
  JOIN_TIMEOUT: 504,
  VIEW_TIMEOUT: 504,
});

/** What a client of the HTTP API learns of a call that did not get every reply it waited for. */
export interface CohortRepliesBody {
  /** Members the call waited for (the view's size). */
  readonly expected: number;
  /** Members that answered without an error. */
  readonly answered: number;
  /** Ranks with no successful answer: the missing parts of a scatter-gather. */
  readonly missingRanks: readonly number[];
  /** The members' errors, by rank (no member addresses: those are the group's business). */
  readonly errors: readonly { readonly rank: number; readonly name: string; readonly code?: string; readonly message?: string }[];
}

/** The body the filter answers with: Nest's `{ statusCode, message }` plus the code to switch on. */
export interface CohortErrorBody {
  readonly statusCode: number;
  readonly code: string;
  readonly message: string;
  readonly replies?: CohortRepliesBody;
}

export interface CohortHttpMapping {
  /** Statuses of codes, over COHORT_HTTP_STATUSES: your handlers' own codes (`RpcException({ code })`) too. */
  readonly statuses?: Readonly<Record<string, number>>;
  /**
   * Whether bodies carry the errors' messages (default true). They name groups, views and
   * member addresses: set false for an API that faces the public; the code stays.
   */
  readonly messages?: boolean;
}

interface ReplyLike {
  readonly rank: number;
  readonly error?: { readonly name: string; readonly code?: string; readonly message: string };
}

interface RepliesLike {
  readonly expected: readonly unknown[];
  readonly replies: readonly ReplyLike[];
  readonly slow: readonly unknown[];
  readonly missingRanks: readonly number[];
}

/** GroupReplyError of any copy of the packages: a CohortError with the call's Replies. */
function repliesOf(error: CohortError): RepliesLike | undefined {
  if (error.code !== 'REPLY_ERROR' && error.code !== 'QUORUM_NOT_MET') return undefined;
  const replies = (error as { replies?: Partial<RepliesLike> }).replies;
  return replies && Array.isArray(replies.expected) && Array.isArray(replies.replies) && Array.isArray(replies.slow)
    ? (replies as RepliesLike)
    : undefined;
}

/**
 * The status of a Cohort error. Two codes depend on the replies: a QUORUM_NOT_MET in which no
 * member was slow (members failed or left during the call; no timeout struck) is a 503; a
 * REPLY_ERROR whose failed replies all carry one code with a status takes that status (every
 * member that failed refused the request for the same reason: an INVALID_ARGUMENT is the
 * request's fault, a 400), anything else is a 502. Anything but a Cohort error: undefined.
 */
export function cohortHttpStatus(error: unknown, mapping: CohortHttpMapping = {}): number | undefined {
  if (!isCohortError(error)) return undefined;
  const statusOf = (code: string | undefined): number | undefined =>
    code === undefined ? undefined : (mapping.statuses?.[code] ?? COHORT_HTTP_STATUSES[code]);
  const replies = repliesOf(error);
  if (replies && error.code === 'QUORUM_NOT_MET' && replies.slow.length === 0) return 503;
  if (replies && error.code === 'REPLY_ERROR' && mapping.statuses?.['REPLY_ERROR'] === undefined) {
    const codes = new Set(replies.replies.filter((reply) => reply.error).map((reply) => reply.error!.code));
    const [only] = codes;
    const shared = codes.size === 1 ? statusOf(only) : undefined;
    if (shared !== undefined) return shared;
  }
  return statusOf(error.code) ?? 500;
}

/** The body for a Cohort error (undefined for anything else). */
export function cohortErrorBody(error: unknown, mapping: CohortHttpMapping = {}): CohortErrorBody | undefined {
  const statusCode = cohortHttpStatus(error, mapping);
  if (statusCode === undefined || !isCohortError(error)) return undefined;
  const messages = mapping.messages ?? true;
  const message = messages ? error.message : (STATUS_CODES[statusCode] ?? error.code);
  const replies = repliesOf(error);
  if (!replies) return { statusCode, code: error.code, message };
  const failed = replies.replies.filter((reply) => reply.error);
  return {
    statusCode,
    code: error.code,
    message,
    replies: {
      expected: replies.expected.length,
      answered: replies.replies.length - failed.length,
      missingRanks: Array.isArray(replies.missingRanks) ? [...replies.missingRanks] : [],
      errors: failed.map(({ rank, error: e }) => ({
        rank,
        name: e!.name,
        ...(e!.code !== undefined ? { code: e!.code } : {}),
        ...(messages ? { message: e!.message } : {}),
      })),
    },
  };
}
