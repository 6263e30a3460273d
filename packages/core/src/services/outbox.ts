import { CausalContext, mergeCausality, type GroupCausality } from '../context/causal-context.js';
import type { Clock } from '../env/clock.js';
import { CohortError, GroupClosedError } from '../errors.js';
import { DeliveryQueue } from './delivery-queue.js';
import type { CallStats } from '../group-stats.js';
import type { Order } from '../group-options.js';
import type { OutboxEntry, SendOptions } from '../protocol/member.js';
import type { Caller } from '../protocol/reply/caller.js';
import type { ReplyQuorum } from '../protocol/reply/quorum.js';
import type { Replies } from '../protocol/reply/replies.js';
import type { DataMessage } from '../protocol/types.js';
import type { Serializer } from '../util/serializer.js';
import { DEFAULT_CALL_TIMEOUT_MS, type ValidMulticastOptions } from '../validation/index.js';
import { AsyncMulticast } from './async-multicast.js';
import type { CausalWaits } from './causal-waits.js';
import type { GroupLimits } from './group-limits.js';
import type { GroupState } from './group-state.js';

/** What the outbox needs from its group: each a plain field, read per multicast. */
export interface OutboxHost {
  readonly group: string;
  readonly clock: Clock;
  readonly serializer: Serializer;
  readonly limits: GroupLimits;
  readonly state: GroupState;
  readonly causal: CausalWaits;
  /** This member's calls (the synchronous multicasts). */
  readonly caller: Caller;
  readonly callStats: CallStats;
}

/**
 * The send path: checks and encodes a multicast, hands it to the member in the order issued,
 * or keeps it back (`waiting`) while the member is out of the group between incarnations or
 * its multicasts wait for what the replies to its calls named (CausalWaits.holdForReplies).
 */
export class Outbox {
  /** Multicasts (and flush() calls) kept back from the member: they go out, in order, when it can take them. */
  readonly waiting: OutboxEntry[] = [];
  private readonly group: string;
  private readonly clock: Clock;
  private readonly serializer: Serializer;
  private readonly payloadBytesMax: number;
  private readonly pendingMessagesMax: number;
  private readonly contextWaitMs: number;
  private readonly state: GroupState;
  private readonly causal: CausalWaits;
  private readonly caller: Caller;
  private readonly callStats: CallStats;

  constructor(host: OutboxHost) {
    this.group = host.group;
    this.clock = host.clock;
    this.serializer = host.serializer;
    this.payloadBytesMax = host.limits.payloadBytesMax;
    this.pendingMessagesMax = host.limits.pendingMessagesMax;
    this.contextWaitMs = host.limits.contextWaitMs;
    this.state = host.state;
    this.causal = host.causal;
    this.caller = host.caller;
    this.callStats = host.callStats;
  }

  /** Multicasts issued and not yet sent (behind the window, waiting out a view change or a rejoin). */
  get pendingMessages(): number {
    return this.state.member.pendingCount + this.waiting.length;
  }

  /**
   * Sends a multicast whose options are checked (or Cohort's own). Everything up to handing
   * it to the member runs synchronously, so multicasts (and flush()) go out in the order they
   * were issued — unless the causal context names messages this member has not delivered yet:
   * then this one multicast waits for them (bounded), and fails alone if they do not come.
   */
  send(topic: string, payload: unknown, options: Partial<ValidMulticastOptions>): Promise<void | Replies> {
    const order = options.order ?? 'fifo';
    const safe = options.safe ?? false;
    const quorum = options.quorum ?? 'none';
    const timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    let bytes: Uint8Array;
    let ambient: GroupCausality | undefined;
    let context: GroupCausality | undefined;
    try {
      if (this.state.closed) throw new GroupClosedError('the member left the group');
      bytes = this.serializer.encode(payload);
      if (bytes.length > this.payloadBytesMax)
        throw new CohortError(
          'PAYLOAD_TOO_LARGE',
          `the payload is ${bytes.length} bytes, more than payloadBytesMax (${this.payloadBytesMax})`,
        );
      if (this.pendingMessages >= this.pendingMessagesMax) {
        throw new CohortError(
          'BACKPRESSURE',
          `${this.pendingMessages} multicasts already wait to be sent (pendingMessagesMax ${this.pendingMessagesMax}): wait for some to resolve`,
        );
      }
      // The ambient context may have come from outside the group (an HTTP header, a service's
      // request): it is trusted only as far as this member has delivered what it names.
      ambient = CausalContext.current()?.get(this.group);
      // What the replies to this member's calls taught it is carried too; the member's
      // multicasts wait in order until it has delivered that (see holdForReplies).
      context = mergeCausality(ambient, this.causal.replied.get(this.group));
    } catch (error) {
      return Promise.reject(error);
    }
    if (ambient && this.causal.gap(ambient))
      return this.sendOnceDelivered(topic, bytes, { order, safe, context }, quorum, timeoutMs, ambient);
    if (quorum === 'none') return this.sendAsync(topic, bytes, { order, safe, context });
    return this.call(topic, bytes, { order, safe, context }, quorum, timeoutMs, undefined);
  }

  /**
   * An asynchronous multicast: one object and one promise (no async function, no closure), the
   * promise settled by the member when it sends the message, or knows it never will.
   */
  private sendAsync(topic: string, bytes: Uint8Array, options: SendOptions): Promise<void> {
    const multicast = new AsyncMulticast(topic, bytes, options);
    this.enqueue(multicast);
    return multicast.promise;
  }

  /** `send` of a multicast whose ambient context names messages this member has not delivered yet: it waits for them (bounded). */
  private async sendOnceDelivered(
    topic: string,
    bytes: Uint8Array,
    options: { order: Order; safe: boolean; context: GroupCausality | undefined },
    quorum: ReplyQuorum,
    timeoutMs: number,
    ambient: GroupCausality,
  ): Promise<void | Replies> {
    const started = this.clock.now();
    await this.causal.delivered(ambient, quorum === 'none' ? this.contextWaitMs : Math.min(this.contextWaitMs, timeoutMs));
    if (this.state.closed) throw new GroupClosedError('the member left the group');
    if (quorum === 'none') return this.sendAsync(topic, bytes, options);
    // A call still settles by its timeout: the wait came out of it.
    return this.call(topic, bytes, options, quorum, Math.max(1, timeoutMs - (this.clock.now() - started)), undefined);
  }

  /**
   * Hands one multicast to the member, or, between an exclusion and the next incarnation,
   * keeps it for that one. `withdraw` takes it back if it has not gone out yet.
   */
  private submit(topic: string, payload: Uint8Array, options: SendOptions): { sent: Promise<DataMessage | null>; withdraw: () => void } {
    let resolve!: (message: DataMessage | null) => void;
    const sent = new Promise<DataMessage | null>((r) => {
      resolve = r;
    });
    const entry: OutboxEntry = { topic, payload, options, sent: resolve };
    this.enqueue(entry);
    return {
      sent,
      withdraw: () => {
        const index = this.waiting.indexOf(entry);
        if (index >= 0) this.waiting.splice(index, 1);
        else this.state.member.withdraw(resolve);
      },
    };
  }

  enqueue(entry: OutboxEntry): void {
    const state = this.state;
    if ((state.member.isGone && state.rejoining && !state.closed) || this.causal.holding) this.waiting.push(entry);
    else state.member.enqueueOne(entry);
  }

  /** Multicasts a request and collects replies (the synchronous half of multicast). */
  async call(
    topic: string,
    bytes: Uint8Array,
    send: { order: Order; safe: boolean; context: GroupCausality | undefined },
    quorum: Exclude<ReplyQuorum, 'none'>,
    timeoutMs: number,
    requestKey: string | undefined,
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
      const view = this.state.member.view;
      if (view && view.id === message.viewId) this.caller.sent(call, message, view.members);
    });
    const tracked = this.callStats.track({ topic, order: send.order, quorum, relayed: requestKey !== undefined }, result, request.withdraw);
    return this.causal.absorbed(await tracked, requestKey);
  }

  /**
   * The application's fsync: resolves once every multicast this member issued so far is
   * stable (held by every member of the view), before it acts on the outside world.
   */
  async flush(): Promise<void> {
    if (this.state.closed) throw new GroupClosedError('the member left the group');
    const stable = await new Promise<boolean>((flushed) => this.enqueue({ flushed }));
    if (!stable) throw new GroupClosedError('the member left or was stopped before its multicasts were stable');
  }

  /** Every multicast kept back, after `before`, never goes out (the member stays out). */
  abandon(before: readonly OutboxEntry[] = []): void {
    neverSent([...before, ...this.waiting.splice(0)]);
  }
}

/** Tells the issuers of `entries` that they never go out: multicasts and calls fail, flush() calls reject. */
export function neverSent(entries: readonly OutboxEntry[]): void {
  for (const entry of entries)
    if ('flushed' in entry) entry.flushed(false);
    else entry.sent(null);
}
