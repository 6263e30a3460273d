import { CausalContext, Replies, type Reply } from '@cohort/core';
import { GroupReplyError, gatherReplies } from '../../src/index.js';

function replies(list: Reply[], options: { quorumMet?: boolean; slow?: string[] } = {}): Replies {
  return new Replies(4, ['a/1', 'b/1', 'c/1'], list, [], options.slow ?? [], options.quorumMet ?? true, CausalContext.empty);
}

describe('gatherReplies', () => {
  // Arrival order differs from rank order.
  const three = replies([
    { member: 'c/1', rank: 2, value: [5, 6] },
    { member: 'a/1', rank: 0, value: [1, 2] },
    { member: 'b/1', rank: 1, value: [3, 4] },
  ]);

  it('gives the values in rank order by default, flattened with concat', () => {
    expect(gatherReplies(three)).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(gatherReplies(three, 'concat')).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('gives the first value to arrive with first, the Replies with replies', () => {
    expect(gatherReplies(three, 'first')).toEqual([5, 6]);
    expect(gatherReplies(three, 'replies')).toBe(three);
  });

  it('folds the values in rank order with a function', () => {
    expect(
      gatherReplies(three, (parts, all) => `${(parts as number[][]).map((p) => p.join('+')).join(' | ')} of ${all.expected.length}`),
    ).toBe('1+2 | 3+4 | 5+6 of 3');
  });

  it('fails with REPLY_ERROR when a handler threw, with QUORUM_NOT_MET when too few answered', () => {
    const withError = replies([
      { member: 'a/1', rank: 0, value: 1 },
      { member: 'b/1', rank: 1, error: { name: 'Error', message: 'boom' } },
    ]);
    expect(() => gatherReplies(withError)).toThrow(GroupReplyError);
    expect(() => gatherReplies(withError)).toThrow(/b\/1 \(rank 1\) failed: Error: boom/);
    const short = replies([{ member: 'a/1', rank: 0, value: 1 }], { quorumMet: false, slow: ['b/1', 'c/1'] });
    const error = (() => {
      try {
        gatherReplies(short);
        return null;
      } catch (e) {
        return e as GroupReplyError;
      }
    })();
    expect(error?.code).toBe('QUORUM_NOT_MET');
    expect(error?.replies).toBe(short);
    // A caller whose own deliveries are held says so (issue 13, finding 5).
    expect(() => gatherReplies(short, 'values', { heldBy: ['no server listens'] })).toThrow(
      /no answer from b\/1, c\/1\); this member's deliveries are held: no server listens$/,
    );
    // 'replies' never fails: the caller inspects them.
    expect(gatherReplies(short, 'replies')).toBe(short);
    expect(gatherReplies(withError, 'replies')).toBe(withError);
  });
});
