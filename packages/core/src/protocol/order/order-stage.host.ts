import type { DataMessage } from '../types.js';
import type { OrderRun } from './announcement.js';

export interface OrderStageHost {
  /** Hands one message to the application, in the agreed order. */
  deliver(message: DataMessage): void;
  /** Sequencer only: multicast these positions, as runs (in the sequencer's own FIFO stream). */
  announce(runs: readonly OrderRun[]): void;
  /** Held by every member of the view (for `safe`). */
  isStable(rank: number, seq: number): boolean;
  /**
   * Optional (a trace records it): `message` entered and could not leave at once; it waits
   * here for `reason`. Reported once, after the drain that followed its arrival.
   */
  held?(message: DataMessage, reason: HoldReason): void;
}

/**
 * Why a message waits in the order stage: its vector timestamp names messages not delivered
 * yet ('causal'), it has no total-order position yet ('total'), it is not stable yet ('safe'),
 * it is a gbcast waiting for the flush ('group'), or an earlier message of its sender waits
 * ('fifo').
 */
export type HoldReason = 'causal' | 'total' | 'safe' | 'group' | 'fifo';
