import {
  CausalContext,
  CausalContextUnsatisfiedError,
  CohortError,
  ConnectTimeoutError,
  ExcludedError,
  GroupClosedError,
  InvalidArgumentError,
  isCohortError,
  JoinTimeoutError,
  NotAcceptedError,
  Replies,
  ViewTimeoutError,
  type Reply,
} from '@cohort/core';
import { COHORT_HTTP_STATUSES, cohortErrorBody, cohortHttpStatus, GroupReplyError } from '../../src/index.js';

/** A stand-in for a CohortError of another copy of @cohort/core: its brand and code, not this copy's class. */
class ForeignCohortError extends Error {
  get [Symbol.for('cohort.error')](): true {
    return true;
  }
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const MEMBERS = ['a:1/1', 'b:1/1', 'c:1/1'];

function replies(list: Reply[], slow: string[] = [], failed: string[] = []): Replies {
  return new Replies(4, MEMBERS, list, failed, slow, false, CausalContext.empty);
}

function refused(rank: number, code: string | undefined, message = 'no'): Reply {
  return { member: MEMBERS[rank]!, rank, error: { name: 'Error', ...(code ? { code } : {}), message } };
}

describe('Cohort errors as HTTP statuses', () => {
  it('recognises a CohortError by its brand, from any copy of core, and nothing else', () => {
    expect(isCohortError(new InvalidArgumentError('x'))).toBe(true);
    expect(isCohortError(new GroupReplyError('QUORUM_NOT_MET', 'x', replies([])))).toBe(true);
    const foreign = new ForeignCohortError('NO_QUORUM', 'blocked');
    expect(foreign).not.toBeInstanceOf(CohortError);
    expect(isCohortError(foreign)).toBe(true);
    for (const other of [
      undefined,
      null,
      'NO_QUORUM',
      Object.assign(new Error('x'), { code: 'NO_QUORUM' }),
      { code: 'NO_QUORUM', [Symbol.for('cohort.error')]: 'yes' },
    ]) {
      expect(isCohortError(other)).toBe(false);
      expect(cohortHttpStatus(other)).toBeUndefined();
    }
  });

  it("maps the core's errors: bad argument 400, too large 413, cannot serve now 503, timeouts 504", () => {
    const cases: [unknown, number][] = [
      [new InvalidArgumentError('x'), 400],
      [new CohortError('PAYLOAD_TOO_LARGE', 'x'), 413],
      [new CohortError('DUPLICATE_REQUEST', 'x'), 409],
      [new ForeignCohortError('NO_QUORUM', 'x'), 503],
      [new CohortError('BACKPRESSURE', 'x'), 503],
      [new CausalContextUnsatisfiedError('g', 'x'), 503],
      [new GroupClosedError('x'), 503],
      [new ExcludedError(), 503],
      [new NotAcceptedError(10), 504],
      [new ConnectTimeoutError('g', 10), 504],
      [new JoinTimeoutError('g', 10), 504],
      [new ViewTimeoutError('g', 10, null), 504],
      [new CohortError('NO_HANDLER', 'x'), 502],
      [new CohortError('STATE_TRANSFER', 'x'), 500],
      [new CohortError('SOMETHING_NEW', 'x'), 500],
    ];
    for (const [error, status] of cases)
      expect([(error as CohortError).code, cohortHttpStatus(error)]).toEqual([(error as CohortError).code, status]);
    expect(COHORT_HTTP_STATUSES['NO_QUORUM']).toBe(503);
  });

  it('a missed quorum is 504 when members were too slow, 503 when they failed before the timeout', () => {
    const answered: Reply = { member: MEMBERS[0]!, rank: 0, value: 1 };
    expect(cohortHttpStatus(new GroupReplyError('QUORUM_NOT_MET', 'x', replies([answered], ['b:1/1', 'c:1/1'])))).toBe(504);
    expect(cohortHttpStatus(new GroupReplyError('QUORUM_NOT_MET', 'x', replies([answered], [], ['b:1/1'])))).toBe(503);
  });

  it('failed replies that agree on a code take its status; anything else is a 502', () => {
    const agree = new GroupReplyError(
      'REPLY_ERROR',
      'x',
      replies([refused(0, 'INVALID_ARGUMENT'), refused(1, 'INVALID_ARGUMENT'), { member: MEMBERS[2]!, rank: 2, value: 1 }]),
    );
    expect(cohortHttpStatus(agree)).toBe(400);
    const mixed = new GroupReplyError('REPLY_ERROR', 'x', replies([refused(0, 'INVALID_ARGUMENT'), refused(1, undefined)]));
    expect(cohortHttpStatus(mixed)).toBe(502);
    const unknown = new GroupReplyError('REPLY_ERROR', 'x', replies([refused(0, 'FLIGHT_NOT_FOUND')]));
    expect(cohortHttpStatus(unknown)).toBe(502);
    expect(cohortHttpStatus(unknown, { statuses: { FLIGHT_NOT_FOUND: 404 } })).toBe(404);
    expect(cohortHttpStatus(agree, { statuses: { REPLY_ERROR: 500 } })).toBe(500);
  });

  it('the body carries the code, the message, and the replies by rank without member addresses', () => {
    const error = new GroupReplyError(
      'QUORUM_NOT_MET',
      '1 of 3 members answered (no answer from b:1/1, c:1/1)',
      replies([{ member: MEMBERS[0]!, rank: 0, value: 1 }, refused(1, 'NO_HANDLER', 'no handler at b:1/1')], ['c:1/1']),
    );
    const body = cohortErrorBody(error)!;
    expect(body).toEqual({
      statusCode: 504,
      code: 'QUORUM_NOT_MET',
      message: error.message,
      replies: {
        expected: 3,
        answered: 1,
        missingRanks: [1, 2],
        errors: [{ rank: 1, name: 'Error', code: 'NO_HANDLER', message: 'no handler at b:1/1' }],
      },
    });
    const quiet = cohortErrorBody(error, { messages: false })!;
    expect(quiet.message).toBe('Gateway Timeout');
    expect(JSON.stringify(quiet)).not.toContain(':1/1');
    expect(cohortErrorBody(new Error('x'))).toBeUndefined();
  });
});
