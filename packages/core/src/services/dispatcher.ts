import { CohortError, InvalidArgumentError } from '../errors.js';
import type { Delivery, GroupEvents, GroupOptions, Handler } from '../group-options.js';
import type { ExecutedRequests, RememberedReply } from '../protocol/reply/executed-requests.js';
import type { DataMessage, MemberId, View } from '../protocol/types.js';
import type { Serializer } from '../util/serializer.js';
import { describe as describeValue, RESERVED_TOPIC_PREFIX, validateTopic } from '../validation/index.js';
import type { AuthenticatedWire } from '../wire/authenticated-wire.js';
import { DeliveryTask } from './delivery-task.js';
import type { GroupState } from './group-state.js';
import { KEY_RETIRE, KEY_SIGN, KEY_STAGE } from './key-rotation.js';
import type { Outbox } from './outbox.js';
import type { Responder } from './responder.js';
import { SNAPSHOT_DONE, SNAPSHOT_OK, SNAPSHOT_START, SnapshotInterruptedError, type SnapshotRecorder } from './snapshot.js';

/** The group's emit (its 'error' events are logged too). */
export type GroupEmit = <K extends keyof GroupEvents>(event: K, ...args: GroupEvents[K]) => boolean;

/** What the dispatcher needs from its group: each a plain field, read per delivery. */
export interface DispatcherHost {
  readonly group: string;
  readonly options: GroupOptions;
  readonly serializer: Serializer;
  readonly state: GroupState;
  /** The client requests this member ran (or runs), by key: each runs once. */
  readonly executed: ExecutedRequests;
  readonly responder: Responder;
  /** This member's part in the snapshots running (fed by its deliveries). */
  readonly snapshots: SnapshotRecorder;
  /** Cohort's own answers (a snapshot's "OK") go out through it. */
  readonly outbox: Outbox;
  readonly emit: GroupEmit;
}

/**
 * The delivery path, where the delivery queue hands a message to the application: its handler
 * (the topic's), or 'unhandled'; a request's reply (once per client request key); Cohort's
 * own topics (snapshot rounds, key rotation).
 */
export class Dispatcher {
  private readonly handlers = new Map<string, Handler>();
  private readonly group: string;
  private readonly options: GroupOptions;
  private readonly serializer: Serializer;
  private readonly state: GroupState;
  private readonly executed: ExecutedRequests;
  private readonly responder: Responder;
  private readonly snapshots: SnapshotRecorder;
  private readonly outbox: Outbox;
  private readonly emit: GroupEmit;

  constructor(host: DispatcherHost) {
    this.group = host.group;
    this.options = host.options;
    this.serializer = host.serializer;
    this.state = host.state;
    this.executed = host.executed;
    this.responder = host.responder;
    this.snapshots = host.snapshots;
    this.outbox = host.outbox;
    this.emit = host.emit;
  }

  handle(topic: string, handler: Handler): void {
    validateTopic(topic);
    if (typeof handler !== 'function') throw new InvalidArgumentError(`handler must be a function, not ${describeValue(handler)}`);
    if (this.handlers.has(topic)) throw new InvalidArgumentError(`topic "${topic}" already has a handler`);
    this.handlers.set(topic, handler);
  }

  /** The handler of a delivery runs in the context of what this member had delivered, this message included. */
  deliveryTask(me: MemberId, message: DataMessage, view: View): DeliveryTask {
    return new DeliveryTask(this.runDelivery, me, message, view, this.group, this.state.member.causalVector());
  }

  /** A delivery's turn in the queue: the observer hears of it where the handler takes it. */
  private readonly runDelivery = (me: MemberId, message: DataMessage, view: View): unknown => {
    this.options.observer?.handled?.(me, message);
    return this.dispatch(message, view);
  };

  private dispatch(message: DataMessage, view: View): unknown {
    const groupView = this.state.currentView!;
    const me = this.state.member.me;
    const rank = view.members.indexOf(me);
    const delivery: Delivery = { topic: message.topic, sender: message.sender, view: groupView, rank, viewSize: view.members.length };
    const key = message.requestKey;
    const call = message.call;
    if (key && this.executed.has(key)) {
      // A retried client request: it ran here before, so this delivery only answers.
      const known = this.executed.outcomeOf(key);
      if (call)
        this.responder.sendReply(
          me,
          message.sender,
          call,
          view.id,
          rank,
          typeof known === 'object' ? known : this.responder.duplicate(key),
        );
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
      this.responder.sendReply(me, message.sender, call, view.id, rank, reply);
    });
  }

  /** Cohort's own messages: the snapshot protocol's rounds. */
  private dispatchOwn(message: DataMessage, view: View, rank: number): unknown {
    const id = this.serializer.decode(message.payload) as string;
    const me = this.state.member.me;
    switch (message.topic) {
      case SNAPSHOT_START: {
        const checkpoint = this.options.checkpoint ?? this.options.getState;
        // The checkpoint is taken here, in delivery order; "OK" leaves right after it, so
        // everything this member sends later follows it (FIFO).
        const record = (value: unknown): void => {
          this.snapshots.start(id, view.id, view.members, value);
          void this.outbox.send(SNAPSHOT_OK, id, { order: 'causal' }).catch(() => undefined);
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
          outcome = this.responder.encodeError(error);
          this.emit('error', new CohortError('KEY_ROTATION', `${me} could not take the new key`, { cause: error }));
        }
        if (message.call) this.responder.sendReply(me, message.sender, message.call, view.id, rank, outcome);
        return undefined;
      }
      case SNAPSHOT_OK:
        this.snapshots.ok(id, message.sender);
        return undefined;
      case SNAPSHOT_DONE: {
        const part = this.snapshots.finish(id);
        const reply = part
          ? this.responder.encodeValue(part)
          : this.responder.encodeError(new SnapshotInterruptedError(id, `${me} did not take part`));
        if (message.call) this.responder.sendReply(me, message.sender, message.call, view.id, rank, reply);
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
  answer(bytes: Uint8Array, delivery: Delivery, done: (reply: RememberedReply) => void): unknown {
    let payload: unknown;
    try {
      payload = this.serializer.decode(bytes);
    } catch (error) {
      done(this.responder.encodeError(error));
      return undefined;
    }
    const handler = this.handlers.get(delivery.topic);
    if (!handler) {
      this.emit('unhandled', payload, delivery);
      done(
        this.responder.encodeError(new CohortError('NO_HANDLER', `no handler for topic "${delivery.topic}" at ${this.state.member.me}`)),
      );
      return undefined;
    }
    try {
      const value = handler(payload, delivery);
      if (!(value instanceof Promise)) return done(this.responder.encodeValue(value));
      return value.then(
        (resolved) => done(this.responder.encodeValue(resolved)),
        (error: unknown) => done(this.responder.encodeError(error)),
      );
    } catch (error) {
      return done(this.responder.encodeError(error));
    }
  }
}
