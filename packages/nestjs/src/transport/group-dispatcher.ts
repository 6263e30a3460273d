import { CausalContext, CohortError, InvalidArgumentError, type Delivery, type Group } from '@cohort/core';
import { Logger } from '@nestjs/common';
import { runInCausalCell } from '../causal/causal-scope.js';
import type { ViewChange } from './view-change.js';

export type DeliveryHandler = (payload: unknown, delivery: Delivery) => unknown;
export type ViewListener = (change: ViewChange) => unknown;

/**
 * The one owner of a Group's handlers inside Nest: the transport (GroupServer), the
 * `@Multicast()` methods and the `@OnView()` methods all route through it.
 *
 * It adds two things to the core's delivery queue:
 * - a **hold**: from the moment the member joins until the application is ready (every
 *   module initialised, every GroupServer on this group listening), deliveries on the topics
 *   it expects wait, in order, instead of finding no handler; view changes wait with them;
 * - **view changes in order with deliveries**: an `@OnView()` method that returns a promise
 *   holds back the next delivery until it settles, as an async handler does.
 */
export class GroupDispatcher {
  private static readonly dispatchers = new WeakMap<Group, GroupDispatcher>();

  private readonly logger = new Logger('GroupDispatcher');
  private readonly routes = new Map<string, DeliveryHandler>();
  private readonly registered = new Set<string>();
  private readonly viewListeners = new Set<ViewListener>();
  private holds = 0;
  private gate: { promise: Promise<void>; open: () => void } | null = null;
  /** Work the next delivery or view change must wait for (the gate, or an async view listener). */
  private tail: Promise<void> | null = null;
  /** The id of the last view passed on as 'installed': a view is passed on once (replay and core event alike). */
  private lastInstalledViewId = 0;

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
    group.on('view', (view) => this.viewChanged({ kind: 'installed', view }));
    group.on('excluded', (view) => this.viewChanged({ kind: 'excluded', view }));
    group.on('rejoined', (view) => this.viewChanged({ kind: 'rejoined', view }));
    group.on('unhandled', (_payload, delivery) => this.logger.warn(`${group.me}: no handler for topic "${delivery.topic}"; the message is dropped`));
    group.on('error', (error) => this.logger.error(`${safeMe(group)}: ${describe(error)}`, error instanceof Error ? error.stack : undefined));
  }

  /**
   * Holds deliveries (on expected or routed topics) and view changes until every hold taken is
   * released. A dispatcher made in the turn Group.join resolved hears the view joined in from
   * the core; one made later can replay the current view (`replayCurrentView`). Returns the
   * release function (idempotent).
   */
  hold(options: { replayCurrentView?: boolean } = {}): () => void {
    this.holds++;
    if (!this.gate) {
      let open!: () => void;
      const promise = new Promise<void>((resolve) => { open = resolve; });
      this.gate = { promise, open };
      this.tail = this.tail ? this.tail.then(() => promise) : promise;
      this.settleTail(this.tail);
    }
    if (options.replayCurrentView && this.group.view) this.viewChanged({ kind: 'installed', view: this.group.view });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holds === 0 && this.gate) {
        const gate = this.gate;
        this.gate = null;
        gate.open();
      }
    };
  }

  get held(): boolean {
    return this.gate !== null;
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
      if (error instanceof Error && (error as { code?: unknown }).code === 'INVALID_ARGUMENT' && /already has a handler/.test(error.message)) {
        // docs/nestjs.md: a topic is handled either through Nest or by group.handle(), not both.
        throw new InvalidArgumentError(`topic "${topic}" already has a handler registered with group.handle(): a topic is handled either by Nest (@MessagePattern, @EventPattern, @Multicast) or by group.handle(), not both`);
      }
      throw error;
    }
    this.registered.add(topic);
  }

  private dispatch(topic: string, payload: unknown, delivery: Delivery): unknown {
    const run = (): unknown => this.invoke(topic, payload, delivery);
    return this.tail ? this.tail.then(run) : run();
  }

  private invoke(topic: string, payload: unknown, delivery: Delivery): unknown {
    const handler = this.routes.get(topic);
    // An expected topic nobody routed (or a handler gone with its server): a synchronous
    // caller gets this as an error reply, an asynchronous one is reported as 'error'.
    if (!handler) throw new CohortError('NO_HANDLER', `no handler for topic "${topic}" in this application`);
    // A delivery is a unit of work of its own: a fresh causal cell that starts from the
    // context the core runs it in (what this member had delivered, this message included).
    return runInCausalCell(CausalContext.current() ?? CausalContext.empty, () => handler(payload, delivery));
  }

  private viewChanged(change: ViewChange): void {
    if (change.kind === 'installed') {
      // View ids only grow, across rejoins too: an id not above the last one is a repeat.
      if (change.view.id <= this.lastInstalledViewId) return;
      this.lastInstalledViewId = change.view.id;
    }
    if (this.tail) {
      this.tail = this.tail.then(() => this.emitView(change));
      this.settleTail(this.tail);
      return;
    }
    const result = this.emitView(change);
    if (result) {
      this.tail = result;
      this.settleTail(result);
    }
  }

  private emitView(change: ViewChange): Promise<void> | undefined {
    const pending: Promise<unknown>[] = [];
    for (const listener of [...this.viewListeners]) {
      try {
        const result = listener(change);
        if (result instanceof Promise) pending.push(result.catch((error: unknown) => this.logger.error(`view listener failed: ${describe(error)}`)));
      } catch (error) {
        this.logger.error(`view listener failed: ${describe(error)}`);
      }
    }
    return pending.length > 0 ? Promise.all(pending).then(() => undefined) : undefined;
  }

  private settleTail(tail: Promise<void>): void {
    void tail.then(() => {
      if (this.tail === tail) this.tail = null;
    });
  }
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
