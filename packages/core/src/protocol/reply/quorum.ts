import { InvalidArgumentError } from '../../errors.js';
import { majorityOf } from '../types.js';

/**
 * How many replies a multicast waits for (the lecture notes' synchrony levels): none
 * (asynchronous), a number k, the first, a majority or all of the members of the view the
 * request is delivered in.
 */
export type ReplyQuorum = 'none' | 'first' | 'majority' | 'all' | number;

const NAMED: readonly string[] = ['none', 'first', 'majority', 'all'];

export function validateQuorum(quorum: unknown): ReplyQuorum {
  if (typeof quorum === 'string' && NAMED.includes(quorum)) return quorum as ReplyQuorum;
  if (typeof quorum === 'number' && Number.isInteger(quorum) && quorum >= 1) return quorum;
  throw new InvalidArgumentError(`replies must be 'none', 'first', 'majority', 'all' or a positive integer, not ${String(quorum)}`);
}

/** Replies needed from a view of `viewSize` members; a k larger than the view means all. */
export function repliesNeeded(quorum: Exclude<ReplyQuorum, 'none'>, viewSize: number): number {
  switch (quorum) {
    case 'first':
      return 1;
    case 'majority':
      return majorityOf(viewSize);
    case 'all':
      return viewSize;
    default:
      return Math.min(quorum, viewSize);
  }
}

/** Wire form: 0 none, -1 first, -2 majority, -3 all, k > 0 itself (shifted to stay unsigned). */
export function quorumCode(quorum: ReplyQuorum): number {
  switch (quorum) {
    case 'none':
      return 0;
    case 'first':
      return 1;
    case 'majority':
      return 2;
    case 'all':
      return 3;
    default:
      return quorum + 3;
  }
}

export function quorumOfCode(code: number): ReplyQuorum {
  switch (code) {
    case 0:
      return 'none';
    case 1:
      return 'first';
    case 2:
      return 'majority';
    case 3:
      return 'all';
    default:
      return code - 3;
  }
}
