/**
 * The call checker: judges what callers saw of their synchronous calls and client requests
 * (recorded as each settled: calls.ts), one property per file, as the history checker judges
 * the history. Their outcomes — a Replies object, its gather(), its missing ranks — are not
 * in the history, which records only each reply's delivery (the 'replies' property).
 */
import { callRejectedChecker } from './call-rejected.checker.js';
import { callResultChecker } from './call-result.checker.js';
import type { CallChecker, CallPropertyName, CheckCallsOptions, RecordedCall } from './calls.js';
import type { Violation } from './types.js';

export type { CallChecker, CallOutcome, CallPropertyName, CheckCallsOptions, RecordedCall } from './calls.js';
export { scatterComplete } from './call-result.checker.js';

export const CALL_CHECKERS: Readonly<Record<CallPropertyName, CallChecker>> = {
  'call-result': callResultChecker,
  'call-rejected': callRejectedChecker,
};

export const CALL_PROPERTY_NAMES = Object.keys(CALL_CHECKERS) as readonly CallPropertyName[];

/** Every violation of the recorded calls, call by call, in the order they were recorded. */
export function checkCalls(calls: Iterable<RecordedCall>, options: CheckCallsOptions = {}): Violation[] {
  const violations: Violation[] = [];
  for (const call of calls) {
    for (const property of CALL_PROPERTY_NAMES) {
      CALL_CHECKERS[property](call, (message) => violations.push({ property, message }), options);
    }
  }
  return violations;
}
