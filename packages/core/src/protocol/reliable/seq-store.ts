/** The most slots a ring grows to (512 KiB of references); seqs further ahead wait in a Map. */
export const SEQ_RING_SLOTS_MAX = 1 << 16;

/**
 * Values by sequence number, for the seqs of one sender's stream not yet dropped: a ring of
 * slots (seq s in slot s & mask) over [low, low + capacity). A Map did the same with a hash, a
 * rehash as it grew and a tombstone per delete, at every message of a stream that carries tens
 * of thousands a second. The ring doubles up to the span of seqs held, at most
 * SEQ_RING_SLOTS_MAX; a seq further ahead than that (a window larger than that, or a hostile
 * frame within the reliable layer's reach) goes to an overflow Map, so memory stays in
 * proportion to what is held, and moves into the ring once the low mark has caught up.
 */
export class SeqStore<T> {
  private slots: (T | undefined)[];
  private mask: number;
  /** Every seq below this was dropped (`dropThrough`); none is set again. */
  private low = 1;
  /** The highest seq the ring may hold a value of (low - 1 when it never held one). */
  private high = 0;
  private count = 0;
  /** Seqs at SEQ_RING_SLOTS_MAX or more above `low` when set: every one above the ring's. */
  private readonly overflow = new Map<number, T>();

  constructor(initialSlots = 64) {
    let capacity = 1;
    while (capacity < initialSlots) capacity *= 2;
    this.slots = new Array<T | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  has(seq: number): boolean {
    return this.get(seq) !== undefined;
  }

  get(seq: number): T | undefined {
    if (seq >= this.low && seq <= this.high) return this.slots[this.slotOf(seq)];
    return this.overflow.size > 0 && seq > this.high ? this.overflow.get(seq) : undefined;
  }

  /** Stores `value` at `seq`, at or above the low mark (below it, seqs are dropped for good). */
  set(seq: number, value: T): void {
    if (!Number.isSafeInteger(seq) || seq < this.low) throw new RangeError(`seq ${seq} is below the held range (from ${this.low})`);
    const span = seq - this.low + 1;
    if (span > SEQ_RING_SLOTS_MAX) {
      if (!this.overflow.has(seq)) this.count++;
      this.overflow.set(seq, value);
      return;
    }
    if (span > this.slots.length) this.grow(span);
    const slot = this.slotOf(seq);
    if (this.slots[slot] === undefined) this.count++;
    this.slots[slot] = value;
    if (seq > this.high) this.high = seq;
  }

  /** Drops every seq up to and including `upTo`; later `set`s at or below it are refused. */
  dropThrough(upTo: number): void {
    if (upTo < this.low) return;
    const end = Math.min(upTo, this.high);
    for (let seq = this.low; seq <= end; seq++) {
      const slot = this.slotOf(seq);
      if (this.slots[slot] !== undefined) {
        this.slots[slot] = undefined;
        this.count--;
      }
    }
    this.low = upTo + 1;
    if (this.high < upTo) this.high = upTo;
    if (this.overflow.size > 0) this.settleOverflow();
  }

  /** The seqs held, in ascending order. */
  *keys(): IterableIterator<number> {
    for (let seq = this.low; seq <= this.high; seq++) if (this.slots[this.slotOf(seq)] !== undefined) yield seq;
    yield* [...this.overflow.keys()].sort((a, b) => a - b);
  }

  /** The values held, in ascending order of seq. */
  *values(): IterableIterator<T> {
    for (const seq of this.keys()) yield this.get(seq)!;
  }

  private grow(span: number): void {
    let capacity = this.slots.length * 2;
    while (capacity < span) capacity *= 2;
    const slots = new Array<T | undefined>(capacity).fill(undefined);
    const old = this.slots;
    this.slots = slots;
    this.mask = capacity - 1;
    const oldMask = old.length - 1;
    for (let seq = this.low; seq <= this.high; seq++) {
      slots[this.slotOf(seq)] = old[seq <= 0x7fff_ffff ? seq & oldMask : seq % old.length];
    }
  }

  /** Seq s's slot: s mod the capacity (a power of two; the bit mask only while s fits 31 bits). */
  private slotOf(seq: number): number {
    return seq <= 0x7fff_ffff ? seq & this.mask : seq % this.slots.length;
  }

  /** After the low mark moved: overflow seqs now dropped go, those within the ring's reach move in. */
  private settleOverflow(): void {
    for (const [seq, value] of [...this.overflow].sort(([a], [b]) => a - b)) {
      if (seq < this.low) {
        this.overflow.delete(seq);
        this.count--;
      } else if (seq - this.low < SEQ_RING_SLOTS_MAX) {
        this.overflow.delete(seq);
        this.count--;
        this.set(seq, value);
      }
    }
  }
}
