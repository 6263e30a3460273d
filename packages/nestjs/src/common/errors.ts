import { CohortError, type Replies } from '@cohort/core';

/** A synchronous multicast that did not succeed at every member it waited for; `replies` says who said what. */
export class GroupReplyError extends CohortError {
  constructor(
    code: 'REPLY_ERROR' | 'QUORUM_NOT_MET',
    message: string,
    readonly replies: Replies,
  ) {
    super(code, message);
  }
}
