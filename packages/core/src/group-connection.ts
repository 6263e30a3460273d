import type { Frame } from './protocol/frames.js';
import { CausalContext } from './context/causal-context.js';
import { DeliveryQueue } from './services/delivery-queue.js';
import { realClock, type Clock, type TimerHandle } from './env/clock.js';
import { realRandom, type Random } from './env/random.js';
import { CohortError, ConnectTimeoutError, GroupClosedError, InvalidArgumentError, NotAcceptedError } from './errors.js';
import { TypedEmitter } from './util/events.js';
import { type AsyncOptions, type CallOptions, type GroupView, type MulticastOptions, type Order } from './group.js';
import type { ClientRejectBody, ClientRequestBody, ClientResultBody } from './protocol/reply/client.header.js';
import { DirectCall, type DirectOutcome } from './protocol/reply/direct-call.js';
import { quorumCode, validateQuorum, type ReplyQuorum } from './protocol/reply/quorum.js';
import { decodeReply } from './protocol/reply/reply-decoding.js';
import { Replies } from './protocol/reply/replies.js';
import type { ReplyBody } from './protocol/reply/reply.header.js';
import { Endpoint, type EndpointCounters } from './protocol/transport/endpoint.js';
import { addressOf, type MemberId } from './protocol/types.js';
import { jsonSerializer, type Serializer } from './util/serializer.js';
import { isWellFormed, positiveInteger, validateOrder, validateTimeout, validateTopic } from './validation/index.js';
import type { Address, Wire } from './wire/wire.js';

/**
 * relay: each request goes to one member, who multicasts it in the order asked for and hands
 * back the gathered replies (one more hop; every order works). direct: each request goes
 * straight to every member of the cached view, labelled with its id (no extra hop; the
 * members run it on arrival, FIFO per client, outside the group's own order).
 */
export type ConnectionMode = 'relay' | 'direct';

export interface GroupConnectionOptions {
  wire: Wire;
  /** Addresses of members to ask for the view. */
  seeds: readonly Address[];
  mode?: ConnectionMode;
  clock?: Clock;
  random?: Random;
  serializer?: Serializer;
  /** Resend an unanswered request this often (relay: to the next member). Default 200 ms. */
  retryIntervalMs?: number;
  /** Ask a member for the view this often (it also pushes new views for a while). Default 1,000 ms. */
  viewRefreshMs?: number;
  /** open() rejects with ConnectTimeoutError if no member tells its view in this long. Default 5,000 ms. */
  connectTimeoutMs?: number;
  /** A request payload larger than this (serialized) is refused with PAYLOAD_TOO_LARGE before it is sent. Default 4 MiB. */
  payloadBytesMax?: number;
  /** Requests open at once (sent, not settled); beyond it multicast() rejects with BACKPRESSURE. Default 10,000. */
  pendingRequestsMax?: number;
  observer?: ConnectionObserver;
}

export const CONNECTION_PAYLOAD_BYTES_MAX = 4 * 1024 * 1024;
export const CONNECTION_PENDING_REQUESTS_MAX = 10_000;

/** The client's record for the history checker: the replies it took to direct requests. */
export interface ConnectionObserver {
  replied?(client: MemberId, responder: MemberId, requestKey: string, viewId: number): void;
}

interface OpenCall {
  readonly request: ClientRequestBody;
  readonly timers: TimerHandle[];
  /** relay: index into the members tried next. */
  contact: number;
  pending: DirectCall | null;
  settle(outcome: Replies | ClientResultBody | Error): void;
}

type ConnectionEvents = { view: [GroupView]; error: [unknown] };

/** The kinds a member sends a client: the rest is dropped at the endpoint (counted). */
const CONNECTION_FRAME_KINDS = ['view-notice', 'client-result', 'client-reject', 'reply'] as const;

/**
 * A process that is not a member, talking to the group (the lecture notes' "communication
 * from a client to a group"). It learns views without joining (members push new ones to
 * clients that asked lately), and every request carries a key kept across retries so that
 * the members execute it once.
 */
export class GroupConnection extends TypedEmitter<ConnectionEvents> {
  readonly id: MemberId;
  private currentView: GroupView | null = null;
  /** The members of the view before the current one: their late replies still count. */
  private previousMembers: readonly MemberId[] = [];
  /** The group's epoch, learned from the first view-notice (0: not yet). */
  private epoch = 0;
  private readonly calls = new Map<number, OpenCall>();
  private nextCall = 1;
  private closed = false;
  private refresher: TimerHandle | null = null;
  private queryTurn = 0;
  private readonly mode: ConnectionMode;
  private readonly clock: Clock;
  private readonly serializer: Serializer;
  private readonly retryIntervalMs: number;
  private readonly viewRefreshMs: number;
  private readonly connectTimeoutMs: number;
  private readonly payloadBytesMax: number;
  private readonly pendingRequestsMax: number;
  /** What the endpoint dropped: malformed, of another group, claiming to be from this client, of a kind for members. */
  private readonly counters: EndpointCounters = { framesMalformed: 0, framesDropped: 0, framesOtherEpoch: 0 };
  private readonly endpoint: Endpoint;

  private constructor(
    readonly groupName: string,
    private readonly options: GroupConnectionOptions,
  ) {
    super();
    this.mode = options.mode ?? 'relay';
    if (this.mode !== 'relay' && this.mode !== 'direct')
      throw new InvalidArgumentError(`mode must be 'relay' or 'direct', not ${String(options.mode)}`);
    for (const seed of options.seeds) {
      if (typeof seed !== 'string' || seed.length === 0 || seed.length > 255 || !isWellFormed(seed)) {
        throw new InvalidArgumentError(`each seed must be a member's address (a non-empty string), not ${JSON.stringify(seed)}`);
      }
    }
    for (const name of ['observer', 'serializer', 'clock', 'random'] as const) {
      if (options[name] !== undefined && (options[name] === null || typeof options[name] !== 'object'))
        throw new InvalidArgumentError(`${name} must be an object`);
    }
    this.clock = options.clock ?? options.wire.clock ?? realClock;
    const random = options.random ?? options.wire.random ?? realRandom;
    this.serializer = options.serializer ?? jsonSerializer;
    this.retryIntervalMs = positiveInteger(options.retryIntervalMs, 200, 'retryIntervalMs');
    this.viewRefreshMs = positiveInteger(options.viewRefreshMs, 1_000, 'viewRefreshMs');
    this.connectTimeoutMs = positiveInteger(options.connectTimeoutMs, 5_000, 'connectTimeoutMs');
    this.payloadBytesMax = positiveInteger(options.payloadBytesMax, CONNECTION_PAYLOAD_BYTES_MAX, 'payloadBytesMax');
    this.pendingRequestsMax = positiveInteger(options.pendingRequestsMax, CONNECTION_PENDING_REQUESTS_MAX, 'pendingRequestsMax');
    // "c" marks a client incarnation: it never names a member of a view.
    this.id = `${options.wire.address}/c${1 + random.int(1_000_000)}`;
    this.endpoint = new Endpoint(options.wire, groupName, this.clock, this.counters);
    this.endpoint.attach({
      me: this.id,
      // A client's frames carry no epoch: it learns the group's from a view-notice (onFrame),
      // and takes frames of any epoch (it checks the view-notices' own).
      epoch: 0,
      arrived: () => !this.closed,
      acceptsAnyEpoch: () => true,
    });
    this.endpoint.route(CONNECTION_FRAME_KINDS, { onFrame: (frame) => this.onFrame(frame) });
  }

  /** Resolves once a member told the current view. */
  static open(groupName: string, options: GroupConnectionOptions): Promise<GroupConnection> {
    if (typeof groupName !== 'string' || groupName.length === 0 || groupName.length > 255) {
      return Promise.reject(new InvalidArgumentError('group name must be a non-empty string of at most 255 characters'));
    }
    if (!options?.wire) return Promise.reject(new InvalidArgumentError('options.wire is required'));
    if (!Array.isArray(options.seeds) || options.seeds.length === 0)
      return Promise.reject(new InvalidArgumentError('seeds must list at least one member address'));
    let connection: GroupConnection;
    try {
      connection = new GroupConnection(groupName, options);
    } catch (error) {
      return Promise.reject(error);
    }
    const timeoutMs = connection.connectTimeoutMs;
    return new Promise((resolve, reject) => {
      connection.endpoint.open();
      const started = connection.clock.now();
      const ask = (): void => {
        if (connection.currentView) return resolve(connection);
        if (connection.clock.now() - started >= timeoutMs) {
          void connection.close();
          return reject(new ConnectTimeoutError(groupName, timeoutMs));
        }
        for (const seed of options.seeds) connection.send(seed, { type: 'view-query' });
        connection.clock.setTimer(Math.min(connection.retryIntervalMs, timeoutMs), ask);
      };
      const off = connection.on('view', () => {
        off();
        connection.startRefreshing();
        resolve(connection);
      });
      ask();
    });
  }

  get view(): GroupView {
    return this.currentView!;
  }

  /** Same contract as Group.multicast, from outside the group (see ConnectionMode). */
  multicast(topic: string, payload: unknown, options: CallOptions): Promise<Replies>;
  multicast(topic: string, payload: unknown, options?: AsyncOptions): Promise<void>;
  multicast(topic: string, payload: unknown, options?: MulticastOptions): Promise<void | Replies>;
  async multicast(topic: string, payload: unknown, options: MulticastOptions = {}): Promise<void | Replies> {
    validateTopic(topic);
    // The one list of orders (validation.ts ORDERS), as Group.multicast checks it.
    const order: Order = validateOrder(options.order);
    if (this.mode === 'direct' && order !== 'fifo')
      throw new InvalidArgumentError(`a direct connection sends fifo requests only; use mode 'relay' for ${order} order`);
    if (options.safe !== undefined && typeof options.safe !== 'boolean') throw new InvalidArgumentError('safe must be a boolean');
    if (this.mode === 'direct' && options.safe)
      throw new InvalidArgumentError("safe delivery needs the group's own multicast: use mode 'relay'");
    const quorum = options.replies === undefined ? 'none' : validateQuorum(options.replies);
    const timeoutMs = validateTimeout(options.timeoutMs);
    if (this.closed) throw new GroupClosedError('the connection is closed');
    const bytes = this.serializer.encode(payload);
    if (bytes.length > this.payloadBytesMax)
      throw new CohortError(
        'PAYLOAD_TOO_LARGE',
        `the payload is ${bytes.length} bytes, more than payloadBytesMax (${this.payloadBytesMax})`,
      );
    if (this.calls.size >= this.pendingRequestsMax) {
      throw new CohortError(
        'BACKPRESSURE',
        `${this.calls.size} requests are open (pendingRequestsMax ${this.pendingRequestsMax}): wait for some to settle`,
      );
    }
    if (quorum !== 'none') DeliveryQueue.releaseCurrent();
    const call = this.nextCall++;
    const request: ClientRequestBody = {
      type: 'client-request',
      key: `${this.id}#${call}`,
      call,
      viewLabel: 0,
      topic,
      order,
      safe: options.safe ?? false,
      quorum: quorumCode(quorum),
      timeoutMs,
      payload: bytes,
    };
    const outcome = await new Promise<Replies | ClientResultBody | Error>((settle) => {
      const open: OpenCall = { request, timers: [], contact: 0, pending: null, settle };
      this.calls.set(call, open);
      if (this.mode === 'relay') this.startRelay(open, timeoutMs);
      else this.startDirect(open, quorum, timeoutMs);
    });
    if (outcome instanceof Error) throw outcome;
    const replies = outcome instanceof Replies ? outcome : this.repliesOf(outcome);
    return quorum === 'none' ? undefined : replies;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.refresher?.cancel();
    for (const open of [...this.calls.values()]) this.finish(open, new GroupClosedError('the connection was closed'));
    await this.options.wire.close();
  }

  // --- relay ---------------------------------------------------------------------------

  private startRelay(open: OpenCall, timeoutMs: number): void {
    const quorum = open.request.quorum;
    // The member's own call ends at timeoutMs; its result needs a moment more to come back.
    open.timers.push(
      this.clock.setTimer(timeoutMs + 2 * this.retryIntervalMs, () => {
        this.finish(
          open,
          quorum === 0 ? new NotAcceptedError(timeoutMs) : new Replies(0, [], [], [], this.view.members, false, CausalContext.empty),
        );
      }),
    );
    const tryNext = (): void => {
      if (!this.calls.has(open.request.call)) return;
      const members = this.view.members;
      this.send(addressOf(members[open.contact++ % members.length]!), open.request);
      open.timers.push(this.clock.setTimer(this.retryIntervalMs * 2 ** Math.min(4, Math.floor(open.contact / members.length)), tryNext));
    };
    tryNext();
  }

  private repliesOf(result: ClientResultBody): Replies {
    const replies = result.replies.map((entry) =>
      decodeReply(this.serializer, entry.member, entry.rank, entry.failed, entry.payload, entry.viewId ?? result.viewId),
    );
    return new Replies(result.viewId, result.expected, replies, result.failed, result.slow, result.quorumMet, CausalContext.empty);
  }

  // --- direct --------------------------------------------------------------------------

  private startDirect(open: OpenCall, quorum: ReplyQuorum, timeoutMs: number): void {
    // Even a fire-and-forget direct request waits for every member to take it (its reply is
    // the acknowledgement): nothing is lost silently on a lossy link.
    const asked = quorum === 'none' ? 'all' : quorum;
    const pending = new DirectCall(asked, this.view, (outcome) => this.finish(open, directResult(outcome, quorum, timeoutMs)));
    open.pending = pending;
    open.timers.push(this.clock.setTimer(timeoutMs, () => pending.timedOut()));
    const resend = (): void => {
      if (!this.calls.has(open.request.call)) return;
      const labelled = { ...open.request, viewLabel: this.view.id };
      for (const member of pending.waitingFor()) this.send(addressOf(member), labelled);
      open.timers.push(this.clock.setTimer(this.retryIntervalMs, resend));
    };
    resend();
  }

  // --- frames --------------------------------------------------------------------------

  /** A frame of this group of one of CONNECTION_FRAME_KINDS (the endpoint decoded and filtered it). */
  private onFrame(frame: Frame): void {
    const body = frame.body;
    switch (body.type) {
      case 'view-notice':
        // Only a member of the view it announces speaks for it; once the client knows the
        // group's epoch, notices of another (a group formed before, replayed) are ignored.
        if (!body.members.includes(frame.from)) return;
        if (this.epoch !== 0 && (frame.epoch ?? 0) !== this.epoch) return;
        if (this.epoch === 0) this.epoch = frame.epoch ?? 0;
        return this.learnView(body.viewId, body.members);
      case 'client-result': {
        const open = this.calls.get(body.call);
        if (open && this.mode === 'relay') this.finish(open, body);
        return;
      }
      case 'client-reject':
        return this.onReject(frame.from, body);
      case 'reply':
        return this.onReply(frame.from, body);
      default:
        return;
    }
  }

  private onReply(responder: MemberId, body: ReplyBody): void {
    if (body.to !== this.id) return;
    // A reply counts only from a member of a view this client learned (this one or the one before).
    if (!this.currentView?.members.includes(responder) && !this.previousMembers.includes(responder)) return;
    this.send(addressOf(responder), { type: 'reply-ack', call: body.call });
    const open = this.calls.get(body.call);
    if (!open?.pending) return;
    const reply = decodeReply(this.serializer, responder, body.rank, body.failed, body.payload, body.viewId);
    if (open.pending.reply(responder, body.viewId, reply))
      this.options.observer?.replied?.(this.id, responder, open.request.key, body.viewId);
  }

  /** A member's view is not the label (learn it), or it refuses the request (`code`). */
  private onReject(from: MemberId, body: ClientRejectBody): void {
    if (body.members.length > 0) this.learnView(body.viewId, body.members);
    if (body.code === undefined) return;
    const open = this.calls.get(body.call);
    if (!open || !body.members.includes(from)) return;
    const refusal = { code: body.code, message: body.message ?? '' };
    if (open.pending) {
      open.pending.refused(from, body.viewId, refusal);
      return;
    }
    // Relay: the member asked refused to multicast it. Once another member was asked too, that
    // one may have taken it: the call goes on (its result or its timeout tells).
    if (open.contact <= 1) this.finish(open, refused(from, refusal));
  }

  private learnView(viewId: number, members: readonly MemberId[]): void {
    if (members.length === 0 || (this.currentView && viewId <= this.currentView.id)) return;
    const view: GroupView = { id: viewId, members: [...members], coordinator: members[0]! };
    this.previousMembers = this.currentView?.members ?? [];
    this.currentView = view;
    // Direct requests wait on the members of the newest view, labelled anew.
    for (const open of this.calls.values()) open.pending?.viewChanged(view.id, view.members);
    this.emit('view', view);
  }

  private startRefreshing(): void {
    const refresh = (): void => {
      if (this.closed) return;
      const members = this.currentView?.members ?? [];
      const candidates = [...members.map(addressOf), ...this.options.seeds];
      this.send(candidates[this.queryTurn++ % candidates.length]!, { type: 'view-query' });
      this.refresher = this.clock.setTimer(this.viewRefreshMs, refresh);
    };
    this.refresher = this.clock.setTimer(this.viewRefreshMs, refresh);
  }

  private finish(open: OpenCall, outcome: Replies | ClientResultBody | Error): void {
    if (!this.calls.delete(open.request.call)) return;
    for (const timer of open.timers) timer.cancel();
    open.settle(outcome);
  }

  private send(to: Address, body: Frame['body']): void {
    if (this.closed) return;
    this.endpoint.send(to, this.endpoint.frame(this.id, this.currentView?.id ?? 0, body));
  }
}

/** The refusal of a member that ran the request nowhere, as the caller's error. */
function refused(member: MemberId, refusal: { code: string; message: string }): CohortError {
  return new CohortError(refusal.code, `${member} refused the request: ${refusal.message}`);
}

/**
 * A direct call's result for its caller. Fire-and-forget: every member took it, or
 * NOT_ACCEPTED, or the first refusal's code. A call that every member that answered refused
 * rejects with the refusal's code (it ran nowhere); a partial refusal shows in `errors`.
 */
function directResult(outcome: DirectOutcome, quorum: ReplyQuorum, timeoutMs: number): Replies | Error {
  const first = outcome.refusals[0];
  if (quorum === 'none') {
    if (first) return refused(first.member, first.refusal);
    return outcome.timedOut || outcome.replies.replies.length === 0 ? new NotAcceptedError(timeoutMs) : outcome.replies;
  }
  if (first && outcome.refusals.length === outcome.replies.replies.length) return refused(first.member, first.refusal);
  return outcome.replies;
}
