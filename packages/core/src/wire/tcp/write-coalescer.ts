/** What the coalescer writes to: a net.Socket or tls.TLSSocket (a fake in unit tests). */
export interface WriteTarget {
  cork(): void;
  uncork(): void;
  write(chunk: Uint8Array): boolean;
}

/** Small frames are copied together into chunks of about this size; bigger ones go as they are. */
export const BATCH_BYTES = 64 * 1024;

/**
 * Queues a peer's framed messages and writes them out once the current turn is over, all in
 * one corked batch (one writev): the protocol sends in bursts (a multicast to k members, acks,
 * heartbeats), and a syscall and a TCP segment per frame would cost far more than the frames.
 * Frames wait here too while the peer has no connection; the owner flushes when one is up.
 */
export class WriteCoalescer {
  private queue: Buffer[] = [];
  private bytes = 0;
  private scheduled = false;

  constructor(
    /** Runs a function once the current turn is over (the clock's defer). */
    private readonly defer: (fn: () => void) => void,
    /** Where to write now, or undefined while there is no usable connection. */
    private readonly target: () => WriteTarget | undefined,
    /** Reports one batch written: how many frames and bytes. */
    private readonly written: (frames: number, bytes: number) => void,
  ) {}

  get pendingBytes(): number {
    return this.bytes;
  }

  get pendingFrames(): number {
    return this.queue.length;
  }

  /** Queues one framed message (header included) and schedules a flush for the end of the turn. */
  push(framed: Buffer): void {
    this.queue.push(framed);
    this.bytes += framed.length;
    if (this.scheduled) return;
    this.scheduled = true;
    this.defer(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** Writes everything queued in one batch if there is a target; otherwise keeps it. */
  flush(): void {
    if (this.queue.length === 0) return;
    const target = this.target();
    if (target === undefined) return;
    const frames = this.queue;
    const bytes = this.bytes;
    this.queue = [];
    this.bytes = 0;
    target.cork();
    let run: Buffer[] = [];
    let runBytes = 0;
    const writeRun = (): void => {
      if (run.length === 0) return;
      target.write(run.length === 1 ? run[0]! : Buffer.concat(run, runBytes));
      run = [];
      runBytes = 0;
    };
    for (const frame of frames) {
      if (frame.length >= BATCH_BYTES) {
        writeRun();
        target.write(frame);
        continue;
      }
      run.push(frame);
      runBytes += frame.length;
      if (runBytes >= BATCH_BYTES) writeRun();
    }
    writeRun();
    target.uncork();
    this.written(frames.length, bytes);
  }

  /** Drops everything queued; returns how many frames that was. */
  clear(): number {
    const dropped = this.queue.length;
    this.queue = [];
    this.bytes = 0;
    return dropped;
  }
}
