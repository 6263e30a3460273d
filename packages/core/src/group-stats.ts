import type { Clock } from './env/clock.js';
import { codeOf } from './validation/index.js';
import type { MemberStats } from './protocol/member.js';
import type { ReplyQuorum } from './protocol/reply/quorum.js';
import type { Replies } from './protocol/reply/replies.js';
import type { Order } from './group-options.js';

/**
 * `group.stats`: counters (monotonic for the life of the Group, across rejoins) and gauges
 * (what is held now). Units last in gauges; counters name what they count.
 */
export interface GroupStats extends MemberStats {
  /** Client requests this member refused (its limits, malformed requests). */
  clientRequestsRefused: number;
  /** Times held multicasts went out with a reply's context trimmed (contextWaitMs passed). */
  repliedContextsTrimmed: number;
  /** Synchronous multicasts that got their quorum of replies. */
  callsQuorumMet: number;
  /** Synchronous multicasts that ended (timeout, members gone) without their quorum. */
  callsQuorumNotMet: number;
  /** Synchronous multicasts that failed (the member was excluded, left or could not send). */
  callsFailed: number;
  /** Gauge: synchronous multicasts waiting for replies now. */
  callsInFlight: number;
  /** Gauge: unstable messages this member holds (not yet held by every member). */
  unstableMessages: number;
  /** Gauge: messages received and held back by their order (causal, total, safe, group). */
  orderQueueMessages: number;
  /** Gauge: deliveries waiting for the application's handlers. */
  deliveryQueueMessages: number;
  /** Gauge: multicasts issued and not yet sent (window, view change, rejoin). */
  pendingMessages: number;
  /** Gauge: this member's multicasts not yet stable: the part of the send window in use. */
  windowMessages: number;
  /** The send window (the `windowMessagesMax` option). */
  windowMessagesMax: number;
  /** Gauge: members of the view whose application lags; while any does, no new multicast goes out. */
  slowMembers: number;
  /** Gauge: members of the installed view (0 outside a view). */
  viewMembers: number;
}

/** How a synchronous multicast ended. */
export type CallOutcome = 'quorum-met' | 'quorum-not-met' | 'failed';

/** The `'call'` event: one synchronous multicast of this member ended. */
export interface CallRecord {
  readonly topic: string;
  readonly order: Order;
  readonly quorum: Exclude<ReplyQuorum, 'none'>;
  /** From the call to its outcome, on the member's clock (virtual in a simulation). */
  readonly durationMs: number;
  readonly outcome: CallOutcome;
  /** The error's code, for a failed call. */
  readonly code?: string;
  /** Made for a client of the group (a relayed request), not by this member's application. */
  readonly relayed: boolean;
}

/**
 * Counts the calls of one Group by outcome and reports each as it ends. The latency is not
 * kept here (no buckets to choose for every user): a metrics binding records each
 * `durationMs` in a histogram of its own (see groupMetrics).
 */
export class CallStats {
  quorumMet = 0;
  quorumNotMet = 0;
  failed = 0;

  constructor(
    private readonly clock: Clock,
    private readonly ended: (record: CallRecord) => void,
  ) {}

  /**
   * Counts `result` when it settles (its value or error passes through unchanged), once
   * `settled` (the call's own cleanup) has run: one promise per call on the caller's path.
   */
  track(call: Omit<CallRecord, 'durationMs' | 'outcome' | 'code'>, result: Promise<Replies>, settled: () => void): Promise<Replies> {
    const startedMs = this.clock.now();
    return result.then(
      (replies) => {
        settled();
        if (replies.quorumMet) this.quorumMet++;
        else this.quorumNotMet++;
        this.ended({ ...call, durationMs: this.clock.now() - startedMs, outcome: replies.quorumMet ? 'quorum-met' : 'quorum-not-met' });
        return replies;
      },
      (error: unknown) => {
        settled();
        this.failed++;
        this.ended({
          ...call,
          durationMs: this.clock.now() - startedMs,
          outcome: 'failed',
          ...(error instanceof Error ? codeOf(error) : {}),
        });
        throw error;
      },
    );
  }
}
