/**
 * The recorded history of a run: what every member sent, delivered and installed, in the
 * order it happened (the simulator is single-threaded, so one global order exists; a
 * multi-process run merges per-process logs and only per-member order is meaningful).
 * The history checker judges a run from this alone, never from protocol state.
 */

/** A member incarnation, "address/incarnation". */
export type MemberId = string;

export interface ViewRecord {
  /** Strictly increasing along the group's history; the same id always names the same view. */
  id: number;
  /** Ranked; members[0] is the coordinator. */
  members: MemberId[];
}

export type HistoryEvent =
  /** `member` multicast message `id` while in view `viewId` (id is unique in the run). */
  | { kind: 'send'; member: MemberId; id: string; viewId: number; payload: string }
  /** `member` delivered message `id` (sent by `sender`) in view `viewId`. */
  | { kind: 'deliver'; member: MemberId; id: string; sender: MemberId; viewId: number; payload: string }
  /** `member` installed `view`. */
  | { kind: 'view'; member: MemberId; view: ViewRecord }
  /** `member` learned it was excluded; it delivers nothing more as this incarnation. */
  | { kind: 'excluded'; member: MemberId }
  /** `member` left gracefully (its leave completed). */
  | { kind: 'left'; member: MemberId }
  /** `member` crashed (stopped without warning); it does nothing after this. */
  | { kind: 'crash'; member: MemberId };

export class HistoryRecorder {
  readonly events: HistoryEvent[] = [];
  record(event: HistoryEvent): void {
    this.events.push(event);
  }
}
