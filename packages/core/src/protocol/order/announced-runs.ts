import { Queue } from '../../util/queue.js';
import type { OrderRun } from './announcement.js';

/**
 * A receiver's total-order positions announced and not yet used, in order, as runs (no object
 * per message): the head run's first `used` positions are used. Each position is used once, in
 * order; at the flush cut one that cannot be followed is skipped.
 */
export class AnnouncedRuns {
  private readonly runs = new Queue<OrderRun>();
  private used = 0;

  /** Runs announced and not used up. */
  get length(): number {
    return this.runs.length;
  }

  /** The sender of the next announced position (there is one). */
  get nextRank(): number {
    return this.runs.peek()!.rank;
  }

  push(run: OrderRun): void {
    this.runs.push(run);
  }

  /** Runs of one announcement (or of the sequencer's own), after those already announced. */
  pushAll(runs: readonly OrderRun[]): void {
    for (let i = 0; i < runs.length; i++) this.runs.push(runs[i]!);
  }

  /** Is (rank, seq) the next announced position? */
  isNext(rank: number, seq: number): boolean {
    const run = this.runs.peek();
    return run !== undefined && run.rank === rank && run.firstSeq + this.used === seq;
  }

  /** The next announced position was used. */
  use(): void {
    if (++this.used === this.runs.peek()!.count) {
      this.runs.shift();
      this.used = 0;
    }
  }

  /**
   * At the cut, nothing can leave and the next announced position is not usable: skip it. Until
   * something leaves, only the head of the run's sender (`headSeq`, the seq of the message at the
   * head of `nextRank`'s queue, if any) could match a later position of the run, so this skips
   * straight to that head's position, or past the run (as skipping one position at a time would,
   * but in O(1) whatever the run's length).
   */
  skip(headSeq: number | undefined): void {
    const run = this.runs.peek()!;
    const at = run.firstSeq + this.used;
    if (headSeq !== undefined && headSeq > at && headSeq < run.firstSeq + run.count) {
      this.used = headSeq - run.firstSeq;
      return;
    }
    this.runs.shift();
    this.used = 0;
  }
}
