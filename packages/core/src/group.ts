import { CausalContext } from './context/causal-context.js';
import { realClock } from './env/clock.js';
import { realRandom } from './env/random.js';
import { InvalidArgumentError, JoinTimeoutError } from './errors.js';
import {
  describe as describeValue,
  validateGroupName,
  validateJoinOptions,
  validateMulticastOptions,
  validateTopic,
  type ValidMulticastOptions,
} from './validation/index.js';
import { emptyMemberStats } from './protocol/member.js';
import { CallStats, type GroupStats } from './group-stats.js';
import { validateQuorumPolicy } from './protocol/membership/quorum-policy.js';
import { Caller } from './protocol/reply/caller.js';
import { ReplyAcks } from './protocol/reply/reply-acks.js';
import { clientFrameKinds } from './protocol/reply/client.header.js';
import { replyFrameKinds } from './protocol/reply/reply.header.js';
import { Endpoint } from './protocol/transport/endpoint.js';
import { ExecutedRequests } from './protocol/reply/executed-requests.js';
import type { Replies } from './protocol/reply/replies.js';
import { resolveTiming, type Timing } from './protocol/timing.js';
import type { MemberId } from './protocol/types.js';
import { Backpressure } from './services/backpressure.js';
import { CausalWaits } from './services/causal-waits.js';
import { ClientRequests } from './services/client-requests.js';
import { ClientService } from './services/client-service.js';
import { DeliveryQueue } from './services/delivery-queue.js';
import { Dispatcher, type GroupEmit } from './services/dispatcher.js';
import { resolveLimits } from './services/group-limits.js';
import { GroupLog } from './services/group-log.js';
import { GroupState } from './services/group-state.js';
import { Incarnations } from './services/incarnations.js';
import { RejectedFrameReports } from './services/loss-reports.js';
import { rotateKey } from './services/key-rotation.js';
import { Outbox } from './services/outbox.js';
import { Responder } from './services/responder.js';
import { SnapshotRecorder, type Snapshot } from './services/snapshot.js';
import { SnapshotInitiator } from './services/snapshot-initiator.js';
import { StateTransfer } from './services/state-transfer.js';
import { ViewWaiters } from './services/view-waiters.js';
import { TypedEmitter } from './util/events.js';
import type { CohortLogger } from './util/logger.js';
import { jsonSerializer } from './util/serializer.js';

export type {
  Order,
  MulticastOptions,
  CallOptions,
  AsyncOptions,
  Delivery,
  Handler,
  GroupView,
  GroupObserver,
  GroupOptions,
  GroupEvents,
  BlockedReason,
  ExclusionReport,
  GroupStatus,
  QuorumPolicy,
  UnconfirmedMessage,
  MulticastResult,
  ViewMatch,
} from './group-options.js';
import type {
  Order,
  MulticastOptions,
  CallOptions,
  AsyncOptions,
  Handler,
  GroupView,
  GroupOptions,
  GroupEvents,
  GroupStatus,
  MulticastResult,
  ViewMatch,
} from './group-options.js';

/** Every event a Group emits: `on()` refuses any other name (a typo would never fire). */
const GROUP_EVENTS = {
  view: true,
  excluded: true,
  blocked: true,
  unblocked: true,
  rejoined: true,
  unhandled: true,
  call: true,
  error: true,
} as const satisfies Record<keyof GroupEvents, true>;

export { DEFAULT_CALL_TIMEOUT_MS } from './validation/index.js';
export { CONSUMER_STALL_MS } from './services/backpressure.js';

/** The brand every Group carries: `isGroup()` recognises a Group made by another copy of @cohort/core. */
const GROUP_BRAND: unique symbol = Symbol.for('cohort.group');

/** True for a Group from any copy of @cohort/core (`instanceof` sees only its own copy's class). */
export function isGroup(value: unknown): value is Group {
  return typeof value === 'object' && value !== null && (value as { [GROUP_BRAND]?: unknown })[GROUP_BRAND] === true;
}

/**
 * A member of a process group: the public face of the protocol stack. Every member sees
 * the same views in the same order, and multicasts are delivered view-synchronously. The
 * work is the services' (services/): the send path (Outbox), the delivery path (Dispatcher),
 * the incarnations' lifecycle (Incarnations), replies, clients, causal and view waits,
 * snapshots, key rotation; this class checks the arguments and hands them on.
 */
export class Group extends TypedEmitter<GroupEvents> {
  /** The brand `isGroup()` checks. */
  get [GROUP_BRAND](): true {
    return true;
  }
  /** Where this member stands: its incarnation, open or closed, the views (read by every service). */
  private readonly state = new GroupState();
  private readonly timing: Timing;
  private readonly queue: DeliveryQueue;
  /** One line per join, view, exclusion, block, rejoin, leave and 'error' event, when given a logger. */
  private readonly log: GroupLog;
  /** Counted by every incarnation of the member in turn: `stats` never goes back after a rejoin. */
  private readonly memberStats = emptyMemberStats();
  private readonly callStats: CallStats;
  private readonly caller: Caller;
  private readonly clients: ClientService;
  private readonly causal: CausalWaits;
  private readonly viewWaiters: ViewWaiters;
  private readonly snapshotInitiator: SnapshotInitiator;
  private readonly outbox: Outbox;
  private readonly dispatcher: Dispatcher;
  private readonly incarnations: Incarnations;

  private constructor(
    readonly name: string,
    private readonly options: GroupOptions,
  ) {
    super();
    const clock = options.clock ?? options.wire.clock ?? realClock;
    const random = options.random ?? options.wire.random ?? realRandom;
    const timing = (this.timing = resolveTiming(options.timing));
    const serializer = options.serializer ?? jsonSerializer;
    const firstIncarnation = 1 + random.int(1_000_000);
    const limits = resolveLimits(options);
    const { payloadBytesMax, pendingMessagesMax, contextWaitMs, ackHoldMark } = limits;
    const log = (this.log = new GroupLog(options.logger, name, options.wire.address));
    // The wire's own reports (authentication failures) go to the same place.
    if (options.logger) options.wire.useLogger?.(options.logger);
    const quorum = validateQuorumPolicy(options.quorum);
    if (options.resendUnconfirmed !== undefined && typeof options.resendUnconfirmed !== 'boolean')
      throw new InvalidArgumentError('resendUnconfirmed must be a boolean');
    const state = this.state;
    const emit: GroupEmit = (event, ...args) => this.emit(event, ...args);
    const backpressure = new Backpressure({
      clock,
      timing,
      state,
      ackHoldMark,
      stalled: (me, view) => this.incarnations.leaveAsSlowConsumer(me, view),
    });
    const queue = (this.queue = new DeliveryQueue({
      onError: (error) => this.emit('error', error),
      clock,
      onProgress: backpressure.progressed,
    }));
    const caller = (this.caller = new Caller(clock));
    this.callStats = new CallStats(clock, (record) => this.emit('call', record));
    const member = (): typeof state.member => state.member;
    const closed = (): boolean => state.closed;
    const executed = new ExecutedRequests();
    // Acks wait at most a quarter of the responder's first resend interval.
    const replyAcks = new ReplyAcks(options.wire, clock, Math.floor(timing.retransmitIntervalMs / 4));
    // The one endpoint on the wire: each incarnation's stack, the responder and the client service take their frames from it.
    const endpoint = new Endpoint(options.wire, name, clock, this.memberStats, replyAcks);
    const responder = new Responder({
      group: name,
      options,
      clock,
      timing,
      serializer,
      caller,
      member,
      acks: replyAcks,
      endpoint,
      lastViewMembers: () => state.lastViewMembers,
    });
    this.clients = new ClientService(
      new ClientRequests({
        options,
        clock,
        serializer,
        queue,
        executed,
        responder,
        limits: { payloadBytesMax, pendingMessagesMax, deliveryQueueMark: ackHoldMark },
        member,
        currentView: () => state.currentView!,
        pendingMessages: () => this.pendingMessages,
        call: (topic, bytes, send, quorum, timeoutMs, key) => this.outbox.call(topic, bytes, send, quorum, timeoutMs, key),
        answer: (bytes, delivery, done) => this.dispatcher.answer(bytes, delivery, done),
      }),
    );
    endpoint.route(
      replyFrameKinds.map((kind) => kind.type),
      responder,
    );
    endpoint.route(
      clientFrameKinds.map((kind) => kind.type),
      this.clients,
    );
    const causal = (this.causal = new CausalWaits({
      group: name,
      clock,
      contextWaitMs,
      closed,
      member,
      rejoining: () => state.rejoining,
      waiting: () => this.outbox.waiting,
    }));
    const rejectedFrames = new RejectedFrameReports(clock, (error) => this.emit('error', error));
    const viewWaiters = (this.viewWaiters = new ViewWaiters({ group: name, clock, closed, installed: () => state.installedView }));
    const snapshots = new SnapshotRecorder();
    this.snapshotInitiator = new SnapshotInitiator({
      clock,
      recorder: snapshots,
      closed,
      me: () => state.member.me,
      viewId: () => state.member.view?.id ?? 0,
      send: (topic, payload, send) => this.outbox.send(topic, payload, send),
    });
    const outbox = (this.outbox = new Outbox({ group: name, clock, serializer, limits, state, causal, caller, callStats: this.callStats }));
    const dispatcher = (this.dispatcher = new Dispatcher({
      group: name,
      options,
      serializer,
      state,
      executed,
      responder,
      snapshots,
      outbox,
      emit,
    }));
    const stateTransfer = new StateTransfer({ options, serializer, queue, executed, state, emit });
    this.incarnations = new Incarnations({
      group: name,
      options,
      clock,
      random,
      timing,
      serializer,
      firstIncarnation,
      limits,
      quorum,
      memberStats: this.memberStats,
      state,
      queue,
      log,
      outbox,
      dispatcher,
      backpressure,
      stateTransfer,
      caller,
      replyAcks,
      endpoint,
      responder,
      clients: this.clients,
      causal,
      viewWaiters,
      snapshotInitiator: this.snapshotInitiator,
      rejectedFrames,
      emit,
      emitInOrder: (event, ...args) => this.emitInOrder(event, ...args),
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
      group.incarnations.join(
        () => resolve(group),
        () => {
          Group.failedJoin(options, new JoinTimeoutError(groupName, group.timing.joinTimeoutMs, group.state.member.seedReport())).catch(
            reject,
          );
        },
      );
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
    return this.state.member.me;
  }

  /**
   * The epoch of this incarnation of the group: drawn at random when the group was formed,
   * carried in every frame; frames of another epoch (a group of this name formed before) are
   * dropped (`stats.framesOtherEpoch`). 0 until this member joined.
   */
  get epoch(): number {
    return this.state.member.epoch;
  }

  /**
   * The view the protocol has installed: never stale, even while the handlers still work
   * through deliveries of the view before it (each delivery names its own view).
   */
  get view(): GroupView {
    return (this.state.installedView ?? this.state.currentView)!;
  }

  /** Where this member stands: joining, member, blocked (no quorum, with the reason), rejoining or closed. */
  get status(): GroupStatus {
    const { member, closed, rejoining, installedView, stateTransferred } = this.state;
    const blocked = member.isMember ? member.status.blocked : null;
    const state = closed ? 'closed' : rejoining ? 'rejoining' : !member.isMember ? 'joining' : blocked ? 'blocked' : 'member';
    return { state, view: installedView, blocked, stateTransferred };
  }

  /** Multicasts issued and not yet sent (behind the window, waiting out a view change or a rejoin). */
  get pendingMessages(): number {
    return this.outbox.pendingMessages;
  }

  /** Unstable messages this member holds in memory. */
  get heldMessages(): number {
    return this.state.member.heldMessages;
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
    const member = this.state.member;
    const window = member.window;
    return {
      ...this.memberStats,
      clientRequestsRefused: this.clients.refused,
      repliedContextsTrimmed: this.causal.trimmed,
      callsQuorumMet: this.callStats.quorumMet,
      callsQuorumNotMet: this.callStats.quorumNotMet,
      callsFailed: this.callStats.failed,
      callsInFlight: this.caller.size,
      unstableMessages: member.heldMessages,
      orderQueueMessages: member.orderQueueMessages,
      deliveryQueueMessages: this.queue.length,
      pendingMessages: this.pendingMessages,
      windowMessages: window.messages,
      windowMessagesMax: window.messagesMax,
      slowMembers: window.slowMembers,
      viewMembers: member.isMember ? (member.view?.members.length ?? 0) : 0,
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
    if (typeof reason !== 'string' || reason.length === 0)
      throw new InvalidArgumentError(`the reason of a hold must be a non-empty string, not ${describeValue(reason)}`);
    const release = this.queue.hold(reason);
    this.incarnations.endJoinTurn();
    return release;
  }

  /** Why deliveries wait: the reasons of the holds in force (holdDeliveries), oldest first; empty when none. */
  get deliveryHolds(): readonly string[] {
    return this.queue.holds;
  }

  handle<T = unknown>(topic: string, handler: Handler<T>): void {
    this.dispatcher.handle(topic, handler as Handler);
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
    if (typeof listener !== 'function')
      throw new InvalidArgumentError(`the listener of '${event}' must be a function, not ${describeValue(listener)}`);
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
    return this.outbox.send(topic, payload, valid);
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
    return this.causal.awaitContext(context, options);
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
    return this.viewWaiters.wait(match, options);
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
      return Promise.reject(
        new InvalidArgumentError(`${name}() sends in ${order} order, not ${describeValue(given)}: use multicast() to choose the order`),
      );
    }
    return this.multicast(topic, payload, { ...(options as MulticastOptions), order });
  }

  /**
   * The application's fsync: resolves once every multicast this member issued so far is
   * stable (held by every member of the view), before it acts on the outside world.
   */
  flush(): Promise<void> {
    return this.outbox.flush();
  }

  /**
   * This member's causal context (what it delivered and sent in this group) merged with the
   * ambient one: hand it to the next service of a causal thread (see CausalContext).
   */
  context(): CausalContext {
    const ambient = CausalContext.current() ?? CausalContext.empty;
    const mine = this.state.member.causalVector();
    return mine ? ambient.merge(CausalContext.ofMember(this.name, mine)) : ambient;
  }

  /**
   * A causal snapshot of the group (two rounds of cbcast, see SnapshotRecorder): every
   * member's checkpoint (the `checkpoint` option, else getState) and the messages in transit
   * across the cut. Rejects with SnapshotInterruptedError if the view changes meanwhile.
   */
  snapshot(options: { timeoutMs?: number } = {}): Promise<Snapshot> {
    return this.snapshotInitiator.take(options);
  }

  /**
   * Rotates the group key of an authenticated wire (`authenticate(wire, { key })`) by three
   * gbcasts; resolves once every member of the view has retired the old key (services/key-rotation.ts).
   */
  rotateKey(newKey: Uint8Array | string): Promise<void> {
    return rotateKey(
      { wire: this.options.wire, closed: () => this.state.closed, send: (topic, payload, send) => this.outbox.send(topic, payload, send) },
      newKey,
    );
  }

  /** Resolves once every delivery handed to this member so far has been handled. */
  drained(): Promise<void> {
    return this.queue.idle();
  }

  /** Leaves gracefully: the others install a view without this member, then the wire closes. */
  leave(): Promise<void> {
    return this.incarnations.leave();
  }
}
