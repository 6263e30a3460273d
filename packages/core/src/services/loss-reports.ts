import type { Clock } from '../env/clock.js';
import { CohortError } from '../errors.js';
import type { Order, UnconfirmedMessage } from '../group-options.js';
import type { DataMessage, MemberId } from '../protocol/types.js';
import type { Serializer } from '../util/serializer.js';

/** Rejected frames are reported through 'error' at most this often. */
const REJECT_REPORT_INTERVAL_MS = 1_000;

/**
 * A multicast the others may not have delivered, as the application sees it in an exclusion
 * report or a LEAVE_* error: its payload decoded when it can be.
 */
export function describeUnconfirmed(serializer: Serializer, message: DataMessage, lost: boolean): UnconfirmedMessage {
  let payload: unknown;
  try {
    payload = serializer.decode(message.payload);
  } catch {
    payload = message.payload;
  }
  const order: Order = message.order === 'causal' || message.order === 'total' || message.order === 'group' ? message.order : 'fifo';
  return { topic: message.topic, payload, order, safe: message.safe === true, viewId: message.viewId, seq: message.seq, lost };
}

/**
 * Frames that broke an invariant: counted by the member, reported at most once per second
 * (with how many were dropped since), never thrown, never a wedge.
 */
export class RejectedFrameReports {
  private sinceReport = 0;
  private lastReportMs = -Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly report: (error: CohortError) => void,
  ) {}

  rejected(from: MemberId, kind: string, reason: string): void {
    this.sinceReport++;
    const now = this.clock.now();
    if (now - this.lastReportMs < REJECT_REPORT_INTERVAL_MS) return;
    const count = this.sinceReport;
    this.sinceReport = 0;
    this.lastReportMs = now;
    this.report(
      new CohortError(
        'FRAME_REJECTED',
        `dropped a ${kind} frame from ${from}: ${reason}${count > 1 ? ` (${count} frames rejected since the last report)` : ''}`,
      ),
    );
  }
}
