/**
 * The recorded history of a run: what every member sent, delivered and installed, in the
 * order it happened (the simulator is single-threaded, so one global order exists; a
 * multi-process run merges per-process logs and only per-member order is meaningful).
 * The history checker judges a run from this alone, never from protocol state.
 *
 * Happened-before (→) is derived from the history alone: the events of one member are
 * ordered as they appear; the 'send' of m comes before every 'deliver' of m; a
 * 'context-out' with token t comes before the 'context-in' with token t. Nothing else
 * (no protocol timestamp) is used.
 */

/** A member incarnation, "address/incarnation" (or any process that carries a causal context). */
export type MemberId = string;

export interface ViewRecord {
  /** Strictly increasing along the group's history; the same id always names the same view. */
  id: number;
  /** Ranked; members[0] is the coordinator. */
  members: MemberId[];
}

/**
 * The delivery order a sender asked for: 'fifo' (fbcast, the default), 'causal' (cbcast),
 * 'total' (abcast) or 'group' (gbcast: ordered against every message and view change).
 */
export type DeliveryOrder = 'fifo' | 'causal' | 'total' | 'group';

export type HistoryEvent =
  /**
   * `member` multicast message `id` while in view `viewId` (id is unique in the run), with
   * delivery order `order` (absent = 'fifo') and, when `safe` is true, dynamically uniform
   * delivery (absent = false). Both fields are optional: older histories stay valid.
   */
  | { kind: 'send'; member: MemberId; id: string; viewId: number; payload: string; order?: DeliveryOrder; safe?: boolean }
  /** `member` delivered message `id` (sent by `sender`) in view `viewId`. */
  | { kind: 'deliver'; member: MemberId; id: string; sender: MemberId; viewId: number; payload: string }
  /**
   * `member`'s application took message `id` (its handler, or the 'unhandled' event, ran on
   * it): where the application sees a delivery, which may be well after the protocol's
   * 'deliver' of it (the delivery queue). Its handled ids follow its delivered ones, in the
   * same order ('handled').
   */
  | { kind: 'handled'; member: MemberId; id: string }
  /** `member` installed `view`. */
  | { kind: 'view'; member: MemberId; view: ViewRecord }
  /** `member` learned it was excluded; it delivers nothing more as this incarnation. */
  | { kind: 'excluded'; member: MemberId }
  /** `member` left gracefully (its leave completed). */
  | { kind: 'left'; member: MemberId }
  /** `member` crashed (stopped without warning); it does nothing after this. */
  | { kind: 'crash'; member: MemberId }
  /**
   * `member` handed its causal context to someone (in an RPC request or reply, an HTTP
   * header, ...); `token` is unique per hand-over. `member` need not belong to any group
   * (a gateway, a client): such a process never installs a view.
   */
  | { kind: 'context-out'; member: MemberId; token: string }
  /**
   * `member` took in the context handed over with `token` (merged it into its own): the
   * 'context-out' with that token happened before this event and everything after it at
   * `member`. May be a non-member, like 'context-out'.
   */
  | { kind: 'context-in'; member: MemberId; token: string }
  /**
   * `member` (the caller: a member or a client outside the group) received `from`'s reply to
   * request `id`; the reply names `viewId` as the view `from` delivered the request in.
   */
  | { kind: 'reply'; member: MemberId; from: MemberId; id: string; viewId: number }
  /**
   * `member` executed a client's request with key `id` in view `viewId`: a direct request
   * (sent straight to the members, not multicast; or answered as run before `member` joined),
   * or, with `message`, a relayed one, on delivering the multicast `message` (its id) that
   * carried it. Not a delivery: the ordering properties ignore it. `message` is optional:
   * older histories record direct requests only ('at-most-once').
   */
  | { kind: 'serve'; member: MemberId; id: string; viewId: number; message?: string }
  /**
   * `member` reports the messages it sent that it cannot confirm the survivors delivered (at
   * its exclusion, or when its leave could not complete its flush): `ids` as messageId()
   * builds them. The application is told them (and may send them again once back in), so
   * they are not lost silently ('no-silent-loss').
   */
  | { kind: 'unconfirmed'; member: MemberId; ids: string[] }
  /**
   * `member` reports that it cannot make progress, with a reason `code` ('NO_QUORUM': the
   * members it hears are no quorum of its view). It lasts until an 'unblocked' event of the
   * same member (or its exit).
   */
  | { kind: 'blocked'; member: MemberId; code: string }
  /** `member` can make progress again (it was 'blocked'). */
  | { kind: 'unblocked'; member: MemberId };

export class HistoryRecorder {
  readonly events: HistoryEvent[] = [];
  record(event: HistoryEvent): void {
    this.events.push(event);
  }
}
