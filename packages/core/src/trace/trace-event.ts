/**
 * The trace of a run, one JSON object per line (JSONL): the history events of
 * ../testing/history.ts, each stamped with `t` (milliseconds: virtual time in a simulation,
 * the Unix epoch in a real process), sends and deliveries with their vector timestamp and
 * total-order position, and what a history leaves out: where a message waited in the order
 * stage ('held'), when a member stopped for a view change's flush ('flush'), and the
 * violations a checker found ('violation'). docs/trace.md shows a trace.
 */
import type { HoldReason } from '../protocol/order/order-stage.js';
import type { HistoryEvent, MemberId } from '../testing/history.js';

export type { HoldReason } from '../protocol/order/order-stage.js';

/** The format's version; a reader refuses a trace of a later one. */
export const TRACE_VERSION = 1;

/** The first line of a trace file: what its times mean. */
export interface TraceHeader {
  kind: 'trace';
  version: number;
  /** 'virtual': a simulation's milliseconds; 'wall': milliseconds since the Unix epoch. */
  clock: 'virtual' | 'wall';
  title?: string;
}

/**
 * A vector timestamp as a trace writes it: per member of the view, how many of its multicasts
 * of the view this member had delivered (a send's own entry counts its sends, this one
 * included) — Birman, Schiper and Stephenson's vector time over the application's messages.
 */
export type VectorTimestamp = Record<MemberId, number>;

export type TraceExtra =
  /** `member` received `id` and holds it in its order stage for `reason`; its 'deliver' ends the wait. */
  | { kind: 'held'; member: MemberId; id: string; sender: MemberId; viewId: number; reason: HoldReason }
  /** `member` stopped sending for the flush that ends view `viewId`; its next 'view' ends the flush. */
  | { kind: 'flush'; member: MemberId; viewId: number }
  /**
   * A broken guarantee; `at`, when known, is the index of the event where it was found among
   * this file's history events (every line but the header, 'held', 'flush' and 'violation').
   */
  | { kind: 'violation'; property: string; message: string; at?: number };

/** What a send or a delivery carries besides its history fields. */
export interface TraceStamps {
  /** Milliseconds (see TraceHeader.clock). */
  t: number;
  /** On 'send' and 'deliver': the vector timestamp. */
  vt?: VectorTimestamp;
  /** On the 'deliver' of a total or group (abcast, gbcast) message: its place among them in the view, from 1. */
  position?: number;
}

/** One line of a trace, the header excepted. */
export type TraceEvent = (HistoryEvent | TraceExtra) & TraceStamps;

const EXTRA_KINDS: ReadonlySet<string> = new Set(['held', 'flush', 'violation']);

/** Whether a trace event is one of the history's (what the history checker reads). */
export function isHistoryEvent(event: TraceEvent): event is HistoryEvent & TraceStamps {
  return !EXTRA_KINDS.has(event.kind);
}
