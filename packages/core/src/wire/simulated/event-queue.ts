/**
 * The event queue of the simulation: a binary min-heap ordered by (time, insertion sequence),
 * so events at the same virtual time run in the order they were scheduled. The keys live in
 * parallel arrays next to the events, which keeps comparisons cache-friendly with millions of
 * entries. Cancelling is lazy (the entry is marked and skipped when it reaches the top); the
 * heap is compacted when dead entries outnumber live ones, so a protocol that keeps resetting
 * timers does not grow it without bound.
 */

const PENDING = 0;
const DONE = 1;
const CANCELLED = 2;

export class QueuedEvent {
  /** PENDING, DONE or CANCELLED; managed by the queue. */
  state: number = PENDING;

  constructor(
    readonly time: number,
    readonly seq: number,
    readonly fn: () => void,
    private readonly queue: EventQueue,
  ) {}

  /** True until the event has run or been cancelled. */
  get pending(): boolean {
    return this.state === PENDING;
  }

  /** Removes the event if it has not run yet; a no-op otherwise. */
  cancel(): void {
    if (this.state !== PENDING) return;
    this.state = CANCELLED;
    this.queue.noteCancelled();
  }
}

const COMPACT_MIN_DEAD = 1024;

export class EventQueue {
  private times: number[] = [];
  private seqs: number[] = [];
  private events: QueuedEvent[] = [];
  private nextSeq = 0;
  private liveCount = 0;
  private deadCount = 0;

  /** Events scheduled and neither run nor cancelled. */
  get size(): number {
    return this.liveCount;
  }

  push(time: number, fn: () => void): QueuedEvent {
    const event = new QueuedEvent(time, this.nextSeq++, fn, this);
    this.insert(event);
    this.liveCount++;
    return event;
  }

  /** The earliest live event without removing it. */
  peek(): QueuedEvent | undefined {
    this.dropDeadTop();
    return this.events[0];
  }

  /** Removes and returns the earliest live event, marking it done (cancel() is then a no-op). */
  pop(): QueuedEvent | undefined {
    this.dropDeadTop();
    const top = this.events[0];
    if (top === undefined) return undefined;
    this.removeTop();
    top.state = DONE;
    this.liveCount--;
    return top;
  }

  /** Forgets every event (they are marked cancelled). */
  clear(): void {
    for (const event of this.events) if (event.state === PENDING) event.state = CANCELLED;
    this.reset();
    this.liveCount = 0;
  }

  /** Called by QueuedEvent.cancel(). */
  noteCancelled(): void {
    this.liveCount--;
    this.deadCount++;
    if (this.liveCount === 0) {
      this.reset();
    } else if (this.deadCount > COMPACT_MIN_DEAD && this.deadCount > this.liveCount) {
      const live = this.events.filter((e) => e.state === PENDING);
      this.reset();
      for (const event of live) this.insert(event);
    }
  }

  private reset(): void {
    this.times = [];
    this.seqs = [];
    this.events = [];
    this.deadCount = 0;
  }

  private dropDeadTop(): void {
    const events = this.events;
    while (events.length > 0 && events[0]!.state !== PENDING) {
      this.removeTop();
      this.deadCount--;
    }
  }

  private insert(event: QueuedEvent): void {
    const { times, seqs, events } = this;
    const time = event.time;
    const seq = event.seq;
    let i = events.length;
    times.push(time);
    seqs.push(seq);
    events.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const parentTime = times[parent]!;
      if (parentTime < time || (parentTime === time && seqs[parent]! < seq)) break;
      times[i] = parentTime;
      seqs[i] = seqs[parent]!;
      events[i] = events[parent]!;
      i = parent;
    }
    times[i] = time;
    seqs[i] = seq;
    events[i] = event;
  }

  /** Removes the root: the last entry takes its place and sifts down. */
  private removeTop(): void {
    const { times, seqs, events } = this;
    const time = times.pop()!;
    const seq = seqs.pop()!;
    const event = events.pop()!;
    const n = events.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      let child = left;
      const right = left + 1;
      if (right < n) {
        const rightTime = times[right]!;
        const leftTime = times[left]!;
        if (rightTime < leftTime || (rightTime === leftTime && seqs[right]! < seqs[left]!)) child = right;
      }
      const childTime = times[child]!;
      if (time < childTime || (time === childTime && seq < seqs[child]!)) break;
      times[i] = childTime;
      seqs[i] = seqs[child]!;
      events[i] = events[child]!;
      i = child;
    }
    times[i] = time;
    seqs[i] = seq;
    events[i] = event;
  }
}
