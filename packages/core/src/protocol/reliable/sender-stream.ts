import type { DataMessage } from '../types.js';
import { SeqStore } from './seq-store.js';

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
  /** What is held, by seq: above `collected`, received (or sent) and not yet stable and delivered. */
  readonly store = new SeqStore<DataMessage>();

  /** Returns false for a duplicate or an already collected message. */
  add(message: DataMessage): boolean {
    const seq = message.seq;
    const store = this.store;
    if (seq <= this.collected || store.has(seq)) return false;
    store.set(seq, message);
    if (seq > this.knownHigh) this.knownHigh = seq;
    // In order (the usual case), the one seq just added; after a gap filled, the run behind it.
    if (seq === this.contiguous + 1) this.contiguous = seq;
    else if (seq > this.contiguous + 1) return true;
    while (store.has(this.contiguous + 1)) this.contiguous++;
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
    if (upTo <= this.collected) return;
    this.store.dropThrough(upTo);
    this.collected = upTo;
  }
}
