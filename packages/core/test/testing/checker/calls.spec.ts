import { describe, expect, it } from '@jest/globals';
import { CausalContext } from '../../../src/context/causal-context.js';
import { ExcludedError, GroupClosedError, NotAcceptedError } from '../../../src/errors.js';
import { Replies, type Reply } from '../../../src/protocol/reply/replies.js';
import { shareOf } from '../../../src/protocol/reply/scatter.js';
import { CALL_PROPERTY_NAMES, checkCalls, scatterComplete, type RecordedCall } from '../../../src/testing/checker/call-checker.js';

const VIEW = ['a/1', 'b/1', 'c/1'];
const ITEMS = 1_000;

function replies(answers: readonly Reply[], options: { failed?: string[]; slow?: string[]; quorumMet?: boolean } = {}): Replies {
  return new Replies(4, VIEW, answers, options.failed ?? [], options.slow ?? [], options.quorumMet ?? true, CausalContext.empty);
}

/** Rank `rank`'s honest part of a scatter-gather query over ITEMS. */
function part(rank: number): Reply {
  const { start, end } = shareOf({ rank, viewSize: VIEW.length }, ITEMS);
  return { member: VIEW[rank]!, rank, viewId: 4, value: [start, end] };
}

const call = (outcome: RecordedCall['outcome'], more: Partial<RecordedCall> = {}): RecordedCall => ({
  what: 'call 1',
  refusalAllowed: false,
  outcome,
  ...more,
});
const scatter = { items: ITEMS, quorum: 'all' as const };

describe('the call checker', () => {
  it('names its properties', () => {
    expect(CALL_PROPERTY_NAMES).toEqual(['call-result', 'call-rejected']);
  });

  describe("'call-result'", () => {
    it('passes a consistent result, and a complete scatter-gather answer', () => {
      const all = replies([part(0), part(1), part(2)]);
      expect(checkCalls([call({ replies: all }), call({ replies: all }, { scatter })], { hostile: ['h0'] })).toEqual([]);
      expect(scatterComplete(all)).toBe(true);
    });

    it('reports two replies from one member, a reply from outside the view, an error, and a member both answered and failed', () => {
      const result = replies(
        [
          { member: 'a/1', rank: 0, viewId: 4, value: 0 },
          { member: 'a/1', rank: 0, viewId: 4, value: 0 },
          { member: 'z/1', rank: 1, viewId: 4, value: 1 },
          { member: 'c/1', rank: 2, viewId: 4, error: { name: 'Error', message: 'boom' } },
        ],
        { failed: ['a/1'] },
      );
      expect(checkCalls([call({ replies: result })])).toEqual([
        { property: 'call-result', message: 'call 1: two replies from a/1' },
        { property: 'call-result', message: 'call 1: a reply from z/1, not in the view it waited on' },
        { property: 'call-result', message: 'call 1: c/1 answered with an error: boom' },
        { property: 'call-result', message: 'call 1: a/1 answered and is also listed as failed or slow' },
      ]);
    });

    it("reports a reply of the hostile member, and accepts a retried request's DUPLICATE_REQUEST", () => {
      const result = replies([
        { member: 'a/1', rank: 0, viewId: 4, error: { name: 'CohortError', code: 'DUPLICATE_REQUEST', message: 'ran before' } },
        { member: 'h0/1', rank: 1, viewId: 3, value: 1 },
      ]);
      expect(checkCalls([call({ replies: result })], { hostile: ['h0'] })).toEqual([
        { property: 'call-result', message: 'call 1: a reply from the hostile member h0/1, in no view, was counted' },
      ]);
    });

    it("reports a scatter-gather part that is not its rank's share, and 'all' met with a rank missing", () => {
      const wrong = replies([part(0), { ...part(1), value: [0, 10] }, part(2)]);
      expect(checkCalls([call({ replies: wrong }, { scatter })]).map((v) => v.message)).toEqual([
        'call 1: b/1 answered for [0,10] as rank 1 of view 4 (3 members), whose share is [334,667]',
        "call 1: gather() gave [0,10] where rank 1's share [334,667] belongs",
      ]);
      const incomplete = replies([part(0), part(2)]);
      expect(scatterComplete(incomplete)).toBe(false);
      expect(checkCalls([call({ replies: incomplete }, { scatter })])).toEqual([
        { property: 'call-result', message: "call 1: 'all' met in view 4, but ranks 1 are missing" },
      ]);
      // Not met: the missing rank is what the answer says, no contradiction.
      expect(checkCalls([call({ replies: replies([part(0), part(2)], { quorumMet: false, slow: ['b/1'] }) }, { scatter })])).toEqual([]);
    });
  });

  describe("'call-rejected'", () => {
    it('passes a call whose member is gone, and a refusal where one is allowed', () => {
      expect(
        checkCalls([
          call({ error: new GroupClosedError('closed') }),
          call({ error: new ExcludedError() }),
          call({ error: new NotAcceptedError(3_000) }, { refusalAllowed: true }),
        ]),
      ).toEqual([]);
    });

    it('reports any other rejection, a refusal where none is allowed included', () => {
      const timeout = new Error('stuck');
      expect(
        checkCalls([call({ error: timeout }), call({ error: new NotAcceptedError(3_000) }, { what: 'scatter-gather 1' })]).map(
          (v) => `[${v.property}] ${v.message}`,
        ),
      ).toEqual([
        '[call-rejected] call 1 rejected: Error: stuck',
        '[call-rejected] scatter-gather 1 rejected: NotAcceptedError: no member of the group accepted the request within 3000 ms; it may or may not have been multicast',
      ]);
    });
  });
});
