/**
 * 'call-result': what a call's result must satisfy whatever the faults: it is consistent in
 * itself. At most one reply per member; a reply run in the view the result is judged in comes
 * from a member of that view, never from a process in no view; no member's handler failed (a
 * retried request's DUPLICATE_REQUEST aside); a member that answered is not also listed failed
 * or slow. A scatter-gather answer (docs/replies.md) also: `gather()` merges parts of one
 * division of the items — the one of the view the answer is judged in, each part the share of
 * its rank — with no overlap, and the gaps are exactly `missingRanks`; 'all' met with every
 * reply run in that view is complete.
 */
import type { Replies } from '../../protocol/reply/replies.js';
import { shareOf } from '../../protocol/reply/scatter.js';
import { addressOf, type MemberId } from '../../protocol/types.js';
import type { CallChecker, CheckCallsOptions, RecordedCall } from './calls.js';
import type { Report } from './types.js';

export const callResultChecker: CallChecker = (call, report, options) => {
  if (!('replies' in call.outcome)) return;
  const { replies } = call.outcome;
  checkReplies(replies, call.what, report, options);
  if (call.scatter) checkScatter(replies, call.what, call.scatter, report);
};

/**
 * A scatter-gather answer is complete: judged against a view (a 'first' or k call may end
 * before its caller recorded one) and no rank missing.
 */
export function scatterComplete(replies: Replies): boolean {
  return replies.expected.length > 0 && replies.missingRanks.length === 0;
}

function checkReplies(replies: Replies, what: string, report: Report, options: CheckCallsOptions): void {
  const hostile = new Set(options.hostile ?? []);
  const expected = new Set(replies.expected);
  const answered = new Set<MemberId>();
  for (const reply of replies.replies) {
    if (answered.has(reply.member)) report(`${what}: two replies from ${reply.member}`);
    answered.add(reply.member);
    // A direct request's member may have run it in another view than the one the answer is judged in.
    const inView = reply.viewId === undefined || reply.viewId === replies.viewId;
    if (inView && replies.expected.length > 0 && !expected.has(reply.member))
      report(`${what}: a reply from ${reply.member}, not in the view it waited on`);
    if (hostile.has(addressOf(reply.member))) report(`${what}: a reply from the hostile member ${reply.member}, in no view, was counted`);
    if (reply.error && reply.error.code !== 'DUPLICATE_REQUEST')
      report(`${what}: ${reply.member} answered with an error: ${reply.error.message}`);
  }
  for (const member of [...replies.failed, ...replies.slow]) {
    if (answered.has(member)) report(`${what}: ${member} answered and is also listed as failed or slow`);
  }
}

function checkScatter(replies: Replies, what: string, scatter: NonNullable<RecordedCall['scatter']>, report: Report): void {
  const size = replies.expected.length;
  // A 'first' (or k) call may end before its caller recorded the view: nothing to judge against.
  if (size === 0) return;
  const missing = replies.missingRanks;
  const ranges = replies.gather<number[][]>((parts) => parts as unknown as number[][]);
  const covered = new Set<number>();
  const parts = replies.replies.filter((reply) => !reply.error && (reply.viewId === undefined || reply.viewId === replies.viewId));
  for (const reply of parts) {
    const share = shareOf({ rank: reply.rank, viewSize: size }, scatter.items);
    const value = reply.value as number[];
    if (!Array.isArray(value) || value[0] !== share.start || value[1] !== share.end) {
      report(
        `${what}: ${reply.member} answered for [${String(value)}] as rank ${reply.rank} of view ${replies.viewId} (${size} members), whose share is [${share.start},${share.end}]`,
      );
    }
    covered.add(reply.rank);
  }
  // The merged parts tile the items but for the missing ranks' shares, in order.
  let at = 0;
  for (let rank = 0; rank < size; rank++) {
    const share = shareOf({ rank, viewSize: size }, scatter.items);
    if (covered.has(rank) === missing.includes(rank)) {
      report(
        `${what}: rank ${rank} of view ${replies.viewId} is ${covered.has(rank) ? 'answered and listed missing' : 'neither answered nor listed missing'}`,
      );
    }
    if (!covered.has(rank)) continue;
    const range = ranges[at++];
    if (!range || range[0] !== share.start || range[1] !== share.end) {
      report(`${what}: gather() gave [${String(range)}] where rank ${rank}'s share [${share.start},${share.end}] belongs`);
    }
  }
  if (at !== ranges.length) report(`${what}: gather() merged ${ranges.length} parts for ${at} ranks answered`);
  // 'all' met, every reply a part run in the call's view: nothing can be missing.
  const oneView = replies.replies.every((reply) => !reply.error && (reply.viewId === undefined || reply.viewId === replies.viewId));
  if (replies.quorumMet && scatter.quorum === 'all' && oneView && missing.length > 0) {
    report(`${what}: 'all' met in view ${replies.viewId}, but ranks ${missing.join(', ')} are missing`);
  }
}
