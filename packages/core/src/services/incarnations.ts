import type { Clock } from '../env/clock.js';
import type { Random } from '../env/random.js';
import { CohortError, ExcludedError, GroupClosedError } from '../errors.js';
import type { ExclusionReport, GroupEvents, GroupOptions, GroupView, QuorumPolicy } from '../group-options.js';
import type { FlushValue } from '../protocol/membership/membership.header.js';
import { Member, type MemberEvents, type MemberStats, type OutboxEntry } from '../protocol/member.js';
import type { HoldReason } from '../protocol/order/order-stage.js';
import type { Caller } from '../protocol/reply/caller.js';
import type { ReplyAcks } from '../protocol/reply/reply-acks.js';
import type { Timing } from '../protocol/timing.js';
import type { Endpoint } from '../protocol/transport/endpoint.js';
import { addressOf, type DataMessage, type MemberId, type View } from '../protocol/types.js';
import type { Serializer } from '../util/serializer.js';
import { RESERVED_TOPIC_PREFIX } from '../validation/index.js';
import type { Address } from '../wire/wire.js';
import type { Backpressure } from './backpressure.js';
import type { CausalWaits } from './causal-waits.js';
import type { ClientService } from './client-service.js';
import type { DeliveryQueue } from './delivery-queue.js';
import type { Dispatcher, GroupEmit } from './dispatcher.js';
import type { GroupLimits } from './group-limits.js';
import type { GroupLog } from './group-log.js';
import type { GroupState } from './group-state.js';
import { describeUnconfirmed, type RejectedFrameReports } from './loss-reports.js';
import { neverSent, type Outbox } from './outbox.js';
import type { Responder } from './responder.js';
import type { SnapshotInitiator } from './snapshot-initiator.js';
import type { StateTransfer } from './state-transfer.js';
import type { ViewWaiters } from './view-waiters.js';

/** What the lifecycle needs from its group: the settings of every incarnation and the services it drives. */
export interface IncarnationsHost {
  readonly group: string;
  readonly options: GroupOptions;
  readonly clock: Clock;
  readonly random: Random;
  readonly timing: Timing;
  readonly serializer: Serializer;
  /** The number of the first incarnation (drawn at random: a restarted process is a new member). */
  readonly firstIncarnation: number;
  readonly limits: GroupLimits;
  readonly quorum: QuorumPolicy;
  /** Counted by every incarnation in turn: `stats` never goes back after a rejoin. */
  readonly memberStats: MemberStats;
  readonly state: GroupState;
  readonly queue: DeliveryQueue;
  readonly log: GroupLog;
  readonly outbox: Outbox;
  readonly dispatcher: Dispatcher;
  readonly backpressure: Backpressure;
  readonly stateTransfer: StateTransfer;
  readonly caller: Caller;
  readonly replyAcks: ReplyAcks;
  /** The process's endpoint on the wire: each incarnation's stack attaches to it in turn. */
  readonly endpoint: Endpoint;
  readonly responder: Responder;
  readonly clients: ClientService;
  readonly causal: CausalWaits;
  readonly viewWaiters: ViewWaiters;
  readonly snapshotInitiator: SnapshotInitiator;
  readonly rejectedFrames: RejectedFrameReports;
  readonly emit: GroupEmit;
  /** The group's emitInOrder: 'view', 'excluded' and 'rejoined' are tasks of the delivery queue. */
  emitInOrder<K extends keyof GroupEvents>(event: K, ...args: GroupEvents[K]): Promise<void> | undefined;
}

/**
 * The member's incarnations, one after another: each starts (joins), hears its protocol
 * events (views, deliveries, blocks, exclusion), and ends excluded, as a slow consumer, or
 * leaving; out of the group, the next incarnation rejoins unless the member stays out.
 */
export class Incarnations {
  private incarnation: number;
  private leaveDone: (() => void) | null = null;
  /** Ends the wait of the turn Group.join resolves in (null once it ended): see Group.holdDeliveries(). */
  private joinTurnRelease: (() => void) | null = null;

  constructor(private readonly host: IncarnationsHost) {
    this.incarnation = host.firstIncarnation;
  }

  /**
   * Group.join: the first incarnation joins (or, with no seeds, forms the group). Failed, the
   * member is closed before `failed` is called.
   */
  join(joined: () => void, failed: () => void): void {
    this.start(this.host.options.seeds ?? [], true, null, {
      joined,
      failed: (waiting) => {
        neverSent(waiting);
        this.host.state.closed = true;
        this.wakeWaiters();
        failed();
      },
    });
  }

  /** A hold taken in the turn Group.join resolves in takes that turn's wait over. */
  endJoinTurn(): void {
    this.joinTurnRelease?.();
    this.joinTurnRelease = null;
  }

  /** Deliveries, installs and closing may settle the multicasts and awaitView() calls that wait. */
  private wakeWaiters(): void {
    this.host.causal.wake();
    this.host.viewWaiters.wake();
  }

  private start(
    seeds: readonly Address[],
    mayFormGroup: boolean,
    previousInstall: FlushValue | null,
    outcome: { joined: () => void; failed: (waiting: OutboxEntry[]) => void },
  ): void {
    const {
      options,
      clock,
      state,
      queue,
      log,
      dispatcher,
      backpressure,
      stateTransfer,
      caller,
      responder,
      clients,
      causal,
      snapshotInitiator,
      rejectedFrames,
      emit,
      limits: { deliveryQueueMax },
    } = this.host;
    const observer = options.observer;
    let first = true;
    const me = `${options.wire.address}/${this.incarnation}`;
    // A new incarnation starts from the state it is given (the executed keys with it).
    stateTransfer.restart();
    // The observer hears of protocol events as they happen, and of each delivery again where
    // the application's handler takes it (`handled`), so a history shows both orders.
    const events: MemberEvents = {
      sent: (message) => observer?.sent?.(me, message),
      // Given to the protocol only when observed: otherwise it keeps no record of arrivals.
      ...(observer?.held ? { held: (message: DataMessage, reason: HoldReason) => observer.held?.(me, message, reason) } : {}),
      ...(observer?.flushing ? { flushing: (viewId: number) => observer.flushing?.(me, viewId) } : {}),
      deliver: (message, view) => {
        observer?.delivered?.(me, message);
        queue.push(dispatcher.deliveryTask(me, message, view));
        if (queue.length > deliveryQueueMax) this.leaveAsSlowConsumer(me, view);
        else backpressure.delivered(queue.length);
        // A multicast waiting for this member to deliver what its context names may go now.
        if (causal.waiting) causal.wake();
      },
      install: (view, joined) => {
        observer?.installed?.(me, view);
        caller.viewChanged(view.members);
        // Callers the view change removed wait for nothing any more.
        const previous = state.lastViewMembers;
        state.lastViewMembers = view.members;
        responder.viewInstalled(previous, view.members);
        clients.viewInstalled(me, view);
        if (previous.length > 0) snapshotInitiator.viewChanged(view.id);
        const groupView: GroupView = { id: view.id, members: view.members, coordinator: view.members[0]! };
        log.installed(me, groupView);
        const joinedInThisView = first && state.installedView === null;
        state.installedView = groupView;
        if (joined) stateTransfer.joined(joined.state);
        if (joinedInThisView) {
          // The application's side of delivery starts one turn after Group.join resolves: the
          // 'view' event of the view joined in, and the deliveries that follow it (even those
          // that came with the install), reach the listeners and handlers added in the turn
          // the join resolved. (A hold taken in that turn takes the wait over: holdDeliveries.)
          const release = queue.hold('Group.join: the turn it resolves in');
          this.joinTurnRelease = release;
          clock.defer(() => {
            release();
            if (this.joinTurnRelease === release) this.joinTurnRelease = null;
          });
        }
        queue.push(() => {
          state.currentView = groupView;
          return this.host.emitInOrder('view', groupView);
        });
        if (first) {
          first = false;
          state.currentView ??= groupView;
          outcome.joined();
        }
        this.wakeWaiters();
      },
      captureState: () => stateTransfer.capture(),
      excluded: (lastView, exitInstall, unconfirmed, waiting) => {
        const last = lastView ? { id: lastView.id, members: lastView.members, coordinator: lastView.members[0]! } : null;
        this.exclude(me, last, 'suspected', unconfirmed, exitInstall !== null, waiting, () => this.rejoin(lastView, exitInstall));
      },
      left: (unconfirmed) => {
        if (unconfirmed.length > 0) {
          observer?.unconfirmed?.(me, unconfirmed);
          const described = unconfirmed.map((message) => describeUnconfirmed(this.host.serializer, message, true));
          emit(
            'error',
            new CohortError('LEAVE_INCOMPLETE', `${me} left; the others did not deliver ${unconfirmed.length} of its multicasts`, {
              cause: described,
            }),
          );
        }
        observer?.left?.(me);
        this.leaveDone?.();
      },
      blocked: (reason) => {
        if (reason) observer?.blocked?.(me, reason);
        else observer?.unblocked?.(me);
        log.blocked(me, reason, state.installedView);
        // Not in the delivery queue: a member whose handlers lag must still say it is blocked.
        clock.defer(() => {
          if (reason) emit('blocked', reason);
          else if (state.installedView) emit('unblocked', state.installedView);
        });
      },
      joinFailed: (waiting) => outcome.failed(waiting),
      rejected: (from, kind, reason) => rejectedFrames.rejected(from, kind, reason),
    };
    const previousMember = state.member as Member | undefined;
    state.member = new Member({
      group: this.host.group,
      me,
      wire: options.wire,
      endpoint: this.host.endpoint,
      clock,
      random: this.host.random,
      timing: this.host.timing,
      seeds,
      mayFormGroup,
      previousInstall,
      events,
      windowMessagesMax: this.host.limits.windowMessagesMax,
      membersMax: this.host.limits.membersMax,
      quorum: this.host.quorum,
      stats: this.host.memberStats,
      // A rejoin keeps the group's epoch: its frames (the excluding install it relays) are the group's.
      epoch: previousMember ? previousMember.epoch : 0,
    });
    state.member.start();
    backpressure.started(state.member);
    // What waited for this incarnation goes first, in the order it was issued.
    state.member.adopt(this.host.outbox.waiting.splice(0));
  }

  /**
   * Out of the group, excluded or as a slow consumer: the calls in flight fail, the report of
   * what may not have reached the others goes to the application after the deliveries it has,
   * and unless it stays out, the multicasts never sent (and, with `resendUnconfirmed`, the
   * unconfirmed ones) wait for the next incarnation.
   */
  private exclude(
    me: MemberId,
    last: GroupView | null,
    reason: ExclusionReport['reason'],
    unconfirmed: DataMessage[],
    lost: boolean,
    waiting: OutboxEntry[],
    rejoin: () => void,
  ): void {
    const { options, state, outbox } = this.host;
    const observer = options.observer;
    this.host.caller.failAll(new ExcludedError());
    const stayOut = options.rejoin === false || state.closed;
    const resent = !stayOut && options.resendUnconfirmed === true;
    const report: ExclusionReport = {
      reason,
      unconfirmed: unconfirmed.map((message) => describeUnconfirmed(this.host.serializer, message, lost)),
      resent,
    };
    observer?.unconfirmed?.(me, unconfirmed);
    observer?.excluded?.(me);
    this.host.log.excluded(me, last, report, stayOut);
    this.host.queue.push(() => this.host.emitInOrder('excluded', last, report));
    if (stayOut) {
      state.closed = true;
      this.wakeWaiters();
      outbox.abandon(waiting);
      this.host.replyAcks.stop();
      void options.wire.close();
      return;
    }
    state.rejoining = true;
    const again: OutboxEntry[] = resent
      ? unconfirmed
          .filter((message) => !message.call && !message.topic.startsWith(RESERVED_TOPIC_PREFIX))
          .map((message) => ({
            topic: message.topic,
            payload: message.payload,
            sent: () => undefined,
            options: {
              order: message.order === 'causal' || message.order === 'total' || message.order === 'group' ? message.order : 'fifo',
              safe: message.safe === true,
            },
          }))
      : [];
    outbox.waiting.unshift(...again, ...waiting);
    rejoin();
  }

  /** Too many deliveries wait for the handlers, or they stalled (Backpressure): out, and back once they are handled. */
  leaveAsSlowConsumer(me: MemberId, view: View): void {
    const { state, queue } = this.host;
    const member = state.member;
    if (member.me !== me || member.isGone) return;
    const unconfirmed = member.unconfirmed(null);
    const waiting = member.handOver();
    member.stop();
    const queued = queue.length;
    const groupView: GroupView = { id: view.id, members: view.members, coordinator: view.members[0]! };
    // The next incarnation joins once the handlers are through what this one delivered.
    this.exclude(me, groupView, 'slow-consumer', unconfirmed, false, waiting, () => void queue.idle().then(() => this.rejoin(view)));
    // Told once the rejoin is under way: what its listeners multicast waits for the next incarnation.
    this.host.emit(
      'error',
      new CohortError(
        'SLOW_CONSUMER',
        `${queued} deliveries wait for the handlers (deliveryQueueMax ${this.host.limits.deliveryQueueMax}): ${me} left the group and rejoins once they are handled`,
      ),
    );
  }

  private rejoin(lastView: View | null, exitInstall: FlushValue | null = null): void {
    const { options, state, timing } = this.host;
    this.incarnation++;
    const seeds = new Set<Address>(options.seeds ?? []);
    for (const member of lastView?.members ?? []) seeds.add(addressOf(member));
    seeds.delete(options.wire.address);
    const attempt = (): void => {
      if (state.closed) return;
      this.start([...seeds], false, exitInstall, {
        joined: () => {
          state.rejoining = false;
          this.host.queue.push(() => this.host.emitInOrder('rejoined', state.currentView!));
        },
        failed: (waiting) => {
          this.incarnation++;
          this.host.outbox.waiting.unshift(...waiting);
          this.host.log.rejoinFailed(timing.joinRetryIntervalMs);
          this.host.clock.setTimer(timing.joinRetryIntervalMs, attempt);
        },
      });
    };
    attempt();
  }

  /** Group.leave: the others install a view without this member, then the wire closes. */
  async leave(): Promise<void> {
    const { options, state, clock } = this.host;
    if (state.closed) return;
    state.closed = true;
    const leaver = state.member.me;
    // Multicasts waiting for their causal context, and awaitView() calls, end now.
    this.wakeWaiters();
    await new Promise<void>((resolve) => {
      const timer = clock.setTimer(this.host.timing.leaveTimeoutMs, () => {
        // The outcome was lost (the leaver may well have been let go with its vote counted):
        // it asked to leave and it is gone, so to the history it left.
        const wasMember = state.member.isMember;
        const me = state.member.me;
        const unconfirmed = wasMember ? state.member.unconfirmed(null) : [];
        state.member.stop();
        if (unconfirmed.length > 0) {
          // Nothing acknowledged is lost silently: the flush that would have delivered these
          // did not complete in time.
          options.observer?.unconfirmed?.(me, unconfirmed);
          const described = unconfirmed.map((message) => describeUnconfirmed(this.host.serializer, message, false));
          this.host.emit(
            'error',
            new CohortError('LEAVE_TIMEOUT', `${me} left without the others confirming ${unconfirmed.length} of its multicasts`, {
              cause: described,
            }),
          );
        }
        if (wasMember) options.observer?.left?.(me);
        resolve();
      });
      this.leaveDone = () => {
        timer.cancel();
        resolve();
      };
      if (!state.member.isMember) {
        state.member.stop();
        this.leaveDone();
      } else {
        state.member.leave();
      }
    });
    this.host.caller.failAll(new GroupClosedError('the member left the group'));
    this.host.outbox.abandon();
    state.rejoining = false;
    this.host.responder.stop();
    this.host.replyAcks.stop();
    this.host.log.left(leaver);
    await options.wire.close();
  }
}
