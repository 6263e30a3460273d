type Listener = (...args: never[]) => void;

/** A minimal typed event emitter: a listener that throws is reported as 'error', never propagated. */
export class TypedEmitter<Events extends Record<string, unknown[]>> {
  private readonly listeners = new Map<keyof Events, Set<Listener>>();

  on<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const stored = listener as unknown as Listener;
    set.add(stored);
    return () => set.delete(stored);
  }

  protected emit<K extends keyof Events>(event: K, ...args: Events[K]): boolean {
    return this.callListeners(event, args, null);
  }

  /**
   * Emits an event that is in order with deliveries: the promises its listeners return are
   * gathered, and the result settles once they all have (a rejection is reported as 'error'),
   * so the delivery queue task that emits it holds back the next one until then. Undefined
   * when no listener returned a promise.
   */
  protected emitInOrder<K extends keyof Events>(event: K, ...args: Events[K]): Promise<void> | undefined {
    const pending: Promise<unknown>[] = [];
    this.callListeners(event, args, pending);
    if (pending.length === 0) return undefined;
    const reported = pending.map((promise) =>
      promise.catch((error: unknown) => {
        this.emit('error' as K, ...([error] as unknown as Events[K]));
      }),
    );
    return Promise.all(reported).then(() => undefined);
  }

  private callListeners<K extends keyof Events>(event: K, args: Events[K], pending: Promise<unknown>[] | null): boolean {
    const set = this.listeners.get(event);
    if (!set || set.size === 0) return false;
    for (const listener of [...set]) {
      try {
        const result: unknown = (listener as unknown as (...a: Events[K]) => unknown)(...args);
        if (pending && result instanceof Promise) pending.push(result);
      } catch (error) {
        if (event !== 'error') this.emit('error' as K, ...([error] as unknown as Events[K]));
      }
    }
    return true;
  }
}
