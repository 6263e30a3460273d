/**
 * The event queue of the simulation: a binary min-heap ordered by (time, insertion sequence),
 * so events at the same virtual time run in the order they were scheduled. Cancelling is lazy
 * (the entry is marked and skipped when it reaches the top); the heap is compacted when the
 * dead entries outnumber the live ones, so a protocol that resets timers all the time does not
 * grow the heap without bound.
 */

const PENDING = 0;
const DONE = 1;
const CANCELLED = 2;

export class QueuedEvent {
  /** @internal */ state: number = PENDING;

  constructor(
    readonly time: number,
    readonly seq: number,
    /** @internal */ readonly fn: () => void,
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
  private heap: QueuedEvent[] = [];
  private nextSeq = 0;
  private liveCount = 0;
  private deadCount = 0;

  /** Events scheduled and neither run nor cancelled. */
  get size(): number {
    return this.liveCount;
  }

  push(time: number, fn: () => void): QueuedEvent {
    const event = new QueuedEvent(time, this.nextSeq++, fn, this);
    this.heap.push(event);
    this.siftUp(this.heap.length - 1);
    this.liveCount++;
    return event;
  }

  /** The earliest live event without removing it. */
  peek(): QueuedEvent | undefined {
    this.dropDeadTop();
    return this.heap[0];
  }

  /** Removes and returns the earliest live event, marking it done (cancel() is then a no-op). */
  pop(): QueuedEvent | undefined {
    this.dropDeadTop();
    const top = this.heap[0];
    if (top === undefined) return undefined;
    this.removeTop();
    top.state = DONE;
    this.liveCount--;
    return top;
  }

  /** Forgets every event (they are marked cancelled). */
  clear(): void {
    for (const event of this.heap) if (event.state === PENDING) event.state = CANCELLED;
    this.heap = [];
    this.liveCount = 0;
    this.deadCount = 0;
  }

  /** @internal called by QueuedEvent.cancel */
  noteCancelled(): void {
    this.liveCount--;
    this.deadCount++;
    if (this.liveCount === 0) {
      this.heap = [];
      this.deadCount = 0;
    } else if (this.deadCount > COMPACT_MIN_DEAD && this.deadCount > this.liveCount) {
      this.compact();
    }
  }

  private compact(): void {
    const live = this.heap.filter((e) => e.state === PENDING);
    this.heap = live;
    this.deadCount = 0;
    for (let i = (live.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private dropDeadTop(): void {
    const heap = this.heap;
    while (heap.length > 0 && heap[0]!.state !== PENDING) {
      this.removeTop();
      this.deadCount--;
    }
  }

  private removeTop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    const item = heap[index]!;
    let i = index;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (!before(item, parent)) break;
      heap[i] = parent;
      i = parentIndex;
    }
    heap[i] = item;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[index]!;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && before(heap[right]!, heap[left]!)) child = right;
      if (!before(heap[child]!, item)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = item;
  }
}

function before(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
