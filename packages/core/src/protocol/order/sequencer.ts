/** A run the sequencer is still growing (a burst of one sender positioned in one pass). */
interface OpenRun {
  readonly rank: number;
  readonly firstSeq: number;
  count: number;
}

/**
 * The sequencer's side of total order: the positions it gave and has not announced yet, as
 * runs (a sender's burst is one run), and per sender how many messages at the head of its
 * queue have a position. A sender's positions are given in seq order from its head, so they
 * are always a prefix of its queue. The order stage decides which messages get a position.
 */
export class Sequencer {
  /** Positions given but not yet announced, as runs. */
  private toAnnounce: OpenRun[] = [];
  /** Per sender, how many messages at the head of its queue have a position. */
  private readonly positionedRun: number[];

  constructor(membersCount: number) {
    this.positionedRun = new Array<number>(membersCount).fill(0);
  }

  /** Positions given and waiting for `takeUnannounced()`. */
  get hasUnannounced(): boolean {
    return this.toAnnounce.length > 0;
  }

  /** How many messages at the head of sender `rank`'s queue have a position. */
  positioned(rank: number): number {
    return this.positionedRun[rank]!;
  }

  /** The next position goes to (rank, seq), the first unpositioned message of its queue; it extends the last run if it follows it. */
  give(rank: number, seq: number): void {
    this.positionedRun[rank]!++;
    const last = this.toAnnounce[this.toAnnounce.length - 1];
    if (last !== undefined && last.rank === rank && last.firstSeq + last.count === seq) last.count++;
    else this.toAnnounce.push({ rank, firstSeq: seq, count: 1 });
  }

  /** The head message of sender `rank`'s queue left the stage. */
  left(rank: number): void {
    if (this.positionedRun[rank]! > 0) this.positionedRun[rank]!--;
  }

  /** The positions given since the last call, to announce; the runs are closed now: none grows once handed over. */
  takeUnannounced(): OpenRun[] {
    const runs = this.toAnnounce;
    this.toAnnounce = [];
    return runs;
  }

  /** Blocked by a view change: positions not yet announced are given up. */
  forgetUnannounced(): void {
    // Unannounced positions cannot have been used, so they are the tail of each sender's positioned prefix.
    for (const run of this.toAnnounce) this.positionedRun[run.rank]! -= run.count;
    this.toAnnounce = [];
  }

  /** At the flush cut: positions not yet announced are dropped (the cut orders what is left). */
  dropUnannounced(): void {
    this.toAnnounce = [];
  }

  /** After the flush cut emptied every queue: nothing is positioned. */
  clearPositioned(): void {
    this.positionedRun.fill(0);
  }
}
