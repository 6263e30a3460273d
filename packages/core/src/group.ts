import { CausalContext, mergeCausality, type GroupCausality } from './context/causal-context.js';
import { realClock, type Clock, type TimerHandle } from './env/clock.js';
import { realRandom, type Random } from './env/random.js';
import {
  CausalContextUnsatisfiedError, CohortError, ExcludedError, GroupClosedError, InvalidArgumentError, JoinTimeoutError, ViewTimeoutError,
} from './errors.js';
import { encodeFrame, type Frame } from './codec/frame.js';
import { ClientService } from './client-service.js';
import {
  CALL_TIMEOUT_MS_MAX, codeOf, DEFAULT_CALL_TIMEOUT_MS, DEFAULT_CONTEXT_WAIT_MS, describe as describeValue, positiveInteger, RESERVED_TOPIC_PREFIX,
  validateDuration, validateGroupName, validateJoinOptions, validateMulticastOptions, validateOptionsObject, validateTimeout, validateTopic, type ValidMulticastOptions,
} from './validation.js';
import { KEY_BYTES_MIN, type AuthenticatedWire } from './wire/authenticated-wire.js';
import {
  SNAPSHOT_DONE, SNAPSHOT_OK, SNAPSHOT_START, SnapshotInterruptedError, SnapshotRecorder, type InTransitMessage, type Snapshot,
} from './snapshot.js';
import { DeliveryQueue } from './delivery-queue.js';
import type { ClientRequestBody } from './protocol/reply/client.header.js';
import { TypedEmitter } from './events.js';
import { GroupLog } from './group-log.js';
import type { CohortLogger } from './logger.js';
import type { FlushValue } from './protocol/membership/membership.header.js';
import { decodeStateEnvelope, encodeStateEnvelope, type StateEnvelope } from './protocol/membership/state-envelope.js';
import { emptyMemberStats, Member, type MemberEvents, type OutboxEntry, type SendOptions } from './protocol/member.js';
import { CallStats, type GroupStats } from './group-stats.js';
import { validateQuorumPolicy, type QuorumPolicy } from './protocol/membership/quorum-policy.js';
import { Caller } from './protocol/reply/caller.js';
import { decodeReply } from './protocol/reply/reply-decoding.js';
import { ExecutedRequests, type RememberedReply } from './protocol/reply/executed-requests.js';
import type { ReplyQuorum } from './protocol/reply/quorum.js';
import type { Replies, ReplyError } from './protocol/reply/replies.js';
import type { ReplyBody } from './protocol/reply/reply.header.js';
import { ReplySender } from './protocol/reply/reply-sender.js';
import { resolveTiming, type Timing } from './protocol/timing.js';
import { addressOf, type DataMessage, type MemberId, type View } from './protocol/types.js';
import type { HoldReason } from './protocol/order/order-stage.js';
import { jsonSerializer, type Serializer } from './serializer.js';
import type { Address } from './wire/wire.js';

export type {
  Order, MulticastOptions, CallOptions, AsyncOptions, Delivery, Handler, GroupView, GroupObserver, GroupOptions, GroupEvents,
  BlockedReason, ExclusionReport, GroupStatus, QuorumPolicy, UnconfirmedMessage, MulticastResult, ViewMatch,
} from './group-options.js';
import type {
  Order, MulticastOptions, CallOptions, AsyncOptions, Delivery, Handler, GroupView, GroupOptions, GroupEvents, ExclusionReport, GroupStatus, UnconfirmedMessage,
  MulticastResult, ViewMatch,
} from './group-options.js';

/** Every event a Group emits: `on()` refuses any other name (a typo would never fire). */
const GROUP_EVENTS = {
  view: true, excluded: true, blocked: true, unblocked: true, rejoined: true, unhandled: true, call: true, error: true,
} as const satisfies Record<keyof GroupEvents, true>;

const KEY_STAGE = 'cohort:key-stage';
const KEY_SIGN = 'cohort:key-sign';
const KEY_RETIRE = 'cohort:key-retire';
export { DEFAULT_CALL_TIMEOUT_MS } from './validation.js';
const DEFAULT_WINDOW_MESSAGES = 8192;
const DEFAULT_DELIVERY_QUEUE_MAX = 100_000;
const DEFAULT_PENDING_MESSAGES_MAX = 100_000;
const DEFAULT_PAYLOAD_BYTES_MAX = 4 * 1024 * 1024;
const DEFAULT_MEMBERS_MAX = 1_024;
/** Rejected frames are reported through 'error' at most this often. */
const REJECT_REPORT_INTERVAL_MS = 1_000;
/**
 * A member whose handlers finish nothing for this long while it holds the others back is a
 * slow consumer even below deliveryQueueMax: it leaves and rejoins, so a stuck handler
 * cannot stop the group for good.
 */
export const CONSUMER_STALL_MS = 10_000;

/** The brand every Group carries: `isGroup()` recognises a Group made by another copy of @cohort/core. */
const GROUP_BRAND: unique symbol = Symbol.for('cohort.group');

/** True for a Group from any copy of @cohort/core (`instanceof` sees only its own copy's class). */
export function isGroup(value: unknown): value is Group {
  return typeof value === 'object' && value !== null && (value as { [GROUP_BRAND]?: unknown })[GROUP_BRAND] === true;
}

/**
 * A member of a process group: the public face of the protocol stack. Every member sees
 * the same views in the same order, and multicasts are delivered view-synchronously.
 */
export class Group extends TypedEmitter<GroupEvents> {
  /** The brand `isGroup()` checks. */
  get [GROUP_BRAND](): true { return true; }
  private member!: Member;
  private currentView: GroupView | null = null;
  private readonly handlers = new Map<string, Handler>();
  private readonly queue: DeliveryQueue;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly timing: Timing;
  private readonly serializer: Serializer;
  private readonly windowMessagesMax: number;
  private readonly deliveryQueueMax: number;
  private readonly pendingMessagesMax: number;
  private readonly payloadBytesMax: number;
  private readonly membersMax: number;
  private readonly contextWaitMs: number;
  /** One line per join, view, exclusion, block, rejoin, leave and 'error' event, when given a logger. */
  private readonly log: GroupLog;
  /** Multicasts waiting for this member to deliver what their causal context names: checked at each delivery and install. */
  private readonly contextWaiters = new Set<() => void>();
  /** awaitView() callers: checked at each install and when the member closes. */
  private readonly viewWaiters = new Set<() => void>();
  private readonly quorum: QuorumPolicy;
  /** Past this many deliveries waiting for the handlers, this member holds its acks back. */
  private readonly ackHoldMark: number;
  private acksHeld = false;
  private rejectedSinceReport = 0;
  private lastRejectReportMs = -Infinity;
  private lastProgressMs = 0;
  private stallCheck: { cancel(): void } | null = null;
  /** Between an exclusion and the next incarnation's join: multicasts wait here, then go out. */
  private rejoining = false;
  private waiting: OutboxEntry[] = [];
  /** The view the protocol installed last (`currentView` is the one the handlers have reached). */
  private installedView: GroupView | null = null;
  private incarnation: number;
  private closed = false;
  private leaveDone: (() => void) | null = null;
  /** Ends the wait of the turn Group.join resolves in (null once it ended): see holdDeliveries(). */
  private joinTurnRelease: (() => void) | null = null;
  /** Counted by every incarnation of the member in turn: `stats` never goes back after a rejoin. */
  private readonly memberStats = emptyMemberStats();
  private readonly callStats: CallStats;
  /** The state this incarnation joined with is applied (or there was none to apply): `status.stateTransferred`. */
  private stateTransferred = false;
  private readonly caller: Caller;
  private readonly replySender: ReplySender;
  private readonly executed = new ExecutedRequests();
  /** What the replies to this member's calls carried: its later multicasts follow it. */
  private repliedContext = CausalContext.empty;
  /** Own multicasts wait in `waiting` while this is set (holdForReplies). */
  private repliedHold: { check: () => void; timer: TimerHandle } | null = null;
  private repliedContextsTrimmed = 0;
  private lastViewMembers: readonly MemberId[] = [];
  private readonly clients: ClientService;
  private readonly snapshots = new SnapshotRecorder();
  private snapshotCount = 0;
  /** Snapshots this member started that a view change would interrupt. */
  private readonly snapshotsRunning = new Set<(error: Error) => void>();

  private constructor(readonly name: string, private readonly options: GroupOptions) {
    super();
    this.clock = options.clock ?? options.wire.clock ?? realClock;
    this.random = options.random ?? options.wire.random ?? realRandom;
    this.timing = resolveTiming(options.timing);
    this.serializer = options.serializer ?? jsonSerializer;
    this.incarnation = 1 + this.random.int(1_000_000);
    const window = options.windowMessagesMax ?? DEFAULT_WINDOW_MESSAGES;
    if (!Number.isInteger(window) || window < 1) throw new InvalidArgumentError('windowMessagesMax must be a positive integer');
    this.windowMessagesMax = window;
    const queueMax = options.deliveryQueueMax ?? DEFAULT_DELIVERY_QUEUE_MAX;
    if (!Number.isInteger(queueMax) || queueMax < 1) throw new InvalidArgumentError('deliveryQueueMax must be a positive integer');
    this.deliveryQueueMax = queueMax;
    this.pendingMessagesMax = positiveInteger(options.pendingMessagesMax, DEFAULT_PENDING_MESSAGES_MAX, 'pendingMessagesMax');
    this.payloadBytesMax = positiveInteger(options.payloadBytesMax, DEFAULT_PAYLOAD_BYTES_MAX, 'payloadBytesMax');
    this.membersMax = positiveInteger(options.membersMax, DEFAULT_MEMBERS_MAX, 'membersMax');
    this.contextWaitMs = options.contextWaitMs ?? DEFAULT_CONTEXT_WAIT_MS;
    this.log = new GroupLog(options.logger, name, options.wire.address);
    // The wire's own reports (authentication failures) go to the same place.
    if (options.logger) options.wire.useLogger?.(options.logger);
    this.quorum = validateQuorumPolicy(options.quorum);
    if (options.resendUnconfirmed !== undefined && typeof options.resendUnconfirmed !== 'boolean') throw new InvalidArgumentError('resendUnconfirmed must be a boolean');
    this.ackHoldMark = Math.max(1, Math.min(Math.floor(queueMax / 2), window));
    this.queue = new DeliveryQueue({
      onError: (error) => this.emit('error', error),
      clock: this.clock,
      onProgress: (length) => {
        this.lastProgressMs = this.clock.now();
        // Backpressure released: the handlers caught up to half the mark.
        if (this.acksHeld && length <= this.ackHoldMark / 2) this.holdAcks(false);
      },
    });
    this.caller = new Caller(this.clock);
    this.callStats = new CallStats(this.clock, (record) => this.emit('call', record));
    this.replySender = new ReplySender({
      clock: this.clock,
      intervalMs: this.timing.retransmitIntervalMs,
      maxIntervalMs: this.timing.heartbeatIntervalMs * 10,
      retainMs: CALL_TIMEOUT_MS_MAX,
      send: (from, to, body) => this.sendDirect(from, addressOf(to), body),
    });
    this.clients = new ClientService({
      clock: this.clock,
      serving: () => (this.member?.isMember && this.member.view ? { me: this.member.me, view: this.member.view } : null),
      send: (from, to, body) => this.sendDirect(from, to, body),
      relay: (request, quorum) => this.relayFor(request, quorum),
      serveDirect: (client, request, view) => this.serveDirect(client, request, view),
      encodeReply: (reply) => (reply.error ? { failed: true, payload: this.serializer.encode(reply.error) } : this.encodeValue(reply.value)),
      refusal: (request, direct) => this.refuseClient(request, direct),
    });
  }

  /**
   * Joins (or, with no seeds, forms) the group; rejects with JoinTimeoutError, never hangs.
   * Every option is checked first (INVALID_ARGUMENT). The wire belongs to the member from this
   * call on: a join that fails, for whatever reason, closes it before it rejects (so a
   * listening port is free again once the promise settles); retry with a new wire.
   */
  static join(groupName: string, options: GroupOptions): Promise<Group> {
    let group: Group;
    try {
      validateGroupName(groupName);
      validateJoinOptions(options);
      group = new Group(groupName, options);
    } catch (error) {
      return Group.failedJoin(options, error);
    }
    return new Promise((resolve, reject) => {
      group.startMember(options.seeds ?? [], true, null, {
        joined: () => resolve(group),
        failed: (waiting) => {
          for (const entry of waiting) if ('flushed' in entry) entry.flushed(false); else entry.sent(null);
          group.closed = true;
          group.wakeWaiters();
          Group.failedJoin(options, new JoinTimeoutError(groupName, group.timing.joinTimeoutMs, group.member.seedReport())).catch(reject);
        },
      });
    });
  }

  /** A failed join closes the wire it was given (when there is one to close), then rejects. */
  private static async failedJoin(options: unknown, error: unknown): Promise<never> {
    const wire = (options as { wire?: { close?: unknown } } | null | undefined)?.wire;
    if (wire && typeof wire.close === 'function') {
      try {
        await (wire.close as () => Promise<void>).call(wire);
      } catch {
        // The join's own error is the one to report.
      }
    }
    throw error;
  }

  get me(): MemberId {
    return this.member.me;
  }

  /**
   * The epoch of this incarnation of the group: drawn at random when the group was formed,
   * carried in every frame; frames of another epoch (a group of this name formed before) are
   * dropped (`stats.framesOtherEpoch`). 0 until this member joined.
   */
  get epoch(): number {
    return this.member.epoch;
  }

  /**
   * The view the protocol has installed: never stale, even while the handlers still work
   * through deliveries of the view before it (each delivery names its own view).
   */
  get view(): GroupView {
    return (this.installedView ?? this.currentView)!;
  }

  /** Where this member stands: joining, member, blocked (no quorum, with the reason), rejoining or closed. */
  get status(): GroupStatus {
    const blocked = this.member.isMember ? this.member.status.blocked : null;
    const state = this.closed ? 'closed' : this.rejoining ? 'rejoining' : !this.member.isMember ? 'joining' : blocked ? 'blocked' : 'member';
    return { state, view: this.installedView, blocked, stateTransferred: this.stateTransferred };
  }

  /** Multicasts issued and not yet sent (behind the window, waiting out a view change or a rejoin). */
  get pendingMessages(): number {
    return this.member.pendingCount + this.waiting.length;
  }

  /** Unstable messages this member holds in memory. */
  get heldMessages(): number {
    return this.member.heldMessages;
  }

  /** The logger this member writes to (the `logger` option), or null: it writes nothing. */
  get logger(): CohortLogger | null {
    return this.options.logger ?? null;
  }

  /** Every 'error' event is a line in the logger too (warnings for those the member goes on after). */
  protected override emit<K extends keyof GroupEvents>(event: K, ...args: GroupEvents[K]): boolean {
    if (event === 'error') this.log.error(args[0]);
    return super.emit(event, ...args);
  }

  /** Counters (monotonic across rejoins) and gauges of this member, read at once (group-stats.ts; docs/nestjs.md, Metrics). */
  get stats(): GroupStats {
    const member = this.member;
    const window = member.window;
    return {
      ...this.memberStats, clientRequestsRefused: this.clients.refused, repliedContextsTrimmed: this.repliedContextsTrimmed,
      callsQuorumMet: this.callStats.quorumMet, callsQuorumNotMet: this.callStats.quorumNotMet, callsFailed: this.callStats.failed,
      callsInFlight: this.caller.size, unstableMessages: member.heldMessages, orderQueueMessages: member.orderQueueMessages,
      deliveryQueueMessages: this.queue.length, pendingMessages: this.pendingMessages, windowMessages: window.messages,
      windowMessagesMax: window.messagesMax, slowMembers: window.slowMembers, viewMembers: member.isMember ? member.view?.members.length ?? 0 : 0,
    };
  }

  /**
   * Holds the application's side of delivery — handler calls, the 'view', 'excluded' and
   * 'rejoined' events, state capture and adoption — until the returned function is called
   * (idempotent; with several holds, until all are). The protocol goes on: what it delivers
   * waits in the delivery queue, in order, and flow control applies as for slow handlers.
   * `reason` is reported by `deliveryHolds`, for logs and errors that come of the wait (a
   * member's own synchronous call waits for its own delivery too). A hold taken in the turn
   * Group.join resolves in takes that turn's wait over: the view joined in waits for its release.
   */
  holdDeliveries(reason: string): () => void {
    if (typeof reason !== 'string' || reason.length === 0) throw new InvalidArgumentError(`the reason of a hold must be a non-empty string, not ${describeValue(reason)}`);
    const release = this.queue.hold(reason);
    this.joinTurnRelease?.();
    this.joinTurnRelease = null;
    return release;
  }

  /** Why deliveries wait: the reasons of the holds in force (holdDeliveries), oldest first; empty when none. */
  get deliveryHolds(): readonly string[] {
    return this.queue.holds;
  }

  handle<T = unknown>(topic: string, handler: Handler<T>): void {
    validateTopic(topic);
    if (typeof handler !== 'function') throw new InvalidArgumentError(`handler must be a function, not ${describeValue(handler)}`);
    if (this.handlers.has(topic)) throw new InvalidArgumentError(`topic "${topic}" already has a handler`);
    this.handlers.set(topic, handler as Handler);
  }

  /**
   * Listens to one of the member's events ('view', 'excluded', 'blocked', 'unblocked',
   * 'rejoined', 'unhandled', 'error'); returns the function that removes the listener. The
   * 'view' event comes for every view, the one joined in first (to a listener added in the
   * turn `Group.join` resolves), in order with deliveries. 'view', 'excluded' and 'rejoined'
   * are tasks of the delivery queue: a listener of theirs that returns a promise holds back the
   * next delivery until it settles, as an async handler does.
   */
  override on<K extends keyof GroupEvents>(event: K, listener: (...args: GroupEvents[K]) => void): () => void {
    if (typeof event !== 'string' || !Object.prototype.hasOwnProperty.call(GROUP_EVENTS, event)) {
      throw new InvalidArgumentError(`a Group has no event ${describeValue(event)} (events: ${Object.keys(GROUP_EVENTS).join(', ')})`);
    }
    if (typeof listener !== 'function') throw new InvalidArgumentError(`the listener of '${event}' must be a function, not ${describeValue(listener)}`);
    return super.on(event, listener);
  }

  /**
   * Multicasts to the group. Asynchronous (no `replies`, or 'none'): resolves once the
   * message is sequenced and sent (queued during a view change, it goes out in the next
   * view). Synchronous: resolves with the replies once the quorum answered, the members left
   * to answer failed, or `timeoutMs` passed; a handler that calls this releases its delivery
   * queue while it waits, so nested calls never deadlock.
   */
  multicast(topic: string, payload: unknown, options: CallOptions): Promise<Replies>;
  multicast(topic: string, payload: unknown, options?: AsyncOptions): Promise<void>;
  multicast<O extends MulticastOptions>(topic: string, payload: unknown, options: O): Promise<MulticastResult<O>>;
  multicast(topic: string, payload: unknown, options?: MulticastOptions): Promise<void | Replies> {
    let valid: ValidMulticastOptions;
    try {
      validateTopic(topic);
      valid = validateMulticastOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.send(topic, payload, valid);
  }

  /**
   * Sends a multicast whose options are checked (or Cohort's own). Everything up to handing
   * it to the member runs synchronously, so multicasts (and flush()) go out in the order they
   * were issued — unless the causal context names messages this member has not delivered yet:
   * then this one multicast waits for them (bounded), and fails alone if they do not come.
   */
  private async send(topic: string, payload: unknown, options: Partial<ValidMulticastOptions>): Promise<void | Replies> {
    const order = options.order ?? 'fifo';
    const safe = options.safe ?? false;
    const quorum = options.quorum ?? 'none';
    let timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    if (this.closed) throw new GroupClosedError('the member left the group');
    const bytes = this.serializer.encode(payload);
    if (bytes.length > this.payloadBytesMax) throw new CohortError('PAYLOAD_TOO_LARGE', `the payload is ${bytes.length} bytes, more than payloadBytesMax (${this.payloadBytesMax})`);
    if (this.pendingMessages >= this.pendingMessagesMax) {
      throw new CohortError('BACKPRESSURE', `${this.pendingMessages} multicasts already wait to be sent (pendingMessagesMax ${this.pendingMessagesMax}): wait for some to resolve`);
    }
    // The ambient context may have come from outside the group (an HTTP header, a service's
    // request): it is trusted only as far as this member has delivered what it names.
    const ambient = CausalContext.current()?.get(this.name);
    // What the replies to this member's calls taught it is carried too; the member's
    // multicasts wait in order until it has delivered that (see holdForReplies).
    const context = mergeCausality(ambient, this.repliedContext.get(this.name));
    if (ambient && this.contextGap(ambient)) {
      const started = this.clock.now();
      await this.contextDelivered(ambient, quorum === 'none' ? this.contextWaitMs : Math.min(this.contextWaitMs, timeoutMs));
      if (this.closed) throw new GroupClosedError('the member left the group');
      // A call still settles by its timeout: the wait came out of it.
      timeoutMs = Math.max(1, timeoutMs - (this.clock.now() - started));
    }
    if (quorum === 'none') {
      const message = await this.submit(topic, bytes, { order, safe, context }).sent;
      if (!message) throw new GroupClosedError('the member left or was stopped before the message was sent');
      return;
    }
    return this.call(topic, bytes, { order, safe, context }, quorum, timeoutMs, undefined);
  }

  /**
   * What of `context` this member has not delivered, or null when it has delivered all of it:
   * a context of an older view is satisfied (the flush that ended it delivered everything);
   * one of a newer view waits for this member to install it; in the same view, each entry is
   * compared with what this member has delivered (its causal vector). `final`: it never will
   * (a rank beyond the view).
   */
  private contextGap(context: GroupCausality): { final: boolean; detail: string } | null {
    const mine = this.member.causalVector();
    if (!mine) return { final: false, detail: `it names view ${context.viewId}; this member is not in a view` };
    if (context.viewId < mine.viewId) return null;
    if (context.viewId > mine.viewId) return { final: false, detail: `it names view ${context.viewId}; this member is in view ${mine.viewId}` };
    for (let rank = 0; rank < context.deps.length; rank++) {
      const named = context.deps[rank]!;
      if (rank >= mine.deps.length) {
        if (named > 0) return { final: true, detail: `it names rank ${rank} of view ${mine.viewId}, which has ${mine.deps.length} members` };
        continue;
      }
      if (named > mine.deps[rank]!) {
        return { final: false, detail: `it names message ${named} of rank ${rank} in view ${mine.viewId}; this member has delivered ${mine.deps[rank]}` };
      }
    }
    return null;
  }

  /** Resolves once this member has delivered what `context` names; rejects after `waitMs`. */
  private contextDelivered(context: GroupCausality, waitMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: { cancel(): void } | null = null;
      const settle = (outcome: Error | null): void => {
        this.contextWaiters.delete(check);
        timer?.cancel();
        if (outcome) reject(outcome);
        else resolve();
      };
      const check = (): void => {
        if (this.closed) return settle(new GroupClosedError('the member left the group'));
        const gap = this.contextGap(context);
        if (!gap) return settle(null);
        if (gap.final) settle(new CausalContextUnsatisfiedError(this.name, gap.detail));
      };
      this.contextWaiters.add(check);
      check();
      if (!this.contextWaiters.has(check)) return;
      if (waitMs === 0) return settle(new CausalContextUnsatisfiedError(this.name, `${this.contextGap(context)!.detail} (contextWaitMs is 0)`));
      timer = this.clock.setTimer(waitMs, () => {
        const gap = this.contextGap(context);
        settle(gap ? new CausalContextUnsatisfiedError(this.name, `${gap.detail}, after waiting ${waitMs} ms`) : null);
      });
    });
  }

  /**
   * Resolves once this member has delivered everything `context` (default: the ambient one)
   * names of this group: what a multicast made in it waits for. A read served from this
   * member's state after it resolves sees every write the context's thread has seen (a
   * client's own writes made through other members, say). Rejects with
   * CausalContextUnsatisfiedError (code CAUSAL_CONTEXT_UNSATISFIED) after `timeoutMs`
   * (default `contextWaitMs`), or at once when the context names a rank beyond its view.
   */
  awaitContext(context?: CausalContext, options: { timeoutMs?: number } = {}): Promise<void> {
    let waitMs: number;
    try {
      if (context !== undefined && !(context instanceof CausalContext)) {
        throw new InvalidArgumentError(`awaitContext() takes a CausalContext (or nothing, for the ambient one), not ${describeValue(context)}`);
      }
      const bag = validateOptionsObject(options, 'awaitContext() options', { timeoutMs: true });
      waitMs = validateDuration(bag['timeoutMs'], 'awaitContext() options.timeoutMs', 0, CALL_TIMEOUT_MS_MAX) ?? this.contextWaitMs;
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.closed) return Promise.reject(new GroupClosedError('the member left the group'));
    const causality = (context ?? CausalContext.current())?.get(this.name);
    if (!causality || !this.contextGap(causality)) return Promise.resolve();
    return this.contextDelivered(causality, waitMs);
  }

  /** Deliveries, installs and closing may settle the multicasts and awaitView() calls that wait. */
  private wakeWaiters(views = true): void {
    if (this.contextWaiters.size > 0) for (const check of [...this.contextWaiters]) check();
    if (views && this.viewWaiters.size > 0) for (const check of [...this.viewWaiters]) check();
  }

  /**
   * Resolves with the first view this member installs (the current one included) that
   * matches: `{ size: n }`, a view of exactly n members, or a predicate. By view synchrony
   * every member of that view installs the same one, so `awaitView({ size: 3 })` at each of
   * three members waits until all three share a view. Rejects with ViewTimeoutError (code
   * VIEW_TIMEOUT) after `timeoutMs` (default 10,000), GroupClosedError if the member leaves,
   * or what the predicate throws.
   */
  awaitView(match: ViewMatch, options: { timeoutMs?: number } = {}): Promise<GroupView> {
    let timeoutMs: number;
    let matches: (view: GroupView) => boolean;
    try {
      if (typeof match === 'function') {
        matches = match;
      } else {
        const size = validateOptionsObject(match, 'awaitView() match', { size: true })['size'];
        if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
          throw new InvalidArgumentError(`awaitView() takes a predicate or { size: n } with n a positive integer, not size ${describeValue(size)}`);
        }
        matches = (view) => view.members.length === size;
      }
      timeoutMs = validateTimeout(validateOptionsObject(options, 'awaitView() options', { timeoutMs: true })['timeoutMs'], 'awaitView() options.timeoutMs');
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<GroupView>((resolve, reject) => {
      let timer: { cancel(): void } | null = null;
      const settle = (view: GroupView | null, error?: unknown): void => {
        this.viewWaiters.delete(check);
        timer?.cancel();
        if (view) resolve(view);
        else reject(error);
      };
      const check = (): void => {
        if (this.closed) return settle(null, new GroupClosedError('the member left the group'));
        const view = this.installedView;
        if (!view) return;
        try {
          if (matches(view)) settle(view);
        } catch (error) {
          settle(null, error);
        }
      };
      this.viewWaiters.add(check);
      check();
      if (!this.viewWaiters.has(check)) return;
      timer = this.clock.setTimer(timeoutMs, () => settle(null, new ViewTimeoutError(this.name, timeoutMs, this.installedView)));
    });
  }

  /**
   * Hands one multicast to the member, or, between an exclusion and the next incarnation,
   * keeps it for that one. `withdraw` takes it back if it has not gone out yet.
   */
  private submit(topic: string, payload: Uint8Array, options: SendOptions): { sent: Promise<DataMessage | null>; withdraw: () => void } {
    let resolve!: (message: DataMessage | null) => void;
    const sent = new Promise<DataMessage | null>((r) => { resolve = r; });
    const entry: OutboxEntry = { topic, payload, options, sent: resolve };
    this.enqueue(entry);
    return {
      sent,
      withdraw: () => {
        const index = this.waiting.indexOf(entry);
        if (index >= 0) this.waiting.splice(index, 1);
        else this.member.withdraw(resolve);
      },
    };
  }

  private enqueue(entry: OutboxEntry): void {
    if ((this.member.isGone && this.rejoining && !this.closed) || this.repliedHold) this.waiting.push(entry);
    else this.member.enqueue(entry);
  }

  private holdAcks(hold: boolean): void {
    this.acksHeld = hold;
    this.member.holdAcks(hold);
    this.stallCheck?.cancel();
    this.stallCheck = null;
    if (!hold) return;
    this.lastProgressMs = this.clock.now();
    const check = (): void => {
      const member = this.member;
      if (!this.acksHeld || this.closed) return;
      if (this.clock.now() - this.lastProgressMs >= CONSUMER_STALL_MS && member.isMember && member.view) {
        this.leaveAsSlowConsumer(member.me, member.view);
        return;
      }
      this.stallCheck = this.clock.setTimer(this.timing.heartbeatIntervalMs * 10, check);
    };
    this.stallCheck = this.clock.setTimer(this.timing.heartbeatIntervalMs * 10, check);
  }

  /** Multicasts a request and collects replies (the synchronous half of multicast). */
  private async call(
    topic: string, bytes: Uint8Array, send: { order: Order; safe: boolean; context: GroupCausality | undefined },
    quorum: Exclude<ReplyQuorum, 'none'>, timeoutMs: number, requestKey: string | undefined,
  ): Promise<Replies> {
    // The handler this runs in (if any) stops holding back the deliveries behind it.
    DeliveryQueue.releaseCurrent();
    // The timer runs from here: a call settles by its timeout even if its request is still
    // waiting to go out (a view change, no quorum, a rejoin, held for earlier replies); then it
    // never goes out.
    const { call, result } = this.caller.open(quorum, timeoutMs);
    const request = this.submit(topic, bytes, { ...send, call, ...(requestKey ? { requestKey } : {}) });
    void request.sent.then((message) => {
      if (!message) {
        this.caller.fail(call, new GroupClosedError('the member left or was stopped before the request was sent'));
        return;
      }
      // The view the request was sequenced in is the member's view at that moment.
      const view = this.member.view;
      if (view && view.id === message.viewId) this.caller.sent(call, message, view.members);
    });
    const tracked = this.callStats.track({ topic, order: send.order, quorum, relayed: requestKey !== undefined }, result.finally(request.withdraw));
    return this.absorbed(await tracked, requestKey);
  }

  /**
   * The member's own call teaches it its replies' context, which its later multicasts carry.
   * A call relayed for a client does not: the client's thread is not the member's.
   */
  private absorbed(replies: Replies, requestKey: string | undefined): Replies {
    if (requestKey === undefined) {
      this.repliedContext = this.repliedContext.merge(replies.context);
      this.holdForReplies();
    }
    return replies;
  }

  /**
   * A reply's context names messages that exist, but not yet messages this member has: a
   * responder's own multicasts may still be on their way, and if the responder crashes first
   * the flush discards them. A multicast sent on top of them would be discarded with them, an
   * orphan, after this member was told it was sent (campaign seeds 2297, 4257, 7345). So the
   * member holds its own multicasts, calls and flush() calls back, in the order issued, until
   * it has delivered what the replies named, or the view ended (its flush settled them). The
   * order matters: a handler's multicast must not pass one issued before it (a snapshot's "OK"
   * would pass a transfer debited before the checkpoint). Bounded by `contextWaitMs`: a member
   * that named messages it never sent delays its caller that long, and no longer: the held
   * multicasts then go out naming only what this member delivered.
   */
  private holdForReplies(): void {
    if (this.repliedHold || this.closed) return;
    const unmet = (): boolean => {
      const replied = this.repliedContext.get(this.name);
      return replied !== undefined && this.contextGap(replied) !== null;
    };
    if (!unmet()) return;
    const check = (): void => {
      if (this.closed || !unmet()) this.releaseHeld(false);
    };
    this.repliedHold = { check, timer: this.clock.setTimer(this.contextWaitMs, () => this.releaseHeld(unmet())) };
    this.contextWaiters.add(check);
  }

  private releaseHeld(expired: boolean): void {
    const hold = this.repliedHold;
    if (!hold) return;
    this.repliedHold = null;
    hold.timer.cancel();
    this.contextWaiters.delete(hold.check);
    if (expired) {
      const mine = this.member.causalVector();
      const trim = (context: GroupCausality | undefined): GroupCausality | undefined => {
        if (!context || !mine || context.viewId < mine.viewId) return context;
        if (context.viewId > mine.viewId) return undefined;
        return { viewId: context.viewId, deps: context.deps.map((named, rank) => Math.min(named, mine.deps[rank] ?? 0)) };
      };
      const replied = trim(this.repliedContext.get(this.name));
      this.repliedContext = replied ? CausalContext.ofMember(this.name, { viewId: replied.viewId, deps: [...replied.deps] }) : CausalContext.empty;
      for (const entry of this.waiting) if ('options' in entry) entry.options = { ...entry.options, context: trim(entry.options.context) };
      this.repliedContextsTrimmed++;
    }
    // Out of the group, they wait for the next incarnation; closing, leave() ends them.
    if (this.closed || (this.member.isGone && this.rejoining)) return;
    // All at once: a handler that runs as the first goes out multicasts behind the last.
    this.member.enqueue(...this.waiting.splice(0));
  }

  /** FIFO multicast: one sender's messages in the order sent. */
  fbcast(topic: string, payload: unknown, options: Omit<CallOptions, 'order'>): Promise<Replies>;
  fbcast(topic: string, payload: unknown, options?: Omit<AsyncOptions, 'order'>): Promise<void>;
  fbcast<O extends Omit<MulticastOptions, 'order'>>(topic: string, payload: unknown, options: O): Promise<MulticastResult<O>>;
  fbcast(topic: string, payload: unknown, options?: Omit<MulticastOptions, 'order'>): Promise<void | Replies> {
    return this.shorthand('fbcast', 'fifo', topic, payload, options);
  }

  /** Causal multicast: after every message whose delivery or send happened before this one. */
  cbcast(topic: string, payload: unknown, options: Omit<CallOptions, 'order'>): Promise<Replies>;
  cbcast(topic: string, payload: unknown, options?: Omit<AsyncOptions, 'order'>): Promise<void>;
  cbcast<O extends Omit<MulticastOptions, 'order'>>(topic: string, payload: unknown, options: O): Promise<MulticastResult<O>>;
  cbcast(topic: string, payload: unknown, options?: Omit<MulticastOptions, 'order'>): Promise<void | Replies> {
    return this.shorthand('cbcast', 'causal', topic, payload, options);
  }

  /** Group-order multicast: ordered against every other message and view change (runs a flush). */
  gbcast(topic: string, payload: unknown, options: Omit<CallOptions, 'order'>): Promise<Replies>;
  gbcast(topic: string, payload: unknown, options?: Omit<AsyncOptions, 'order'>): Promise<void>;
  gbcast<O extends Omit<MulticastOptions, 'order'>>(topic: string, payload: unknown, options: O): Promise<MulticastResult<O>>;
  gbcast(topic: string, payload: unknown, options?: Omit<MulticastOptions, 'order'>): Promise<void | Replies> {
    return this.shorthand('gbcast', 'group', topic, payload, options);
  }

  /** Total-order multicast: every member delivers abcasts in one agreed order, consistent with causality. */
  abcast(topic: string, payload: unknown, options: Omit<CallOptions, 'order'>): Promise<Replies>;
  abcast(topic: string, payload: unknown, options?: Omit<AsyncOptions, 'order'>): Promise<void>;
  abcast<O extends Omit<MulticastOptions, 'order'>>(topic: string, payload: unknown, options: O): Promise<MulticastResult<O>>;
  abcast(topic: string, payload: unknown, options?: Omit<MulticastOptions, 'order'>): Promise<void | Replies> {
    return this.shorthand('abcast', 'total', topic, payload, options);
  }

  /** fbcast & co.: their options are multicast()'s without `order` (or with their own). */
  private shorthand(name: string, order: Order, topic: string, payload: unknown, options: unknown): Promise<void | Replies> {
    if (options === undefined) return this.multicast(topic, payload, { order });
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      return Promise.reject(new InvalidArgumentError(`${name}() options must be an object, not ${describeValue(options)}`));
    }
    const given = (options as MulticastOptions).order;
    if (given !== undefined && given !== order) {
      return Promise.reject(new InvalidArgumentError(`${name}() sends in ${order} order, not ${describeValue(given)}: use multicast() to choose the order`));
    }
    return this.multicast(topic, payload, { ...(options as MulticastOptions), order });
  }

  /**
   * The application's fsync: resolves once every multicast this member issued so far is
   * stable (held by every member of the view), before it acts on the outside world.
   */
  async flush(): Promise<void> {
    if (this.closed) throw new GroupClosedError('the member left the group');
    const stable = await new Promise<boolean>((flushed) => this.enqueue({ flushed }));
    if (!stable) throw new GroupClosedError('the member left or was stopped before its multicasts were stable');
  }

  /**
   * This member's causal context (what it delivered and sent in this group) merged with the
   * ambient one: hand it to the next service of a causal thread (see CausalContext).
   */
  context(): CausalContext {
    const ambient = CausalContext.current() ?? CausalContext.empty;
    const mine = this.member.causalVector();
    return mine ? ambient.merge(CausalContext.ofMember(this.name, mine)) : ambient;
  }

  /**
   * A causal snapshot of the group (two rounds of cbcast, see SnapshotRecorder): every
   * member's checkpoint (the `checkpoint` option, else getState) and the messages in transit
   * across the cut. Rejects with SnapshotInterruptedError if the view changes meanwhile.
   */
  async snapshot(options: { timeoutMs?: number } = {}): Promise<Snapshot> {
    const timeoutMs = validateTimeout(validateOptionsObject(options, 'snapshot() options', { timeoutMs: true })['timeoutMs'], 'snapshot() options.timeoutMs');
    if (this.closed) throw new GroupClosedError('the member left the group');
    DeliveryQueue.releaseCurrent();
    const id = `${this.member.me}#${++this.snapshotCount}`;
    const viewId = this.member.view?.id ?? 0;
    let interrupt!: (error: Error) => void;
    const interrupted = new Promise<never>((_resolve, reject) => { interrupt = reject; });
    this.snapshotsRunning.add(interrupt);
    const timer = this.clock.setTimer(timeoutMs, () => interrupt(new SnapshotInterruptedError(id, `no answer from every member within ${timeoutMs} ms`)));
    try {
      const allOk = this.snapshots.whenAllOk(id);
      await this.send(SNAPSHOT_START, id, { order: 'causal' });
      await Promise.race([allOk, interrupted]);
      const replies = await Promise.race([this.send(SNAPSHOT_DONE, id, { order: 'causal', quorum: 'all', timeoutMs }) as Promise<Replies>, interrupted]);
      if (!replies.quorumMet || replies.viewId !== viewId || replies.errors.length > 0) {
        throw new SnapshotInterruptedError(id, `${replies.replies.length - replies.errors.length} of ${replies.expected.length} members answered in view ${viewId}`);
      }
      const members = [...replies.replies].sort((a, b) => a.rank - b.rank)
        .map((reply) => ({ member: reply.member, ...(reply.value as { checkpoint: unknown; inTransit: InTransitMessage[] }) }));
      return { id, viewId, members };
    } finally {
      timer.cancel();
      this.snapshotsRunning.delete(interrupt);
    }
  }

  /**
   * Rotates the group key of an authenticated wire (`authenticate(wire, { key })`) by three
   * gbcasts, so that every member switches at the same points of the delivery sequence and no
   * member is stranded by a lost frame: the new key travels sealed under the current one and is
   * accepted by all (1); then all sign with it (2); then the old key is refused (3). Resolves
   * once every member of the view has retired the old key (docs/security.md).
   */
  async rotateKey(newKey: Uint8Array | string): Promise<void> {
    const wire = this.options.wire as Partial<AuthenticatedWire>;
    if (typeof wire.seal !== 'function' || typeof wire.stageKey !== 'function') {
      throw new InvalidArgumentError('rotateKey needs an authenticated wire: authenticate(wire, { key })');
    }
    const bytes = typeof newKey === 'string' ? new TextEncoder().encode(newKey) : newKey;
    if (!(bytes instanceof Uint8Array) || bytes.length < KEY_BYTES_MIN) throw new InvalidArgumentError(`the new key must be at least ${KEY_BYTES_MIN} bytes`);
    if (this.closed) throw new GroupClosedError('the member left the group');
    const sealed = Buffer.from(wire.seal(bytes)).toString('base64');
    // Each step waits for every member's answer before the next goes out, so no two steps
    // ever share a flush: a member behind by one step still shares a key with the others.
    for (const [topic, payload] of [[KEY_STAGE, sealed], [KEY_SIGN, ''], [KEY_RETIRE, '']] as const) {
      const replies = (await this.send(topic, payload, { order: 'group', quorum: 'all' })) as Replies;
      if (replies.errors.length > 0) {
        throw new CohortError('KEY_ROTATION', `key rotation failed at ${replies.errors.map((r) => `${r.member}: ${r.error!.message}`).join('; ')}`);
      }
    }
  }

  /** Resolves once every delivery handed to this member so far has been handled. */
  drained(): Promise<void> {
    return this.queue.idle();
  }

  /** Leaves gracefully: the others install a view without this member, then the wire closes. */
  async leave(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const leaver = this.member.me;
    // Multicasts waiting for their causal context, and awaitView() calls, end now.
    this.wakeWaiters();
    await new Promise<void>((resolve) => {
      const timer = this.clock.setTimer(this.timing.leaveTimeoutMs, () => {
        // The outcome was lost (the leaver may well have been let go with its vote counted):
        // it asked to leave and it is gone, so to the history it left.
        const wasMember = this.member.isMember;
        const me = this.member.me;
        const unconfirmed = wasMember ? this.member.unconfirmed(null) : [];
        this.member.stop();
        if (unconfirmed.length > 0) {
          // Nothing acknowledged is lost silently: the flush that would have delivered these
          // did not complete in time.
          this.options.observer?.unconfirmed?.(me, unconfirmed);
          const described = unconfirmed.map((message) => this.describe(message, false));
          this.emit('error', new CohortError('LEAVE_TIMEOUT', `${me} left without the others confirming ${unconfirmed.length} of its multicasts`, { cause: described }));
        }
        if (wasMember) this.options.observer?.left?.(me);
        resolve();
      });
      this.leaveDone = () => {
        timer.cancel();
        resolve();
      };
      if (!this.member.isMember) {
        this.member.stop();
        this.leaveDone();
      } else {
        this.member.leave();
      }
    });
    this.caller.failAll(new GroupClosedError('the member left the group'));
    for (const entry of this.waiting.splice(0)) if ('flushed' in entry) entry.flushed(false); else entry.sent(null);
    this.rejoining = false;
    this.replySender.stop();
    this.log.left(leaver);
    await this.options.wire.close();
  }

  private startMember(
    seeds: readonly Address[], mayFormGroup: boolean, previousInstall: FlushValue | null,
    outcome: { joined: () => void; failed: (waiting: OutboxEntry[]) => void },
  ): void {
    const observer = this.options.observer;
    let first = true;
    const me = `${this.options.wire.address}/${this.incarnation}`;
    // A new incarnation starts from the state it is given (the executed keys with it).
    this.executed.clear();
    this.stateTransferred = false;
    // The observer hears of protocol events as they happen, and of each delivery again where
    // the application's handler takes it (`handled`), so a history shows both orders.
    const events: MemberEvents = {
      sent: (message) => observer?.sent?.(me, message),
      // Given to the protocol only when observed: otherwise it keeps no record of arrivals.
      ...(observer?.held ? { held: (message: DataMessage, reason: HoldReason) => observer.held?.(me, message, reason) } : {}),
      ...(observer?.flushing ? { flushing: (viewId: number) => observer.flushing?.(me, viewId) } : {}),
      deliver: (message, view) => {
        observer?.delivered?.(me, message);
        // The handler runs in the context of what this member had delivered, this message included.
        const causality = this.member.causalVector();
        const context = causality ? CausalContext.ofMember(this.name, causality) : CausalContext.empty;
        this.queue.push(() => {
          observer?.handled?.(me, message);
          return CausalContext.run(context, () => this.dispatch(message, view));
        });
        if (this.queue.length > this.deliveryQueueMax) this.leaveAsSlowConsumer(me, view);
        else if (!this.acksHeld && this.queue.length > this.ackHoldMark) this.holdAcks(true);
        // A multicast waiting for this member to deliver what its context names may go now.
        if (this.contextWaiters.size > 0) this.wakeWaiters(false);
      },
      install: (view, joined) => {
        observer?.installed?.(me, view);
        this.caller.viewChanged(view.members);
        // Callers the view change removed wait for nothing any more.
        const previous = this.lastViewMembers;
        this.lastViewMembers = view.members;
        this.replySender.forgetCallersNotIn((caller) => !previous.includes(caller) || view.members.includes(caller));
        this.clients.viewInstalled(me, view);
        if (previous.length > 0) {
          this.snapshots.abandonAll();
          for (const interrupt of [...this.snapshotsRunning]) interrupt(new SnapshotInterruptedError('', `view ${view.id} was installed`));
        }
        const groupView: GroupView = { id: view.id, members: view.members, coordinator: view.members[0]! };
        this.log.installed(me, groupView);
        const joinedInThisView = first && this.installedView === null;
        this.installedView = groupView;
        if (joined && joined.state !== null) this.adoptState(joined.state);
        else if (joined) this.stateTransferred = true; // it formed the group: nothing to transfer
        if (joinedInThisView) {
          // The application's side of delivery starts one turn after Group.join resolves: the
          // 'view' event of the view joined in, and the deliveries that follow it (even those
          // that came with the install), reach the listeners and handlers added in the turn
          // the join resolved. (A hold taken in that turn takes the wait over: holdDeliveries.)
          const release = this.queue.hold('Group.join: the turn it resolves in');
          this.joinTurnRelease = release;
          this.clock.defer(() => {
            release();
            if (this.joinTurnRelease === release) this.joinTurnRelease = null;
          });
        }
        this.queue.push(() => {
          this.currentView = groupView;
          return this.emitInOrder('view', groupView);
        });
        if (first) {
          first = false;
          this.currentView ??= groupView;
          outcome.joined();
        }
        this.wakeWaiters();
      },
      captureState: () => new Promise((resolve) => {
        this.queue.push(async () => {
          const executedKeys = this.executed.keys();
          try {
            const app = this.options.getState ? this.serializer.encode(await this.options.getState()) : null;
            resolve(encodeStateEnvelope({ app, executedKeys }));
          } catch (error) {
            this.emit('error', new CohortError('STATE_CAPTURE', 'getState() failed; the joiner receives no state', { cause: error }));
            resolve(encodeStateEnvelope({ app: null, executedKeys }));
          }
        });
      }),
      excluded: (lastView, exitInstall, unconfirmed, waiting) => {
        const last = lastView ? { id: lastView.id, members: lastView.members, coordinator: lastView.members[0]! } : null;
        this.exclude(me, last, 'suspected', unconfirmed, exitInstall !== null, waiting, () => this.rejoin(lastView, exitInstall));
      },
      left: (unconfirmed) => {
        if (unconfirmed.length > 0) {
          observer?.unconfirmed?.(me, unconfirmed);
          const described = unconfirmed.map((message) => this.describe(message, true));
          this.emit('error', new CohortError('LEAVE_INCOMPLETE', `${me} left; the others did not deliver ${unconfirmed.length} of its multicasts`, { cause: described }));
        }
        observer?.left?.(me);
        this.leaveDone?.();
      },
      blocked: (reason) => {
        if (reason) observer?.blocked?.(me, reason);
        else observer?.unblocked?.(me);
        this.log.blocked(me, reason, this.installedView);
        // Not in the delivery queue: a member whose handlers lag must still say it is blocked.
        this.clock.defer(() => {
          if (reason) this.emit('blocked', reason);
          else if (this.installedView) this.emit('unblocked', this.installedView);
        });
      },
      joinFailed: (waiting) => outcome.failed(waiting),
      rejected: (from, kind, reason) => this.reportRejected(from, kind, reason),
      direct: (frame) => this.onDirectFrame(me, frame),
    };
    const previousMember = this.member as Member | undefined;
    this.member = new Member({
      group: this.name, me, wire: this.options.wire, clock: this.clock, random: this.random,
      timing: this.timing, seeds, mayFormGroup, previousInstall, events, windowMessagesMax: this.windowMessagesMax, membersMax: this.membersMax,
      quorum: this.quorum, stats: this.memberStats,
      // A rejoin keeps the group's epoch: its frames (the excluding install it relays) are the group's.
      epoch: previousMember ? previousMember.epoch : 0,
    });
    this.member.start();
    if (this.acksHeld) this.member.holdAcks(true);
    // What waited for this incarnation goes first, in the order it was issued.
    this.member.adopt(this.waiting.splice(0));
  }

  /**
   * Out of the group, excluded or as a slow consumer: the calls in flight fail, the report of
   * what may not have reached the others goes to the application after the deliveries it has,
   * and unless it stays out, the multicasts never sent (and, with `resendUnconfirmed`, the
   * unconfirmed ones) wait for the next incarnation.
   */
  private exclude(
    me: MemberId, last: GroupView | null, reason: ExclusionReport['reason'], unconfirmed: DataMessage[], lost: boolean,
    waiting: OutboxEntry[], rejoin: () => void,
  ): void {
    const observer = this.options.observer;
    this.caller.failAll(new ExcludedError());
    const stayOut = this.options.rejoin === false || this.closed;
    const resent = !stayOut && this.options.resendUnconfirmed === true;
    const report: ExclusionReport = { reason, unconfirmed: unconfirmed.map((message) => this.describe(message, lost)), resent };
    observer?.unconfirmed?.(me, unconfirmed);
    observer?.excluded?.(me);
    this.log.excluded(me, last, report, stayOut);
    this.queue.push(() => this.emitInOrder('excluded', last, report));
    if (stayOut) {
      this.closed = true;
      this.wakeWaiters();
      for (const entry of [...waiting, ...this.waiting.splice(0)]) if ('flushed' in entry) entry.flushed(false); else entry.sent(null);
      void this.options.wire.close();
      return;
    }
    this.rejoining = true;
    const again: OutboxEntry[] = resent
      ? unconfirmed.filter((message) => !message.call && !message.topic.startsWith(RESERVED_TOPIC_PREFIX)).map((message) => ({
        topic: message.topic, payload: message.payload, sent: () => undefined,
        options: { order: message.order === 'causal' || message.order === 'total' || message.order === 'group' ? message.order : 'fifo', safe: message.safe === true },
      }))
      : [];
    this.waiting.unshift(...again, ...waiting);
    rejoin();
  }

  /**
   * A frame that broke an invariant: counted by the member, reported through 'error' at most
   * once per second (with how many were dropped since), never thrown, never a wedge.
   */
  private reportRejected(from: MemberId, kind: string, reason: string): void {
    this.rejectedSinceReport++;
    const now = this.clock.now();
    if (now - this.lastRejectReportMs < REJECT_REPORT_INTERVAL_MS) return;
    const count = this.rejectedSinceReport;
    this.rejectedSinceReport = 0;
    this.lastRejectReportMs = now;
    this.emit('error', new CohortError('FRAME_REJECTED', `dropped a ${kind} frame from ${from}: ${reason}${count > 1 ? ` (${count} frames rejected since the last report)` : ''}`));
  }

  private describe(message: DataMessage, lost: boolean): UnconfirmedMessage {
    let payload: unknown;
    try {
      payload = this.serializer.decode(message.payload);
    } catch {
      payload = message.payload;
    }
    const order: Order = message.order === 'causal' || message.order === 'total' || message.order === 'group' ? message.order : 'fifo';
    return { topic: message.topic, payload, order, safe: message.safe === true, viewId: message.viewId, seq: message.seq, lost };
  }

  private adoptState(bytes: Uint8Array): void {
    let envelope: StateEnvelope;
    try {
      envelope = decodeStateEnvelope(bytes);
    } catch (error) {
      this.emit('error', new CohortError('STATE_TRANSFER', 'the state a member sent could not be decoded; this member starts without it', { cause: error }));
      return;
    }
    this.executed.adopt(envelope.executedKeys);
    if (envelope.app === null || !this.options.setState) {
      this.stateTransferred = true;
      return;
    }
    const state = this.serializer.decode(envelope.app);
    // A setState that throws leaves it false: the queue reports the error.
    this.queue.push(async () => {
      await this.options.setState!(state);
      this.stateTransferred = true;
    });
  }

  private leaveAsSlowConsumer(me: MemberId, view: View): void {
    const member = this.member;
    if (member.me !== me || member.isGone) return;
    const unconfirmed = member.unconfirmed(null);
    const waiting = member.handOver();
    member.stop();
    const queued = this.queue.length;
    const groupView: GroupView = { id: view.id, members: view.members, coordinator: view.members[0]! };
    // The next incarnation joins once the handlers are through what this one delivered.
    this.exclude(me, groupView, 'slow-consumer', unconfirmed, false, waiting, () => void this.queue.idle().then(() => this.rejoin(view)));
    // Told once the rejoin is under way: what its listeners multicast waits for the next incarnation.
    this.emit('error', new CohortError('SLOW_CONSUMER', `${queued} deliveries wait for the handlers (deliveryQueueMax ${this.deliveryQueueMax}): ${me} left the group and rejoins once they are handled`));
  }

  private rejoin(lastView: View | null, exitInstall: FlushValue | null = null): void {
    this.incarnation++;
    const seeds = new Set<Address>(this.options.seeds ?? []);
    for (const member of lastView?.members ?? []) seeds.add(addressOf(member));
    seeds.delete(this.options.wire.address);
    const attempt = (): void => {
      if (this.closed) return;
      this.startMember([...seeds], false, exitInstall, {
        joined: () => {
          this.rejoining = false;
          this.queue.push(() => this.emitInOrder('rejoined', this.currentView!));
        },
        failed: (waiting) => {
          this.incarnation++;
          this.waiting.unshift(...waiting);
          this.log.rejoinFailed(this.timing.joinRetryIntervalMs);
          this.clock.setTimer(this.timing.joinRetryIntervalMs, attempt);
        },
      });
    };
    attempt();
  }

  private dispatch(message: DataMessage, view: View): unknown {
    const groupView = this.currentView!;
    const me = this.member.me;
    const rank = view.members.indexOf(me);
    const delivery: Delivery = { topic: message.topic, sender: message.sender, view: groupView, rank, viewSize: view.members.length };
    const key = message.requestKey;
    const call = message.call;
    if (key && this.executed.has(key)) {
      // A retried client request: it ran here before, so this delivery only answers.
      const known = this.executed.outcomeOf(key);
      if (call) this.sendReply(me, message.sender, call, view.id, rank, typeof known === 'object' ? known : this.duplicate(key));
      return undefined;
    }
    if (key) {
      this.executed.remember(key, 'running');
      this.options.observer?.served?.(me, key, view.id, message);
    }
    if (message.topic.startsWith(RESERVED_TOPIC_PREFIX)) return this.dispatchOwn(message, view, rank);
    if (this.snapshots.running) this.snapshots.delivered(message.sender, message.topic, () => this.serializer.decode(message.payload));
    if (!call) {
      const payload = this.serializer.decode(message.payload);
      const handler = this.handlers.get(message.topic);
      if (!handler) {
        this.emit('unhandled', payload, delivery);
        return undefined;
      }
      return handler(payload, delivery);
    }
    return this.answer(message.payload, delivery, (reply) => {
      // Remembered with the view it ran in: a retry delivered in a later view says so.
      if (key) this.executed.remember(key, { ...reply, viewId: view.id, rank });
      this.sendReply(me, message.sender, call, view.id, rank, reply);
    });
  }

  /** Cohort's own messages: the snapshot protocol's rounds. */
  private dispatchOwn(message: DataMessage, view: View, rank: number): unknown {
    const id = this.serializer.decode(message.payload) as string;
    const me = this.member.me;
    switch (message.topic) {
      case SNAPSHOT_START: {
        const checkpoint = this.options.checkpoint ?? this.options.getState;
        // The checkpoint is taken here, in delivery order; "OK" leaves right after it, so
        // everything this member sends later follows it (FIFO).
        const record = (value: unknown): void => {
          this.snapshots.start(id, view.id, view.members, value);
          void this.send(SNAPSHOT_OK, id, { order: 'causal' }).catch(() => undefined);
        };
        const value = checkpoint?.();
        if (value instanceof Promise) return value.then(record);
        return record(value);
      }
      case KEY_STAGE:
      case KEY_SIGN:
      case KEY_RETIRE: {
        const wire = this.options.wire as AuthenticatedWire;
        let outcome: RememberedReply = { failed: false, payload: new Uint8Array(0) };
        try {
          if (message.topic === KEY_STAGE) wire.stageKey(wire.open(Buffer.from(id, 'base64')));
          else if (message.topic === KEY_SIGN) wire.signWithStagedKey();
          else wire.retireOldKeys();
        } catch (error) {
          outcome = this.encodeError(error);
          this.emit('error', new CohortError('KEY_ROTATION', `${me} could not take the new key`, { cause: error }));
        }
        if (message.call) this.sendReply(me, message.sender, message.call, view.id, rank, outcome);
        return undefined;
      }
      case SNAPSHOT_OK:
        this.snapshots.ok(id, message.sender);
        return undefined;
      case SNAPSHOT_DONE: {
        const part = this.snapshots.finish(id);
        const reply = part ? this.encodeValue(part) : this.encodeError(new SnapshotInterruptedError(id, `${me} did not take part`));
        if (message.call) this.sendReply(me, message.sender, message.call, view.id, rank, reply);
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /**
   * Runs the handler of a request and hands its outcome to `done`: the value it returns (or
   * resolves), or what it throws, as an error reply — the caller learns it, nothing crashes.
   */
  private answer(bytes: Uint8Array, delivery: Delivery, done: (reply: RememberedReply) => void): unknown {
    let payload: unknown;
    try {
      payload = this.serializer.decode(bytes);
    } catch (error) {
      done(this.encodeError(error));
      return undefined;
    }
    const handler = this.handlers.get(delivery.topic);
    if (!handler) {
      this.emit('unhandled', payload, delivery);
      done(this.encodeError(new CohortError('NO_HANDLER', `no handler for topic "${delivery.topic}" at ${this.member.me}`)));
      return undefined;
    }
    try {
      const value = handler(payload, delivery);
      if (!(value instanceof Promise)) return done(this.encodeValue(value));
      return value.then((resolved) => done(this.encodeValue(resolved)), (error: unknown) => done(this.encodeError(error)));
    } catch (error) {
      return done(this.encodeError(error));
    }
  }

  /** A client's direct request, its view label checked: run it here, once per key, and reply. */
  private serveDirect(client: MemberId, request: ClientRequestBody, view: View): void {
    const me = this.member.me;
    const rank = view.members.indexOf(me);
    const key = request.key;
    // Checked and run in delivery order, so a state captured for a joiner holds the effects
    // of exactly the keys it lists.
    this.queue.push(() => {
      const known = this.executed.outcomeOf(key);
      // Still running (the retry overtook it): the reply goes out when it is done.
      if (known === 'running') return undefined;
      if (typeof known === 'object') {
        this.sendReply(me, client, request.call, known.viewId ?? view.id, known.rank ?? rank, known);
        return undefined;
      }
      this.options.observer?.served?.(me, key, view.id);
      if (known === 'elsewhere') {
        // It ran before this member joined: its effect is in the state this member received.
        // Remembered as answered, so a retry is answered from memory (served once).
        const duplicate = { ...this.duplicate(key), viewId: view.id, rank };
        this.executed.remember(key, duplicate);
        this.sendReply(me, client, request.call, view.id, rank, duplicate);
        return undefined;
      }
      this.executed.remember(key, 'running');
      const delivery: Delivery = { topic: request.topic, sender: client, view: this.currentView!, rank, viewSize: view.members.length };
      return this.answer(request.payload, delivery, (reply) => {
        const remembered = { ...reply, viewId: view.id, rank };
        this.executed.remember(key, remembered);
        this.sendReply(me, client, request.call, view.id, rank, remembered);
      });
    });
  }

  private relayFor(request: ClientRequestBody, quorum: ReplyQuorum): Promise<Replies | void> {
    const send = { order: request.order, safe: request.safe, context: undefined };
    if (quorum !== 'none') return this.call(request.topic, request.payload, send, quorum, request.timeoutMs, request.key);
    return this.member.multicast(request.topic, request.payload, { ...send, requestKey: request.key }).then((message) => {
      if (!message) throw new GroupClosedError('the member left or was stopped before the request was sent');
    });
  }

  /** The group's limits hold for a client's request too (a retry of one known here is answered instead). */
  private refuseClient(request: ClientRequestBody, direct: boolean): { code: string; message: string } | null {
    if (this.executed.has(request.key)) return null;
    try {
      // A client's payload is decoded here once, so a payload that cannot be is refused at the
      // door instead of failing at every member that delivers it.
      this.serializer.decode(request.payload);
    } catch (error) {
      return { code: 'INVALID_ARGUMENT', message: `the payload does not decode: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (request.payload.length > this.payloadBytesMax) {
      return { code: 'PAYLOAD_TOO_LARGE', message: `the payload is ${request.payload.length} bytes, more than payloadBytesMax (${this.payloadBytesMax})` };
    }
    // Direct requests wait in the delivery queue, relayed ones among the multicasts to send.
    if (direct ? this.queue.length >= this.ackHoldMark : this.pendingMessages >= this.pendingMessagesMax) {
      return { code: 'BACKPRESSURE', message: direct ? `${this.queue.length} deliveries wait for the handlers` : `${this.pendingMessages} multicasts wait to be sent (pendingMessagesMax ${this.pendingMessagesMax})` };
    }
    return null;
  }

  private duplicate(key: string): RememberedReply {
    return this.encodeError(new CohortError('DUPLICATE_REQUEST', `request ${key} ran before this member joined; its effect is in the state this member received`));
  }

  private encodeValue(value: unknown): RememberedReply {
    try {
      return { failed: false, payload: this.serializer.encode(value) };
    } catch (error) {
      return this.encodeError(error);
    }
  }

  private encodeError(error: unknown): RememberedReply {
    const described: ReplyError = error instanceof Error
      ? { name: error.name, message: error.message, ...codeOf(error) }
      : { name: 'Error', message: String(error) };
    return { failed: true, payload: this.serializer.encode(described) };
  }

  private sendReply(me: MemberId, to: MemberId, call: number, viewId: number, rank: number, reply: RememberedReply): void {
    const causality = this.member.me === me ? this.member.causalVector() : null;
    const context = causality ? CausalContext.of(this.name, causality).encode() : '';
    const body: ReplyBody = {
      type: 'reply', to, call, viewId, rank, failed: reply.failed, payload: reply.payload, context,
      // A retry answered from memory of another view: the value is that view's.
      ...(reply.viewId !== undefined && reply.viewId !== viewId ? { ranIn: { viewId: reply.viewId, rank: reply.rank ?? rank } } : {}),
    };
    if (to === me) {
      // Our own request: the reply goes straight to the call, no wire.
      this.onReply(me, me, body);
      return;
    }
    this.replySender.send(me, body);
  }

  /** Replies, acks and client frames: outside the views' streams, whatever their view. */
  private onDirectFrame(me: MemberId, frame: Frame): void {
    const body = frame.body;
    switch (body.type) {
      case 'reply':
        if (body.to !== me) return;
        this.sendDirect(me, addressOf(frame.from), { type: 'reply-ack', call: body.call });
        this.onReply(me, frame.from, body);
        return;
      case 'reply-ack':
        this.replySender.acknowledged(frame.from, body.call);
        return;
      default:
        this.clients.onFrame(frame);
    }
  }

  private onReply(me: MemberId, responder: MemberId, body: ReplyBody): void {
    // A reply counts only from a member of this member's view: anyone else's (a hostile
    // process, an incarnation long gone) is dropped, however early it comes.
    if (responder !== me && !this.lastViewMembers.includes(responder) && !this.member.view?.members.includes(responder)) {
      this.member.stats.framesDropped++;
      return;
    }
    let context: CausalContext | undefined;
    if (body.context) {
      try {
        context = CausalContext.decode(body.context);
      } catch {
        context = undefined;
      }
    }
    const request = this.caller.messageOf(body.call);
    const reply = decodeReply(this.serializer, responder, body.ranIn?.rank ?? body.rank, body.failed, body.payload, body.ranIn?.viewId);
    if (this.caller.reply(body.call, responder, body.viewId, reply, context) && request) this.options.observer?.replied?.(me, responder, request, body.viewId);
  }

  private sendDirect(from: MemberId, address: Address, body: Frame['body']): void {
    this.options.wire.send(address, encodeFrame({ epoch: this.member.epoch, group: this.name, from, viewId: 0, body }));
  }
}
