import type { Clock } from '../env/clock.js';
import type { Order } from '../validation/orders.js';
import type { Random } from '../env/random.js';
import type { Address, Wire } from '../wire/wire.js';
import type { FlushValue } from './membership/membership.header.js';
import type { QuorumPolicy } from './membership/quorum-policy.js';
import type { HoldReason } from './order/order-stage.js';
import type { Timing } from './timing.js';
import type { Endpoint } from './transport/endpoint.js';
import type { DataMessage, MemberId, View } from './types.js';

/*
 * The member's surface, as the Group (group.ts) sees it: its options, the events it reports
 * upward, what a multicast asks for, and its counters. The stack behind it: stack.ts.
 */

/** How one multicast asks to be ordered; `context` is a causal context's vector for this view. */
export interface SendOptions {
  readonly order: Order;
  readonly safe: boolean;
  readonly context?: { readonly viewId: number; readonly deps: readonly number[] } | undefined;
  /** A synchronous call's id: the members reply to it. */
  readonly call?: number;
  /** A client request's key: members execute it once, however often it is retried. */
  readonly requestKey?: string;
}

/** What the member reports upward, in the order it happens. */
export interface MemberEvents {
  /** This member sequenced one of its multicasts (just before delivering it to itself). */
  sent(message: DataMessage): void;
  deliver(message: DataMessage, view: View): void;
  /** Optional (a trace records it): `message` arrived and waits in the order stage for `reason`. */
  held?(message: DataMessage, reason: HoldReason): void;
  /** Optional (a trace records it): this member stopped sending for the flush that ends view `viewId`. */
  flushing?(viewId: number): void;
  /** A view was installed; `state` is set (possibly null) only for the view a joiner joins in. */
  install(view: View, joinedWithState: { state: Uint8Array | null } | null): void;
  /** The application state as of the view just installed, for joiners (captured in delivery order). */
  captureState(): Promise<Uint8Array | null>;
  /**
   * `exitInstall`: the install that left this member out, if that is how it learned it;
   * `unconfirmed`: what it sent in its last view that it cannot confirm the others deliver;
   * `waiting`: multicasts and flush() callers never sent, for a next incarnation (handOver()).
   */
  excluded(lastView: View | null, exitInstall: FlushValue | null, unconfirmed: DataMessage[], waiting: OutboxEntry[]): void;
  /** This member cannot install a next view (null: it can again, or it installed one). */
  blocked(reason: BlockedReason | null): void;
  /** A well-formed frame broke an invariant (forged, replayed or corrupt): dropped, counted, reported. */
  rejected(from: MemberId, kind: string, reason: string): void;
  /** `unconfirmed`: what the leaver sent that the install's cut left out (normally nothing). */
  left(unconfirmed: DataMessage[]): void;
  /** The join did not complete in time; `waiting`: what was issued meanwhile, never sent. */
  joinFailed(waiting: OutboxEntry[]): void;
}

/** Why a member cannot go on: too few members of its view are reachable for its quorum policy. */
export interface BlockedReason {
  readonly code: 'NO_QUORUM';
  readonly message: string;
  readonly viewId: number;
  /** The members of the view this member still hears (itself included). */
  readonly reachable: readonly MemberId[];
}

/** A multicast waiting in the outbox, or a flush() waiting for what was sent before it. */
export type OutboxEntry =
  | { topic: string; payload: Uint8Array; options: SendOptions; sent: (message: DataMessage | null) => void }
  | { flushed: (ok: boolean) => void };

export interface MemberOptions {
  group: string;
  me: MemberId;
  wire: Wire;
  /** The process's endpoint on `wire`, shared with replies and clients (the Group's); none: the stack makes its own. */
  endpoint?: Endpoint;
  clock: Clock;
  random: Random;
  timing: Timing;
  /** Addresses of existing members to ask when joining. */
  seeds: readonly Address[];
  /** May this member form the group when no member answers? (Never on a rejoin.) */
  mayFormGroup: boolean;
  /**
   * The install that excluded this process's previous incarnation: handed on to members still
   * in the view before it, who may have no one else left to learn it from.
   */
  previousInstall?: FlushValue | null;
  /** Flow control: at most this many of this member's multicasts unstable at once. */
  windowMessagesMax: number;
  /** The coordinator admits no joiner that would make the view larger than this. */
  membersMax?: number;
  /** Which sets of members may install the next view (quorum-policy.ts). */
  quorum: QuorumPolicy;
  /** The group's epoch, if this process was a member before (a rejoin); 0: learned at the join. */
  epoch?: number;
  events: MemberEvents;
  /** Where to count (monotonic across incarnations when the Group passes the same object). */
  stats?: MemberStats;
}

export interface MemberStats {
  framesDropped: number;
  framesMalformed: number;
  /** Frames of another epoch: an earlier incarnation of the group (a replay), or another group of that name. */
  framesOtherEpoch: number;
  /** Well-formed frames that broke an invariant (a ballot out of reach, a cut that cannot apply ...). */
  framesRejected: number;
  /** Messages discarded at a flush because a causal predecessor was lost in a crash. */
  orphansDiscarded: number;
  /** Join requests this coordinator turned down: the view was full (membersMax). */
  joinsRefused: number;
  /** This member's multicasts sequenced and sent (calls and Cohort's own topics included). */
  messagesSent: number;
  /** Messages delivered to this member, its own included, in the order their order asks. */
  messagesDelivered: number;
  /** This member's messages sent again because a member asked for them (a nak). */
  messagesRetransmitted: number;
  /** Times a multicast had to wait because the send window was full or a member lagged. */
  windowWaits: number;
  /** Views installed (the one joined in included). */
  viewsInstalled: number;
}

/** Counters at zero: a Group keeps one object across its member's incarnations. */
export function emptyMemberStats(): MemberStats {
  return {
    framesDropped: 0,
    framesMalformed: 0,
    framesOtherEpoch: 0,
    framesRejected: 0,
    orphansDiscarded: 0,
    joinsRefused: 0,
    messagesSent: 0,
    messagesDelivered: 0,
    messagesRetransmitted: 0,
    windowWaits: 0,
    viewsInstalled: 0,
  };
}
