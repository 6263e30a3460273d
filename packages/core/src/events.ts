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
    const set = this.listeners.get(event);
    if (!set || set.size === 0) return false;
    for (const listener of [...set]) {
      try {
        (listener as unknown as (...a: Events[K]) => void)(...args);
      } catch (error) {
        if (event !== 'error') this.emit('error' as K, ...([error] as unknown as Events[K]));
      }
    }
    return true;
  }
}
