import type { DepsDelta } from '../types.js';

/**
 * The vector timestamps of the messages received, rebuilt per sender from the wire's deltas:
 * a message carries only the entries that changed since its sender's previous message.
 */
export class ReceivedDeps {
  /** Per sender, the vector timestamp of its latest message: the base its next delta applies to. */
  private readonly lastDeps: number[][];
  /**
   * Per sender, a frozen copy of `lastDeps` shared by its messages until a delta changes it: a
   * message whose delta is empty (a sender streaming without receiving) costs no copy.
   */
  private readonly lastDepsCopy: (readonly number[] | null)[];

  constructor(membersCount: number) {
    this.lastDeps = Array.from({ length: membersCount }, () => new Array<number>(membersCount).fill(0));
    this.lastDepsCopy = new Array<readonly number[] | null>(membersCount).fill(null);
  }

  /** The full vector timestamp of sender `rank`'s next message (callers feed each sender in seq order); never changed afterwards. */
  rebuild(rank: number, delta: DepsDelta): readonly number[] {
    const base = this.lastDeps[rank]!;
    let copy: readonly number[] | null = this.lastDepsCopy[rank] ?? null;
    for (let i = 0; i < delta.length; i++) {
      const [j, value] = delta[i]!;
      if (j < base.length && base[j] !== value) {
        base[j] = value;
        copy = null;
      }
    }
    if (copy === null) this.lastDepsCopy[rank] = copy = base.slice();
    return copy;
  }
}
