import {
  CausalContext,
  InvalidArgumentError,
  isGroup,
  type Group,
  type GroupConnection,
  type GroupView,
  type MulticastOptions,
  type Replies,
} from '@cohort/core';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { Observable } from 'rxjs';
import { sendInCausalContext } from '../causal/causal-scope.js';
import { isSynchronous, validateCallOptions, type GroupCallOptions } from '../common/call-options.js';
import { defaultGather, gatherReplies, type Gather } from '../common/gather.js';
import { deliveryHoldsOf } from '../transport/group-dispatcher.js';
import type { GroupClientOptions, GroupConnectionClientOptions } from './group-client.options.js';
import { openGroupConnection } from './group-connection.js';
import { GroupRecord } from './group-record.builder.js';
import { sentEvent } from './sent-event.js';

/** `status` of a GroupClient. */
export type GroupClientStatus = 'connected' | 'disconnected';

export type GroupClientEvents = {
  view: (view: GroupView) => void;
};

/** `send()` waits for every member's reply unless told otherwise. */
const SEND_DEFAULT_REPLIES = 'all';

/** One call's options, resolved once: what the core is given, and how a synchronous caller's result is made. */
interface ResolvedCall {
  readonly send: MulticastOptions;
  readonly sync: boolean;
  readonly gather: Gather;
}

function resolveCall(options: GroupCallOptions): ResolvedCall {
  return {
    send: {
      ...(options.order !== undefined ? { order: options.order } : {}),
      ...(options.safe !== undefined ? { safe: options.safe } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      replies: options.replies ?? 'none',
    },
    sync: isSynchronous(options),
    gather: options.gather ?? defaultGather(options.replies),
  };
}

/**
 * A Nest ClientProxy whose calls are multicasts to a group, from a member or from outside:
 * - `send(pattern, data)`: a synchronous multicast; the observable emits **one** value, the
 *   gathered replies (by default the array of the members' reply values in rank order, or the
 *   one value with `replies: 'first'`; see `gather`), then completes; it errors with GroupReplyError when a member's handler failed
 *   or the quorum was not met.
 * - `emit(pattern, data)`: an asynchronous multicast; completes once the message is sent.
 * Per call, wrap the data in a GroupRecord (GroupRecordBuilder) to set order, safe, replies,
 * timeoutMs and gather.
 */
// Status is typed string (not GroupClientStatus) so that `customClass: GroupClient` type-checks in ClientsModule.register().
export class GroupClient extends ClientProxy<GroupClientEvents> {
  private readonly group: Group | null;
  private connection: GroupConnection | null = null;
  private connecting: Promise<GroupConnection> | null = null;
  private readonly defaults: GroupCallOptions;
  /** The options of an emit() and a send() without a GroupRecord: the same for every such call. */
  private readonly plainEmit: ResolvedCall;
  private readonly plainSend: ResolvedCall;
  /** Whether a member-mode client said 'connected' since it was made or closed (connect() says it once). */
  private announced = false;
  private readonly viewListeners: ((view: GroupView) => void)[] = [];

  constructor(private readonly options: GroupClientOptions) {
    super();
    if (!options || typeof options !== 'object') throw new InvalidArgumentError('GroupClient needs { group } or { name, wire, seeds }');
    this.defaults = validateCallOptions(options.defaults ?? {}, 'GroupClient options.defaults');
    this.plainEmit = this.resolve({}, 'emit');
    this.plainSend = this.resolve({}, 'send');
    if ('group' in options) {
      if (!isGroup(options.group)) throw new InvalidArgumentError('GroupClient: options.group must be a Group');
      this.group = options.group;
    } else {
      if (typeof options.name !== 'string' || !options.wire || !Array.isArray(options.seeds)) {
        throw new InvalidArgumentError('GroupClient: options.name, options.wire and options.seeds are required outside the group');
      }
      this.group = null;
    }
    // No serializer: payloads go to the core as they are, which encodes them (its `serializer` option).
  }

  async connect(): Promise<unknown> {
    if (this.group) {
      this.announced = true;
      this._status$.next('connected');
      return this.group;
    }
    this.connecting ??= openGroupConnection(this.options as GroupConnectionClientOptions).then(
      (connection) => {
        this.connection = connection;
        for (const listener of this.viewListeners) connection.on('view', listener);
        this._status$.next('connected');
        return connection;
      },
      (error: unknown) => {
        this.connecting = null;
        this._status$.next('disconnected');
        throw error;
      },
    );
    return this.connecting;
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    this.connecting = null;
    this.announced = false;
    this._status$.next('disconnected');
    if (connection) await connection.close();
  }

  /** 'view': the group's views as this client learns them. */
  override on<K extends keyof GroupClientEvents>(event: K, callback: GroupClientEvents[K]): void {
    if (event !== 'view') throw new InvalidArgumentError(`GroupClient has no event "${String(event)}"`);
    this.viewListeners.push(callback);
    if (this.group) this.group.on('view', callback);
    else this.connection?.on('view', callback);
  }

  /** The member's Group, or the GroupConnection of a non-member (after connect()). */
  unwrap<T>(): T {
    const target = this.group ?? this.connection;
    if (!target) throw new Error('Not initialized. Please call the "connect" method first.');
    return target as T;
  }

  /**
   * Nest's send(), without its connect-then-mergeMap chain once this client is connected (a
   * member always is): the same cold observable (one value, the gathered replies, then
   * complete; or the error), the packet made and published when it is subscribed.
   */
  override send<TResult = unknown, TInput = unknown>(pattern: unknown, data: TInput): Observable<TResult> {
    if (pattern === null || pattern === undefined || data === null || data === undefined) return super.send(pattern, data);
    return new Observable<TResult>((subscriber) => {
      if (!this.ready()) return super.send<TResult, TInput>(pattern, data).subscribe(subscriber);
      return this.publish(this.createPacket(pattern, data), this.createObserver(subscriber));
    });
  }

  /**
   * Nest's emit(), without its connect-then-mergeMap chain and connectable once this client
   * is connected: the same hot observable (sent at once; `undefined` then complete once the
   * message is sent, or the error; a later subscriber gets only the completion or the error).
   */
  override emit<TResult = unknown, TInput = unknown>(pattern: unknown, data: TInput): Observable<TResult> {
    if (pattern === null || pattern === undefined || data === null || data === undefined || !this.ready()) return super.emit(pattern, data);
    let sent: Promise<TResult>;
    try {
      sent = this.dispatchEvent<TResult>(this.createPacket(pattern, data));
    } catch (error) {
      sent = Promise.reject(error);
    }
    return sentEvent(sent);
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    let active = true;
    let sent: Promise<void | Replies>;
    let call: ResolvedCall;
    try {
      const unpacked = this.unpack(packet, 'send');
      call = unpacked.call;
      sent = this.multicast(unpacked.topic, unpacked.data, call);
    } catch (error) {
      sent = Promise.reject(error);
      call = this.plainSend;
    }
    sent
      .then((result) => {
        if (!call.sync) {
          if (active) callback({ isDisposed: true });
          return;
        }
        const value = gatherReplies(result as Replies, call.gather, { heldBy: this.group ? deliveryHoldsOf(this.group) : [] });
        if (!active) return;
        callback({ response: value });
        callback({ isDisposed: true });
      })
      .catch((error: unknown) => {
        if (active) callback({ err: error, isDisposed: true });
      });
    return () => {
      active = false;
    };
  }

  /** Resolves (with undefined: an asynchronous multicast's promise resolves with nothing) once sent; no async wrapper on the hot path. */
  protected dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    try {
      const { topic, data, call } = this.unpack(packet, 'emit');
      if (call.sync) throw new InvalidArgumentError('emit() is an asynchronous multicast: use send() to wait for replies');
      return this.multicast(topic, data, call) as Promise<unknown> as Promise<T>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Connected, so a call needs no connect() first: a member (said 'connected' once), or a non-member whose connection is open. */
  private ready(): boolean {
    if (this.group) {
      if (!this.announced) void this.connect();
      return true;
    }
    return this.connection !== null;
  }

  private unpack(packet: ReadPacket, kind: 'send' | 'emit'): { topic: string; data: unknown; call: ResolvedCall } {
    const topic = this.normalizePattern(packet.pattern);
    if (!(packet.data instanceof GroupRecord)) return { topic, data: packet.data, call: kind === 'emit' ? this.plainEmit : this.plainSend };
    const record = packet.data;
    return { topic, data: record.data, call: this.resolve(validateCallOptions(record.options, 'GroupRecord options'), kind) };
  }

  /** A call's options: the client's defaults overridden by the record's. */
  private resolve(own: GroupCallOptions, kind: 'send' | 'emit'): ResolvedCall {
    const options: GroupCallOptions = { ...this.defaults, ...own };
    // A client's default quorum is for send(); emit() is asynchronous unless its record says otherwise.
    options.replies = kind === 'emit' ? (own.replies ?? 'none') : (own.replies ?? this.defaults.replies ?? SEND_DEFAULT_REPLIES);
    return resolveCall(options);
  }

  private multicast(topic: string, data: unknown, call: ResolvedCall): Promise<void | Replies> {
    const group = this.group;
    if (group)
      return sendInCausalContext(
        () => group.multicast(topic, data, call.send),
        (result) => group.context().merge(result ? result.context : undefined),
      );
    return this.multicastFromOutside(topic, data, call);
  }

  private async multicastFromOutside(topic: string, data: unknown, call: ResolvedCall): Promise<void | Replies> {
    const connection = this.connection ?? (await this.connect(), this.connection!);
    return sendInCausalContext(
      () => connection.multicast(topic, data, call.send),
      (result) => CausalContext.empty.merge(result ? result.context : undefined),
    );
  }
}
