import { InvalidArgumentError } from '../../errors.js';

/**
 * Scatter-gather: the part of `length` items that member `rank` of `viewSize` answers for.
 * The parts are contiguous, cover every item once, and differ in size by at most one; the
 * caller's `replies.gather()` puts them back in rank order.
 */
export function shareOf(delivery: { readonly rank: number; readonly viewSize: number }, length: number): { start: number; end: number } {
  const { rank, viewSize } = delivery;
  if (!Number.isInteger(viewSize) || viewSize < 1 || !Number.isInteger(rank) || rank < 0 || rank >= viewSize) {
    throw new InvalidArgumentError(`rank ${rank} of ${viewSize} is not a member's share`);
  }
  if (!Number.isInteger(length) || length < 0) throw new InvalidArgumentError('length must be a non-negative integer');
  const base = Math.floor(length / viewSize);
  const extra = length % viewSize;
  const start = rank * base + Math.min(rank, extra);
  return { start, end: start + base + (rank < extra ? 1 : 0) };
}
