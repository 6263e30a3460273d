/**
 * 'call-rejected': a synchronous call or client request ends with its replies, whatever the
 * faults; it may reject only because its own member is gone (GroupClosedError, ExcludedError)
 * or, when the record allows it, because no member would take a client's request
 * (NotAcceptedError). A timeout is not a rejection: the call resolves with whoever answered.
 */
import { ExcludedError, GroupClosedError, NotAcceptedError } from '../../errors.js';
import type { CallChecker } from './calls.js';
import { describeError } from './types.js';

export const callRejectedChecker: CallChecker = (call, report) => {
  if (!('error' in call.outcome)) return;
  const { error } = call.outcome;
  if (error instanceof GroupClosedError || error instanceof ExcludedError) return;
  if (call.refusalAllowed && error instanceof NotAcceptedError) return;
  report(`${call.what} rejected: ${describeError(error)}`);
};
