import { FrameReader } from '../../codec/frame-reader.js';
import { FrameWriter } from '../../codec/frame-writer.js';

/*
 * The sequencer's announcements: the total-order positions it gave, multicast as the payload
 * of an 'announce' message in its own FIFO stream (so every member learns them in the order
 * they were given, and a flush cut carries them like any message).
 *
 * Payload (LEB128 varints): the number of runs, then per run `rank firstSeq count`: the
 * messages (rank, firstSeq) … (rank, firstSeq + count − 1) take the next `count` positions.
 * The sequencer positions a sender's ready burst in one pass, so a burst costs one run, not
 * one entry per message; receivers consume a run position by position without expanding it.
 */

/** Consecutive total-order positions the sequencer gave to one sender's consecutive messages. */
export interface OrderRun {
  readonly rank: number;
  readonly firstSeq: number;
  /** At least 1. */
  readonly count: number;
}

/** Three varints of at most 3 bytes each cover most runs (a guess: the writer grows). */
const RUN_BYTES_GUESS = 6;

export function encodeAnnouncement(runs: readonly OrderRun[]): Uint8Array {
  const w = new FrameWriter(2 + runs.length * RUN_BYTES_GUESS);
  w.uint(runs.length);
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i]!;
    w.uint(run.rank).uint(run.firstSeq).uint(run.count);
  }
  return w.finish();
}

/**
 * Null for a payload that is not a well-formed announcement: truncated or trailing bytes, a
 * run of no message, a seq below 1, a run beyond the safe integers, or a rank not below
 * `membersCount` (the view's size).
 */
export function decodeAnnouncement(payload: Uint8Array, membersCount = Number.MAX_SAFE_INTEGER): OrderRun[] | null {
  try {
    const r = new FrameReader(payload);
    const n = r.count();
    const runs: OrderRun[] = [];
    for (let i = 0; i < n; i++) {
      const rank = r.uint();
      const firstSeq = r.uint();
      const count = r.uint();
      if (rank >= membersCount || firstSeq < 1 || count < 1 || !Number.isSafeInteger(firstSeq + count)) return null;
      runs.push({ rank, firstSeq, count });
    }
    r.end();
    return runs;
  } catch {
    return null;
  }
}
