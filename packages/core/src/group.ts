import { CausalContext } from './context/causal-context.js';
import { realClock, type Clock } from './env/clock.js';
import { realRandom, type Random } from './env/random.js';
import {
  CohortError, GroupClosedError, InvalidArgumentError, JoinTimeoutError,
} from './errors.js';
import { DeliveryQueue } from './delivery-queue.js';
import { TypedEmitter } from './events.js';
import type { FlushValue } from './protocol/membership/membership.header.js';
import { Member, type MemberEvents } from './protocol/member.js';
import { resolveTiming, type Timing } from './protocol/timing.js';
import { addressOf, type DataMessage, type MemberId, type View } from './protocol/types.js';
import { jsonSerializer, type Serializer } from './serializer.js';
import type { Address, Wire } from './wire/wire.js';

/**
 * fifo: per sender (fbcast); causal: happened-before (cbcast); total: one agreed order
 * (abcast); group: at the same point of every member's delivery sequence, like a view change
 * (gbcast; it runs a flush, so it is slow: for rare control actions).
 */
export type Order = 'fifo' | 'causal' | 'total' | 'group';

const ORDERS: readonly Order[] = ['fifo', 'causal', 'total', 'group'];

export interface MulticastOptions {
  /** Delivery order, 'fifo' by default. */
  order?: Order;
  /** Delivered only once every member of the view holds it (dynamic uniformity). */
  safe?: boolean;
}

/** What a handler learns about the delivery it is handling. */
export interface Delivery {
  readonly topic: string;
  readonly sender: MemberId;
  readonly view: GroupView;
  /** This member's rank in the view (0 is the coordinator) and the view's size: member i of k. */
  readonly rank: number;
  readonly viewSize: number;
}

export type Handler = (payload: unknown, delivery: Delivery) => unknown;

export interface GroupView extends View {
  readonly coordinator: MemberId;
}

/** Taps the protocol's own record of events, in protocol order (the history checker uses it). */
export interface GroupObserver {
  sent?(member: MemberId, message: DataMessage): void;
  delivered?(member: MemberId, message: DataMessage): void;
  installed?(member: MemberId, view: View): void;
  excluded?(member: MemberId): void;
  left?(member: MemberId): void;
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
  observer?: GroupObserver;
}

export type GroupEvents = {
  view: [GroupView];
  excluded: [GroupView | null];
  rejoined: [GroupView];
  unhandled: [unknown, Delivery];
  error: [unknown];
};

const TOPIC_LENGTH_MAX = 255;
const DEFAULT_WINDOW_MESSAGES = 8192;
const DEFAULT_DELIVERY_QUEUE_MAX = 100_000;

/**
 * A member of a process group: the public face of the protocol stack. Every member sees
 * the same views in the same order, and multicasts are delivered view-synchronously.
 */
export class Group extends TypedEmitter<GroupEvents> {
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
  private incarnation: number;
  private closed = false;
  private leaveDone: (() => void) | null = null;

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
    this.queue = new DeliveryQueue((error) => this.emit('error', error));
  }

  /** Joins (or, with no seeds, forms) the group; rejects with JoinTimeoutError, never hangs. */
  static join(groupName: string, options: GroupOptions): Promise<Group> {
    if (typeof groupName !== 'string' || groupName.length === 0 || groupName.length > TOPIC_LENGTH_MAX) {
      return Promise.reject(new InvalidArgumentError('group name must be a non-empty string of at most 255 characters'));
    }
    if (!options?.wire) return Promise.reject(new InvalidArgumentError('options.wire is required'));
    let group: Group;
    try {
      group = new Group(groupName, options);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      group.startMember(options.seeds ?? [], true, null, {
        joined: () => resolve(group),
        failed: () => {
          group.closed = true;
          void options.wire.close();
          reject(new JoinTimeoutError(groupName, group.timing.joinTimeoutMs));
        },
      });
    });
  }

  get me(): MemberId {
    return this.member.me;
  }

  get view(): GroupView {
    return this.currentView!;
  }

  /** Unstable messages this member holds in memory. */
  get heldMessages(): number {
    return this.member.heldMessages;
  }

  get stats(): { framesDropped: number; framesMalformed: number; orphansDiscarded: number } {
    return { ...this.member.stats };
  }

  handle(topic: string, handler: Handler): void {
    validateTopic(topic);
    if (typeof handler !== 'function') throw new InvalidArgumentError('handler must be a function');
    if (this.handlers.has(topic)) throw new InvalidArgumentError(`topic "${topic}" already has a handler`);
    this.handlers.set(topic, handler);
  }

  /**
   * Multicasts to the group. Resolves once the message is sequenced and sent (queued
   * during a view change, it goes out in the next view).
   */
  async multicast(topic: string, payload: unknown, options: MulticastOptions = {}): Promise<void> {
    validateTopic(topic);
    const order = options.order ?? 'fifo';
    if (!ORDERS.includes(order)) throw new InvalidArgumentError(`order "${String(order)}" is not one of ${ORDERS.join(', ')}`);
    if (options.safe !== undefined && typeof options.safe !== 'boolean') throw new InvalidArgumentError('safe must be a boolean');
    if (this.closed) throw new GroupClosedError('the member left the group');
    const bytes = this.serializer.encode(payload);
    const context = CausalContext.current()?.get(this.name);
    const message = await this.member.multicast(topic, bytes, { order, safe: options.safe ?? false, context });
    if (!message) throw new GroupClosedError('the member left or was stopped before the message was sent');
  }

  fbcast(topic: string, payload: unknown, options: { safe?: boolean } = {}): Promise<void> {
    return this.multicast(topic, payload, { ...options, order: 'fifo' });
  }

  /** Causal multicast: after every message whose delivery or send happened before this one. */
  cbcast(topic: string, payload: unknown, options: { safe?: boolean } = {}): Promise<void> {
    return this.multicast(topic, payload, { ...options, order: 'causal' });
  }

  /** Group-order multicast: ordered against every other message and view change (runs a flush). */
  gbcast(topic: string, payload: unknown, options: { safe?: boolean } = {}): Promise<void> {
    return this.multicast(topic, payload, { ...options, order: 'group' });
  }

  /** Total-order multicast: every member delivers abcasts in one agreed order, consistent with causality. */
  abcast(topic: string, payload: unknown, options: { safe?: boolean } = {}): Promise<void> {
    return this.multicast(topic, payload, { ...options, order: 'total' });
  }

  /**
   * The application's fsync: resolves once every multicast this member issued so far is
   * stable (held by every member of the view), before it acts on the outside world.
   */
  async flush(): Promise<void> {
    if (this.closed) throw new GroupClosedError('the member left the group');
    if (!(await this.member.flush())) throw new GroupClosedError('the member left or was stopped before its multicasts were stable');
  }

  /**
   * This member's causal context (what it delivered and sent in this group) merged with the
   * ambient one: hand it to the next service of a causal thread (see CausalContext).
   */
  context(): CausalContext {
    const ambient = CausalContext.current() ?? CausalContext.empty;
    const mine = this.member.causalVector();
    return mine ? ambient.merge(CausalContext.of(this.name, mine)) : ambient;
  }

  /** Resolves once every delivery handed to this member so far has been handled. */
  drained(): Promise<void> {
    return this.queue.idle();
  }

  /** Leaves gracefully: the others install a view without this member, then the wire closes. */
  async leave(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => {
      const timer = this.clock.setTimer(this.timing.leaveTimeoutMs, () => {
        // The outcome was lost (the leaver may well have been let go with its vote counted):
        // it asked to leave and it is gone, so to the history it left.
        const wasMember = this.member.isMember;
        this.member.stop();
        if (wasMember) this.options.observer?.left?.(this.member.me);
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
    await this.options.wire.close();
  }

  private startMember(seeds: readonly Address[], mayFormGroup: boolean, previousInstall: FlushValue | null, outcome: { joined: () => void; failed: () => void }): void {
    const observer = this.options.observer;
    let first = true;
    const me = `${this.options.wire.address}/${this.incarnation}`;
    const events: MemberEvents = {
      sent: (message) => observer?.sent?.(me, message),
      deliver: (message, view) => {
        observer?.delivered?.(me, message);
        // The handler runs in the context of what this member had delivered, this message included.
        const causality = this.member.causalVector();
        const context = causality ? CausalContext.of(this.name, causality) : CausalContext.empty;
        this.queue.push(() => CausalContext.run(context, () => this.dispatch(message, view)));
        if (this.queue.length > this.deliveryQueueMax) this.leaveAsSlowConsumer(me, view);
      },
      install: (view, joined) => {
        observer?.installed?.(me, view);
        const groupView: GroupView = { id: view.id, members: view.members, coordinator: view.members[0]! };
        if (joined && joined.state !== null && this.options.setState) {
          const state = this.serializer.decode(joined.state);
          this.queue.push(() => this.options.setState!(state));
        }
        this.queue.push(() => {
          this.currentView = groupView;
          this.emit('view', groupView);
        });
        if (first) {
          first = false;
          this.currentView ??= groupView;
          outcome.joined();
        }
      },
      captureState: () => new Promise((resolve) => {
        this.queue.push(async () => {
          try {
            resolve(this.options.getState ? this.serializer.encode(await this.options.getState()) : null);
          } catch (error) {
            this.emit('error', new CohortError('STATE_CAPTURE', 'getState() failed; the joiner receives no state', { cause: error }));
            resolve(null);
          }
        });
      }),
      excluded: (lastView, exitInstall) => {
        observer?.excluded?.(me);
        const last = lastView ? { id: lastView.id, members: lastView.members, coordinator: lastView.members[0]! } : null;
        this.queue.push(() => this.emit('excluded', last));
        if (this.options.rejoin === false || this.closed) {
          this.closed = true;
          void this.options.wire.close();
          return;
        }
        this.rejoin(lastView, exitInstall);
      },
      left: () => {
        observer?.left?.(me);
        this.leaveDone?.();
      },
      joinFailed: () => outcome.failed(),
    };
    this.member = new Member({
      group: this.name, me, wire: this.options.wire, clock: this.clock, random: this.random,
      timing: this.timing, seeds, mayFormGroup, previousInstall, events, windowMessagesMax: this.windowMessagesMax,
    });
    this.member.start();
  }

  private leaveAsSlowConsumer(me: MemberId, view: View): void {
    const member = this.member;
    if (member.me !== me || member.isGone) return;
    member.stop();
    this.options.observer?.excluded?.(me);
    this.emit('error', new CohortError('SLOW_CONSUMER', `${this.queue.length} deliveries wait for the handlers (deliveryQueueMax ${this.deliveryQueueMax}): ${me} left the group and rejoins once they are handled`));
    const groupView: GroupView = { id: view.id, members: view.members, coordinator: view.members[0]! };
    void this.queue.idle().then(() => {
      this.emit('excluded', groupView);
      if (this.options.rejoin === false || this.closed) {
        this.closed = true;
        void this.options.wire.close();
        return;
      }
      this.rejoin(view);
    });
  }

  private rejoin(lastView: View | null, exitInstall: FlushValue | null = null): void {
    this.incarnation++;
    const seeds = new Set<Address>(this.options.seeds ?? []);
    for (const member of lastView?.members ?? []) seeds.add(addressOf(member));
    seeds.delete(this.options.wire.address);
    const attempt = (): void => {
      if (this.closed) return;
      this.startMember([...seeds], false, exitInstall, {
        joined: () => this.queue.push(() => this.emit('rejoined', this.currentView!)),
        failed: () => {
          this.incarnation++;
          this.clock.setTimer(this.timing.joinRetryIntervalMs, attempt);
        },
      });
    };
    attempt();
  }

  private dispatch(message: DataMessage, view: View): unknown {
    const groupView = this.currentView!;
    const rank = view.members.indexOf(this.member.me);
    const delivery: Delivery = { topic: message.topic, sender: message.sender, view: groupView, rank, viewSize: view.members.length };
    const payload = this.serializer.decode(message.payload);
    const handler = this.handlers.get(message.topic);
    if (!handler) {
      this.emit('unhandled', payload, delivery);
      return undefined;
    }
    return handler(payload, delivery);
  }
}

function validateTopic(topic: string): void {
  if (typeof topic !== 'string' || topic.length === 0 || topic.length > TOPIC_LENGTH_MAX) {
    throw new InvalidArgumentError('topic must be a non-empty string of at most 255 characters');
  }
}
