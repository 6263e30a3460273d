import { CohortError, Group, InvalidArgumentError, isGroup, type Delivery, type GroupView } from '@cohort/core';
import {
  CustomTransportStrategy,
  Server,
  type BaseRpcContext,
  type MessageHandler,
  type ReadPacket,
  type WritePacket,
} from '@nestjs/microservices';
import { finalize, isObservable, lastValueFrom, throwError, type Observable } from 'rxjs';
import { GROUP_TRANSPORT } from '../constants.js';
import { GroupContext } from './group.context.js';
import { GroupDispatcher, type DeliveryHandler } from './group-dispatcher.js';
import type { GroupServerOptions } from './group-server.options.js';
import { toReplyError } from './reply-error.js';

/** `status` of a GroupServer. */
export type GroupStatus = 'connected' | 'excluded' | 'disconnected';

/** `server.on(event, callback)`: the member's own events. */
export type GroupServerEvents = {
  view: (view: GroupView) => void;
  excluded: (lastView: GroupView | null) => void;
  rejoined: (view: GroupView) => void;
  error: (error: unknown) => void;
};

/**
 * A Nest transport whose messages are the group's multicasts. `@MessagePattern(topic)`
 * handlers answer synchronous multicasts (their return value, or an observable's last value,
 * is the member's reply); `@EventPattern(topic)` handlers receive asynchronous ones. A
 * delivery goes through Nest's own `getHandlerByPattern`, `handleEvent` and `handleRequest`
 * (processing hooks included) when processing hooks are set; without them, through the same
 * steps inline (no hook runner, no reply queue: fewer promises per delivery). Every handler runs in the group's delivery order: the next
 * delivery waits until the handler's promise or observable settles, so `handleEvent` is
 * overridden to await the stream, as Nest's Kafka server does (the base one does not wait).
 */
export class GroupServer extends Server<GroupServerEvents, GroupStatus> implements CustomTransportStrategy {
  override readonly transportId = GROUP_TRANSPORT;
  /** Event handler failures come back to this server (it awaits them) and are logged here. */
  override readonly propagatesEventHandlerErrors = true;

  private group: Group | null;
  private readonly ownsGroup: boolean;
  private releaseHold: (() => void) | null = null;
  private starting: Promise<Group> | null = null;
  private closed = false;
  private readonly routed: [string, DeliveryHandler][] = [];
  private readonly listeners: [keyof GroupServerEvents, (...args: never[]) => void][] = [];
  private readonly unsubscribe: (() => void)[] = [];
  /** Nest's default processing start hook (it only calls on): none set while it is this one. */
  private readonly defaultStartHook = this.onProcessingStartHook;

  constructor(private readonly options: GroupServerOptions) {
    super();
    if (!options || typeof options !== 'object') throw new InvalidArgumentError('GroupServer needs { group } or { name, wire, ... }');
    if ('group' in options) {
      if (!isGroup(options.group)) throw new InvalidArgumentError('GroupServer: options.group must be a Group');
      this.group = options.group;
      this.ownsGroup = false;
      // Deliveries wait for this server's handlers from now until it listens.
      this.releaseHold = GroupDispatcher.for(options.group).hold('server');
    } else {
      if (typeof options.name !== 'string' || !options.wire)
        throw new InvalidArgumentError('GroupServer: options.name and options.wire are required to join a group');
      this.group = null;
      this.ownsGroup = true;
    }
  }

  listen(callback: (error?: unknown) => void): void {
    this.start().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this._status$.next('disconnected');
    for (const off of this.unsubscribe.splice(0)) off();
    const group = this.group;
    if (group) for (const [topic, handler] of this.routed.splice(0)) GroupDispatcher.for(group).unroute(topic, handler);
    this.releaseHold?.();
    if (group && this.ownsGroup) await group.leave();
  }

  /** Listens to the member's events; may be called before listen(). */
  on<K extends keyof GroupServerEvents>(event: K, callback: GroupServerEvents[K]): void {
    const listener = callback as unknown as (...args: never[]) => void;
    this.listeners.push([event, listener]);
    if (this.group) this.attach(this.group, event, listener);
  }

  /** The Group this server serves with. */
  unwrap<T = Group>(): T {
    if (!this.group) throw new Error('Not initialized. Call listen() (or startAllMicroservices()) before unwrap().');
    return this.group as T;
  }

  private start(): Promise<Group> {
    this.starting ??= this.startOnce();
    return this.starting;
  }

  private async startOnce(): Promise<Group> {
    let group = this.group;
    if (!group) {
      const { name, ...joinOptions } = this.options as { name: string } & Parameters<typeof Group.join>[1];
      try {
        group = await Group.join(name, joinOptions);
      } catch (error) {
        this._status$.next('disconnected');
        throw error;
      }
      this.group = group;
      for (const [event, listener] of this.listeners) this.attach(group, event, listener);
    }
    if (this.closed) throw new Error('GroupServer was closed before it listened');
    const dispatcher = GroupDispatcher.for(group);
    for (const pattern of this.messageHandlers.keys()) {
      const route: DeliveryHandler = (payload, delivery) => this.deliver(pattern, payload, delivery);
      dispatcher.route(pattern, route);
      this.routed.push([pattern, route]);
    }
    this.unsubscribe.push(
      group.on('excluded', () => this._status$.next('excluded')),
      group.on('rejoined', () => this._status$.next('connected')),
    );
    this._status$.next('connected');
    this.releaseHold?.();
    return group;
  }

  private attach(group: Group, event: keyof GroupServerEvents, listener: (...args: never[]) => void): void {
    this.unsubscribe.push(group.on(event, listener as never));
  }

  /**
   * Nest's lookup, first by the topic itself: a topic is a normalized pattern already, and
   * the base lookup parses it as JSON first (so a string pattern such as 'true' or '"x"'
   * would not find its handler).
   */
  override getHandlerByPattern(pattern: string): MessageHandler | null {
    return this.messageHandlers.get(pattern) ?? super.getHandlerByPattern(pattern);
  }

  /**
   * Nest's event handling, awaiting the handler's stream (as ServerKafka's does) so that the
   * group's next delivery waits for it; a failure comes back to the caller (deliver logs it).
   */
  override handleEvent(pattern: string, packet: ReadPacket, context: BaseRpcContext): Promise<void> {
    const handler = this.getHandlerByPattern(pattern);
    if (!handler) {
      this.logger.error(`no event handler for "${pattern}"`);
      return Promise.resolve();
    }
    // Without processing hooks, runWithProcessingHooks would only add promises around the handler.
    if (this.hasProcessingHooks()) return this.handleEventWithHooks(handler, packet, context);
    try {
      return Promise.resolve(handler(packet.data, context)).then(settleEvent);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private async handleEventWithHooks(handler: MessageHandler, packet: ReadPacket, context: BaseRpcContext): Promise<void> {
    await (this.runWithProcessingHooks(context, async (runEndHook) => {
      const resultOrStream: unknown = await handler(packet.data, context);
      if (isObservable(resultOrStream)) await lastValueFrom(resultOrStream.pipe(finalize(runEndHook)), { defaultValue: undefined });
      else runEndHook();
    }) as unknown);
  }

  /** Whether processing hooks were set (OpenTelemetry's, say): then every delivery goes through runWithProcessingHooks. */
  private hasProcessingHooks(): boolean {
    return this.onProcessingStartHook !== this.defaultStartHook || this.onProcessingEndHook !== undefined;
  }

  /**
   * One delivery: resolves once the handler (and its stream) is done, so the group's next
   * delivery waits. An event goes through handleEvent; a request through Nest's handleRequest,
   * whose responses end here: the stream's last value is the member's reply, its error an
   * error reply.
   */
  private deliver(pattern: string, payload: unknown, delivery: Delivery): Promise<unknown> | undefined {
    if (this.closed) return undefined;
    const context = new GroupContext([delivery]);
    const handler = this.getHandlerByPattern(pattern);
    // Routes are made from the handlers, so this is a safeguard: a synchronous caller gets an error reply.
    if (!handler) throw new CohortError('NO_HANDLER', `no handler for pattern "${pattern}" in this GroupServer`);
    if (handler.isEventHandler) {
      return this.handleEvent(pattern, { pattern, data: payload }, context).then(
        () => undefined,
        (error: unknown) => {
          this.logger.error(`event handler for "${delivery.topic}" failed: ${error instanceof Error ? error.message : safeJson(error)}`);
        },
      );
    }
    if (!this.hasProcessingHooks()) return answer(handler, payload, context);
    return new Promise<unknown>((resolve, reject) => {
      let value: unknown;
      const respond = (packet: WritePacket): void => {
        // Nest's send() makes a packet with an `err` key for the stream's error, whatever its value.
        if ('err' in packet) {
          reject(toReplyError(packet.err));
          return;
        }
        if (packet.response !== undefined) value = packet.response;
        if (packet.isDisposed) resolve(value);
      };
      const produce = async (): Promise<Observable<unknown>> => {
        try {
          return this.transformToObservable(await handler(payload, context)) as Observable<unknown>;
        } catch (error) {
          return throwError(() => error);
        }
      };
      const handling = this.handleRequest(context, produce, respond) as unknown;
      // A processing hook that failed: no response will come.
      if (handling instanceof Promise) handling.catch((error: unknown) => reject(toReplyError(error)));
    });
  }
}

/** An event handler's result: a stream runs to its end (its values dropped); anything else is done. */
function settleEvent(resultOrStream: unknown): Promise<void> | undefined {
  return isObservable(resultOrStream) ? lastValueFrom(resultOrStream, { defaultValue: undefined }).then(() => undefined) : undefined;
}

/**
 * What Nest's handleRequest and send() make of a request handler's result, without processing
 * hooks: the reply is the result, or a stream's last value other than undefined (undefined if
 * none); a failure (thrown, rejected, or the stream's error, an exception filter's included)
 * is the member's error reply.
 */
function answer(handler: MessageHandler, payload: unknown, context: GroupContext): Promise<unknown> {
  let result: unknown;
  try {
    result = handler(payload, context);
  } catch (error) {
    return Promise.reject(toReplyError(error));
  }
  return Promise.resolve(result)
    .then(lastReply)
    .catch((error: unknown) => {
      throw toReplyError(error);
    });
}

function lastReply(resultOrStream: unknown): unknown {
  if (!isObservable(resultOrStream)) return resultOrStream;
  return new Promise<unknown>((resolve, reject) => {
    let value: unknown;
    resultOrStream.subscribe({
      next: (next) => {
        if (next !== undefined) value = next;
      },
      error: reject,
      complete: () => resolve(value),
    });
  });
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
