/** Requests remembered for deduplication; past it the oldest is forgotten. */
export const EXECUTED_REQUESTS_MAX = 10_000;

export interface RememberedReply {
  readonly failed: boolean;
  readonly payload: Uint8Array;
  /** For a direct request: the view and rank it ran in (its reply names them again). */
  readonly viewId?: number;
  readonly rank?: number;
}

/**
 * Keys of client requests this member has executed, with the reply it gave, so a request a
 * client retries (through another member, or after a view change) runs once. The keys travel
 * to joiners with the state, whose effects they already hold; the replies do not (a joiner
 * answers a retry of a request it never ran with a DUPLICATE_REQUEST error reply).
 */
export class ExecutedRequests {
  /** 'running': here, not finished; 'elsewhere': before this member joined (its state holds it). */
  private readonly entries = new Map<string, RememberedReply | 'running' | 'elsewhere'>();

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The reply given here, or what is known instead. */
  outcomeOf(key: string): RememberedReply | 'running' | 'elsewhere' | undefined {
    return this.entries.get(key);
  }

  /** A new incarnation starts from the state it is given, keys included. */
  clear(): void {
    this.entries.clear();
  }

  remember(key: string, reply: RememberedReply | 'running' | 'elsewhere'): void {
    this.entries.delete(key);
    this.entries.set(key, reply);
    if (this.entries.size > EXECUTED_REQUESTS_MAX) this.entries.delete(this.entries.keys().next().value!);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  adopt(keys: readonly string[]): void {
    for (const key of keys) if (!this.entries.has(key)) this.remember(key, 'elsewhere');
  }
}
