import { CausalContext, InvalidArgumentError, isGroup, type Group, type GroupConnection, type GroupView, type MulticastOptions, type Replies } from '@cohort/core';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { sendInCausalContext } from '../causal/causal-scope.js';
import { isSynchronous, validateCallOptions, type GroupCallOptions } from '../common/call-options.js';
import { defaultGather, gatherReplies } from '../common/gather.js';
import { deliveryHoldsOf } from '../transport/group-dispatcher.js';
import type { GroupClientOptions, GroupConnectionClientOptions } from './group-client.options.js';
import { openGroupConnection } from './group-connection.js';
import { GroupRecord } from './group-record.builder.js';

/** `status` of a GroupClient. */
export type GroupClientStatus = 'connected' | 'disconnected';

export type GroupClientEvents = {
  view: (view: GroupView) => void;
};

/** `send()` waits for every member's reply unless told otherwise. */
const SEND_DEFAULT_REPLIES = 'all';

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
  private readonly viewListeners: ((view: GroupView) => void)[] = [];

  constructor(private readonly options: GroupClientOptions) {
    super();
    if (!options || typeof options !== 'object') throw new InvalidArgumentError('GroupClient needs { group } or { name, wire, seeds }');
    this.defaults = validateCallOptions(options.defaults ?? {}, 'GroupClient options.defaults');
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
      this._status$.next('connected');
      return this.group;
    }
    this.connecting ??= openGroupConnection(this.options as GroupConnectionClientOptions).then((connection) => {
      this.connection = connection;
      for (const listener of this.viewListeners) connection.on('view', listener);
      this._status$.next('connected');
      return connection;
    }, (error: unknown) => {
      this.connecting = null;
      this._status$.next('disconnected');
      throw error;
    });
    return this.connecting;
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    this.connecting = null;
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

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    let active = true;
    void (async () => {
      const { topic, data, options } = this.unpack(packet, 'send');
      if (!isSynchronous(options)) {
        await this.multicast(topic, data, options);
        if (active) callback({ isDisposed: true });
        return;
      }
      const replies = (await this.multicast(topic, data, options)) as Replies;
      const value = gatherReplies(replies, options.gather ?? defaultGather(options.replies), { heldBy: this.group ? deliveryHoldsOf(this.group) : [] });
      if (!active) return;
      callback({ response: value });
      callback({ isDisposed: true });
    })().catch((error: unknown) => {
      if (active) callback({ err: error, isDisposed: true });
    });
    return () => { active = false; };
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    const { topic, data, options } = this.unpack(packet, 'emit');
    if (isSynchronous(options)) throw new InvalidArgumentError('emit() is an asynchronous multicast: use send() to wait for replies');
    await this.multicast(topic, data, options);
    return undefined as T;
  }

  private unpack(packet: ReadPacket, kind: 'send' | 'emit'): { topic: string; data: unknown; options: GroupCallOptions } {
    const topic = this.normalizePattern(packet.pattern);
    const record = packet.data instanceof GroupRecord ? packet.data : null;
    const own = record ? validateCallOptions(record.options, 'GroupRecord options') : {};
    const options: GroupCallOptions = { ...this.defaults, ...own };
    // A client's default quorum is for send(); emit() is asynchronous unless its record says otherwise.
    options.replies = kind === 'emit' ? own.replies ?? 'none' : own.replies ?? this.defaults.replies ?? SEND_DEFAULT_REPLIES;
    return { topic, data: record ? record.data : packet.data, options };
  }

  private async multicast(topic: string, data: unknown, options: GroupCallOptions): Promise<void | Replies> {
    const connection = this.group ? null : this.connection ?? (await this.connect(), this.connection!);
    const send: MulticastOptions = {
      ...(options.order !== undefined ? { order: options.order } : {}),
      ...(options.safe !== undefined ? { safe: options.safe } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      replies: options.replies ?? 'none',
    };
    const group = this.group;
    return sendInCausalContext(
      () => (group ? group.multicast(topic, data, send) : connection!.multicast(topic, data, send)),
      (result) => {
        const replied = result ? result.context : undefined;
        const mine = group ? group.context() : undefined;
        return (mine ?? CausalContext.empty).merge(replied);
      },
    );
  }
}
