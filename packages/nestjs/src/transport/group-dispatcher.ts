import { CohortError, InvalidArgumentError, type Delivery, type Group } from '@cohort/core';
import { Logger } from '@nestjs/common';
import { runInDeliveryCell } from '../causal/causal-scope.js';
import type { ViewChange } from './view-change.js';

export type DeliveryHandler = (payload: unknown, delivery: Delivery) => unknown;
export type ViewListener = (change: ViewChange) => unknown;

/** Who holds a member's deliveries back: the application until it is bootstrapped, a GroupServer until it listens. */
export type HoldKind = 'application' | 'server';

/** What the member's `deliveryHolds` says for each kind of hold, and so the errors that come of one. */
export const HOLD_REASONS: Readonly<Record<HoldKind, string>> = {
  application: 'the Nest application is not bootstrapped yet',
  server:
    'a GroupServer built on this group is not listening: call app.startAllMicroservices() (a hybrid application) or app.listen() (a microservice)',
};

/**
 * The one owner of a Group's handlers inside Nest: the transport (GroupServer), the
 * `@Multicast()` methods and the `@OnView()` methods all route through it. It keeps no queue
 * of its own: ordering is the core's delivery queue.
 * - A **hold** (until the application is bootstrapped and every GroupServer on this group
 *   listens) is a hold on that queue (`group.holdDeliveries`): deliveries, view changes and
 *   core handlers wait there, in order. When only GroupServers still hold it a while after
 *   the application started, the dispatcher says so in the log (docs/nestjs.md).
 * - **View changes in order with deliveries**: the core emits 'view', 'excluded' and
 *   'rejoined' as tasks of that queue and waits for the promise a listener returns, so an
 *   `@OnView()` method that returns a promise holds back the next delivery.
 */
export class GroupDispatcher {
  /** How long GroupServers alone may hold the deliveries back before the warning (ms; tests lower it). */
  static notListeningWarningMs = 5_000;
  private static readonly dispatchers = new WeakMap<Group, GroupDispatcher>();

  private readonly logger = new Logger('GroupDispatcher');
  private readonly routes = new Map<string, DeliveryHandler>();
  private readonly registered = new Set<string>();
  private readonly viewListeners = new Set<ViewListener>();
  private readonly holdCounts: Record<HoldKind, number> = { application: 0, server: 0 };
  private notListeningTimer: ReturnType<typeof setTimeout> | null = null;

  /** The dispatcher of `group`, created on first use (one per Group instance). */
  static for(group: Group): GroupDispatcher {
    let dispatcher = GroupDispatcher.dispatchers.get(group);
    if (!dispatcher) {
      dispatcher = new GroupDispatcher(group);
      GroupDispatcher.dispatchers.set(group, dispatcher);
    }
    return dispatcher;
  }

  private constructor(readonly group: Group) {
    group.on('view', (view) => this.emitView({ kind: 'installed', view }));
    group.on('excluded', (view) => this.emitView({ kind: 'excluded', view }));
    group.on('rejoined', (view) => this.emitView({ kind: 'rejoined', view }));
    group.on('unhandled', (_payload, delivery) =>
      this.logger.warn(`${group.me}: no handler for topic "${delivery.topic}"; the message is dropped`),
    );
    // A member given a logger (GroupModule gives it Nest's) writes its errors there itself: not twice.
    group.on('error', (error) => {
      if (!group.logger) this.logger.error(`${safeMe(group)}: ${describe(error)}`, error instanceof Error ? error.stack : undefined);
    });
  }

  /**
   * Holds the member's deliveries (the core's delivery queue) until the returned function is
   * called (idempotent). A hold taken in the turn Group.join resolved keeps the view joined in
   * for the `@OnView()` methods bound before its release.
   */
  hold(kind: HoldKind): () => void {
    const release = this.group.holdDeliveries(HOLD_REASONS[kind]);
    this.holdCounts[kind]++;
    this.watchServers();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holdCounts[kind]--;
      release();
      this.watchServers();
    };
  }

  get held(): boolean {
    return this.group.deliveryHolds.length > 0;
  }

  /** Registers the topics deliveries may arrive on before their handler is routed. */
  expect(topics: Iterable<string>): void {
    for (const topic of topics) this.register(topic);
  }

  /** Sets the handler of `topic`; a topic has one handler. */
  route(topic: string, handler: DeliveryHandler): void {
    if (this.routes.has(topic)) throw new InvalidArgumentError(`topic "${topic}" already has a handler in this application`);
    this.routes.set(topic, handler);
    this.register(topic);
  }

  /** Forgets the handler of `topic` (its deliveries are reported as unhandled from now on). */
  unroute(topic: string, handler: DeliveryHandler): void {
    if (this.routes.get(topic) === handler) this.routes.delete(topic);
  }

  /** Adds a listener of view changes; returns its removal. */
  onView(listener: ViewListener): () => void {
    this.viewListeners.add(listener);
    return () => this.viewListeners.delete(listener);
  }

  private register(topic: string): void {
    if (this.registered.has(topic)) return;
    try {
      this.group.handle(topic, (payload, delivery) => this.dispatch(topic, payload, delivery));
    } catch (error) {
      // By its code: a CohortError of any copy of @cohort/core.
      if (
        (error as { code?: unknown } | null)?.code === 'INVALID_ARGUMENT' &&
        /already has a handler/.test(String((error as Error).message))
      ) {
        // docs/nestjs.md: a topic is handled either through Nest or by group.handle(), not both.
        throw new InvalidArgumentError(
          `topic "${topic}" already has a handler registered with group.handle(): a topic is handled either by Nest (@MessagePattern, @EventPattern, @Multicast) or by group.handle(), not both`,
        );
      }
      throw error;
    }
    this.registered.add(topic);
  }

  private dispatch(topic: string, payload: unknown, delivery: Delivery): unknown {
    const handler = this.routes.get(topic);
    // An expected topic nobody routed (or a handler gone with its server): a synchronous
    // caller gets this as an error reply, an asynchronous one is reported as 'error'.
    if (!handler) throw new CohortError('NO_HANDLER', `no handler for topic "${topic}" in this application`);
    // A delivery is a unit of work of its own: a fresh causal cell that starts from the
    // context the core runs it in (what this member had delivered, this message included).
    return runInDeliveryCell(() => handler(payload, delivery));
  }

  /** Calls the view listeners; the core waits for the promise returned before the next delivery. */
  private emitView(change: ViewChange): Promise<void> | undefined {
    const pending: Promise<unknown>[] = [];
    for (const listener of [...this.viewListeners]) {
      try {
        const result = listener(change);
        if (result instanceof Promise)
          pending.push(result.catch((error: unknown) => this.logger.error(`view listener failed: ${describe(error)}`)));
      } catch (error) {
        this.logger.error(`view listener failed: ${describe(error)}`);
      }
    }
    return pending.length > 0 ? Promise.all(pending).then(() => undefined) : undefined;
  }

  /**
   * Finding 5 of issue 13: an application that never starts its GroupServer (no
   * app.startAllMicroservices()) delivers nothing, and its synchronous calls time out. Once
   * only GroupServers hold the deliveries back, a timer starts; if they still do when it
   * fires, the log says why and what to call.
   */
  private watchServers(): void {
    const onlyServers = this.holdCounts.server > 0 && this.holdCounts.application === 0;
    if (!onlyServers) {
      if (this.notListeningTimer) clearTimeout(this.notListeningTimer);
      this.notListeningTimer = null;
      return;
    }
    if (this.notListeningTimer) return;
    const waitedMs = GroupDispatcher.notListeningWarningMs;
    this.notListeningTimer = setTimeout(() => {
      this.notListeningTimer = null;
      const servers = this.holdCounts.server;
      if (servers === 0 || this.holdCounts.application > 0) return;
      this.logger.warn(
        `${safeMe(this.group)}: deliveries have waited ${waitedMs / 1_000} s for ${servers === 1 ? 'a GroupServer' : `${servers} GroupServers`} built on group "${this.group.name}" to listen: ` +
          'call app.startAllMicroservices() in a hybrid application (app.listen() in a microservice). Until then nothing is delivered here, ' +
          'and a synchronous call this member must answer (@Multicast with replies, GroupClient.send) ends in QUORUM_NOT_MET',
      );
    }, waitedMs);
    // A warning must not keep the process alive.
    this.notListeningTimer.unref?.();
  }
}

/** Why `group`'s deliveries wait, once per reason (empty when they do not): for the errors that may come of it. */
export function deliveryHoldsOf(group: Group): string[] {
  return [...new Set(group.deliveryHolds)];
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function safeMe(group: Group): string {
  try {
    return group.me;
  } catch {
    return group.name;
  }
}
