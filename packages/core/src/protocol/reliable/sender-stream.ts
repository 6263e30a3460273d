import type { DataMessage } from '../types.js';

/**
 * What one member holds of one sender's messages in the current view. Sequence numbers
 * start at 1 in every view. Invariant: collected <= delivered <= contiguous.
 */
export class SenderStream {
  /** Highest seq received with no gap before it. */
  contiguous = 0;
  /** Highest seq handed to the application. */
  delivered = 0;
  /** Highest seq known to exist (seen or advertised in a heartbeat). */
  knownHigh = 0;
  /** Everything at or below this was dropped from memory: stable and delivered. */
  collected = 0;
  readonly store = new Map<number, DataMessage>();

  /** Returns false for a duplicate or an already collected message. */
  add(message: DataMessage): boolean {
    if (message.seq <= this.collected || this.store.has(message.seq)) return false;
    this.store.set(message.seq, message);
    if (message.seq > this.knownHigh) this.knownHigh = message.seq;
    while (this.store.has(this.contiguous + 1)) this.contiguous++;
    return true;
  }

  advertise(sentHigh: number): void {
    if (sentHigh > this.knownHigh) this.knownHigh = sentHigh;
  }

  /** Seqs known to exist but not received, oldest first, at most `max`. */
  missing(max: number): number[] {
    const missing: number[] = [];
    for (let seq = this.contiguous + 1; seq <= this.knownHigh && missing.length < max; seq++) {
      if (!this.store.has(seq)) missing.push(seq);
    }
    return missing;
  }

  /** Drops what every member holds and this member has delivered. */
  collect(stable: number): void {
    const upTo = Math.min(stable, this.delivered);
    for (let seq = this.collected + 1; seq <= upTo; seq++) this.store.delete(seq);
    if (upTo > this.collected) this.collected = upTo;
  }
}
