/** The public vocabulary of a group member: orders, options, deliveries, observers, events. */
import type { ReplyQuorum } from './protocol/reply/quorum.js';
import type { Replies } from './protocol/reply/replies.js';
import { addressOf as addressOfId, type DataMessage, type MemberId, type View } from './protocol/types.js';
import { InvalidArgumentError } from './errors.js';
import type { Clock } from './env/clock.js';
import type { Random } from './env/random.js';
import type { Timing } from './protocol/timing.js';
import type { QuorumPolicy } from './protocol/membership/quorum-policy.js';
import type { BlockedReason } from './protocol/member.js';
import type { HoldReason } from './protocol/order/order-stage.js';
import type { Serializer } from './util/serializer.js';
import type { CohortLogger } from './util/logger.js';
import type { CallRecord } from './group-stats.js';
import type { Address, Wire } from './wire/wire.js';
import type { Order } from './validation/orders.js';

// The orders are defined once, with the list the API checks against (validation/orders.ts).
export type { Order };

export interface MulticastOptions {
  /** Delivery order, 'fifo' by default. */
  order?: Order;
  /** Delivered only once every member of the view holds it (dynamic uniformity). */
  safe?: boolean;
  /**
   * How many members' replies to wait for: 'none' (asynchronous, the default), a number k,
   * 'first', 'majority' or 'all' of the view the request is delivered in.
   */
  replies?: ReplyQuorum;
  /** A synchronous call ends after this long with whoever answered (default 10,000 ms). */
  timeoutMs?: number;
}

/** A synchronous multicast: `replies` is set and not 'none'. */
export type CallOptions = MulticastOptions & { replies: Exclude<ReplyQuorum, 'none'> };
/** An asynchronous multicast. */
export type AsyncOptions = MulticastOptions & { replies?: 'none' };

/**
 * What `multicast(topic, payload, options)` resolves with, from the options' type: `Replies`
 * when `replies` is surely a quorum (`CallOptions`, `{ replies: 'all' }`), `void` when it is
 * surely absent or 'none' (`AsyncOptions`, `{}`), and `void | Replies` when the type cannot
 * tell (`MulticastOptions` with `replies?: ReplyQuorum`).
 */
export type MulticastResult<O extends MulticastOptions | undefined> = O extends undefined
  ? void
  : [Exclude<RepliesOf<O>, undefined | 'none'>] extends [never]
    ? void
    : [Extract<RepliesOf<O>, undefined | 'none'>] extends [never]
      ? Replies
      : void | Replies;
/** The type of `replies` in an options type (undefined when it has none). */
type RepliesOf<O> = 'replies' extends keyof O ? O[keyof O & 'replies'] : undefined;

/**
 * What `group.awaitView()` waits for: a predicate on the installed view, or `{ size }`, a view
 * of exactly that many members.
 */
export type ViewMatch = ((view: GroupView) => boolean) | { readonly size: number };

/** What a handler learns about the delivery it is handling. */
export interface Delivery {
  readonly topic: string;
  readonly sender: MemberId;
  readonly view: GroupView;
  /** This member's rank in the view (0 is the coordinator) and the view's size: member i of k. */
  readonly rank: number;
  readonly viewSize: number;
}

/** `T`: what the handler takes the payload to be (the serializer decides what it really is). */
export type Handler<T = unknown> = (payload: T, delivery: Delivery) => unknown;

export interface GroupView extends View {
  readonly coordinator: MemberId;
}

/** Taps the protocol's own record of events, in protocol order (the history checker uses it). */
export interface GroupObserver {
  sent?(member: MemberId, message: DataMessage): void;
  /** The protocol delivered `message` to `member` (in delivery order; the handler runs later). */
  delivered?(member: MemberId, message: DataMessage): void;
  /** The application's handler (or the 'unhandled' event) took `message`: in the delivery queue. */
  handled?(member: MemberId, message: DataMessage): void;
  installed?(member: MemberId, view: View): void;
  excluded?(member: MemberId): void;
  left?(member: MemberId): void;
  /**
   * `member` took charge of a client's request `key` in view `viewId`: it ran a direct request
   * (or answered it as run before it joined), or, with `message`, it ran a relayed request on
   * delivering `message` (a retry of a key it knew is answered, and not reported again).
   */
  served?(member: MemberId, key: string, viewId: number, message?: DataMessage): void;
  /** `caller` got `responder`'s reply to `request`, which names `viewId` as its delivery view. */
  replied?(caller: MemberId, responder: MemberId, request: DataMessage, viewId: number): void;
  /** The messages this member sent that it cannot confirm the survivors delivered (at exclusion). */
  unconfirmed?(member: MemberId, messages: readonly DataMessage[]): void;
  /** This member cannot make progress: no quorum (reason.code 'NO_QUORUM'). */
  blocked?(member: MemberId, reason: { code: string; message: string }): void;
  unblocked?(member: MemberId): void;
  /**
   * `message` reached `member` and waits in its order stage (causal queue, total order, safe,
   * gbcast) for `reason`; its `delivered` comes later. Only called when given: the protocol
   * keeps no record of arrivals otherwise (a trace uses it).
   */
  held?(member: MemberId, message: DataMessage, reason: HoldReason): void;
  /** `member` stopped sending for the flush that ends view `viewId` (its next `installed` ends it). */
  flushing?(member: MemberId, viewId: number): void;
}

export interface GroupOptions {
  wire: Wire;
  /** Addresses of existing members. Empty: this member forms the group. */
  seeds?: readonly Address[];
  clock?: Clock;
  random?: Random;
  timing?: Partial<Timing>;
  serializer?: Serializer;
  /** Application state for joiners, captured in delivery order at the view they join in. */
  getState?: () => unknown;
  setState?: (state: unknown) => unknown;
  /** A member's checkpoint for group.snapshot(), taken in delivery order (default: getState). */
  checkpoint?: () => unknown;
  /** After exclusion, join again as a new incarnation (default) or stay out. */
  rejoin?: boolean;
  /**
   * Flow control: how many of this member's multicasts may be unstable (not yet held by every
   * member) at once; beyond it `multicast()` waits, as a TCP window does. Default 8192.
   */
  windowMessagesMax?: number;
  /**
   * Slow consumer policy: when more deliveries than this wait for the application's handlers,
   * this member stops (the others exclude it as failed, so they are never held back by it and
   * its queue never grows without bound), reports a SLOW_CONSUMER error, lets its handlers
   * finish what they have, then rejoins with a state transfer (or stays out with
   * `rejoin: false`). Default 100,000.
   */
  deliveryQueueMax?: number;
  /**
   * Backpressure: multicasts waiting to be sent (behind the window, or during a view change)
   * beyond this make multicast() reject with BACKPRESSURE instead of queueing. Default 100,000.
   */
  pendingMessagesMax?: number;
  /** A payload larger than this (serialized) is refused with PAYLOAD_TOO_LARGE. Default 4 MiB. */
  payloadBytesMax?: number;
  /**
   * As coordinator, this member admits no joiner beyond this view size; the joiner's join then
   * ends in JoinTimeoutError and `stats.joinsRefused` counts it. Default 1,024.
   */
  membersMax?: number;
  /**
   * Which part of a view may install the next one (docs/quorum.md): a majority (default),
   * `{ policy: 'tie-breaker' }` (also the half holding the lowest address, or `tieBreaker`),
   * or `{ policy: 'two-node' }` (either member of a two-member view alone: split-brain risk).
   */
  quorum?: QuorumPolicy;
  /**
   * After an exclusion, re-send the multicasts that the `'excluded'` report lists as
   * unconfirmed, once the next incarnation is in (docs/delivery.md). Default false: the
   * application decides. A message beyond the cut was delivered by no one; one the member
   * merely could not confirm may have been, and is then delivered twice.
   */
  resendUnconfirmed?: boolean;
  /**
   * How long a multicast may wait for this member to deliver what its causal context names
   * (the ambient CausalContext, e.g. one that came in an HTTP header) before it fails with
   * CAUSAL_CONTEXT_UNSATISFIED; a call waits at most its `timeoutMs`. A multicast never goes
   * out naming messages this member has not delivered, so a forged or stale context can delay
   * only its own request, never the group. 0: fail at once. Default 5,000.
   */
  contextWaitMs?: number;
  observer?: GroupObserver;
  /**
   * Where this member writes one line per join, view change, exclusion, block, rejoin and leave,
   * its 'error' events (rejected frames at most once a second), and, through the wire's
   * `useLogger`, the authenticated wire's drop reports. Nest's `Logger` fits as it is; so do
   * `console` and `consoleLogger('warn')`. Default: none, the member writes nothing.
   */
  logger?: CohortLogger;
}

/** A multicast the member sent that it cannot confirm the survivors delivered (docs/delivery.md). */
export interface UnconfirmedMessage {
  readonly topic: string;
  readonly payload: unknown;
  readonly order: Order;
  readonly safe: boolean;
  /** The view it was sent in, and its number in the sender's stream of that view. */
  readonly viewId: number;
  readonly seq: number;
  /**
   * true: beyond the cut of the install that excluded the member, so no survivor delivers it;
   * false: the member learned of its exclusion without that install, and cannot tell.
   */
  readonly lost: boolean;
}

/** What the `'excluded'` event tells: why, and what may not have reached the others. */
export interface ExclusionReport {
  readonly reason: 'suspected' | 'slow-consumer';
  readonly unconfirmed: readonly UnconfirmedMessage[];
  /** Whether they will be re-sent after the rejoin (the `resendUnconfirmed` option). */
  readonly resent: boolean;
}

/** Where a member stands (`group.status`). */
export interface GroupStatus {
  readonly state: 'joining' | 'member' | 'blocked' | 'rejoining' | 'closed';
  /** The view the protocol has installed (the application may still be handling the one before). */
  readonly view: GroupView | null;
  readonly blocked: BlockedReason | null;
  /**
   * The member has the group's state: it formed the group, or the state it joined with was
   * applied (`setState` resolved). False from a (re)join until then, and for good if the state
   * could not be decoded or `setState` threw (the 'error' event said so).
   */
  readonly stateTransferred: boolean;
}

export type { BlockedReason, QuorumPolicy };

export type GroupEvents = {
  /** Every view this member is in, the one it joined in first, in order with deliveries. */
  view: [GroupView];
  excluded: [GroupView | null, ExclusionReport];
  /** This member cannot install a next view: too few members are reachable (NO_QUORUM). */
  blocked: [BlockedReason];
  unblocked: [GroupView];
  rejoined: [GroupView];
  unhandled: [unknown, Delivery];
  /** A synchronous multicast of this member ended: its outcome and duration (for metrics). */
  call: [CallRecord];
  error: [unknown];
};

/**
 * The transport address of a member: a member id (`group.me`, `view.members`, `delivery.sender`,
 * `Replies.failed`, `Replies.slow`, `reply.member`) is `address/incarnation`, and this is its
 * address, the one `seeds` and the wire use (`'10.0.0.2:7000'`, or the simulated name).
 */
export function addressOf(member: MemberId): Address {
  if (typeof member !== 'string' || member.length === 0)
    throw new InvalidArgumentError('addressOf() takes a member id (a non-empty string)');
  return addressOfId(member);
}
