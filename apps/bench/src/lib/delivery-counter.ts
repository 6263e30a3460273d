/**
 * What a benchmark member delivered in the run being measured (child side): the count, when
 * the first and last came, per-sender FIFO violations, and a running hash of the sequence
 * (equal at every member under total order). Reports `delivered` once it has all of them.
 */
import { report } from './child-side.js';

export class DeliveryCounter {
  run = -1;
  expected = 0;
  delivered = 0;
  tStart = 0;
  tFirst = 0;
  tLast = 0;
  /** Per sender index: the next sequence number expected. */
  private nextSeq: number[] = [];
  fifoViolations = 0;
  /** Deliveries that belong to another run (a warm-up's tail): not counted. */
  otherRun = 0;
  orderHash = 0x811c9dc5;

  /** Resets every counter for run `run` and tells the parent. */
  prepare(run: number, expected: number): void {
    this.run = run;
    this.expected = expected;
    this.delivered = 0;
    this.tStart = this.tFirst = this.tLast = 0;
    this.nextSeq = [0, 0, 0, 0, 0, 0, 0, 0];
    this.fifoViolations = 0;
    this.otherRun = 0;
    this.orderHash = 0x811c9dc5;
    report({ type: 'prepared', run });
  }

  start(): void {
    this.tStart = performance.now();
  }

  /** One delivery of message `seq` from sender index `sender`, tagged with run `run`. */
  deliver(run: number, sender: number, seq: number): void {
    if (run !== this.run) {
      this.otherRun++;
      return;
    }
    const now = performance.now();
    if (this.delivered === 0) this.tFirst = now;
    this.delivered++;
    if (this.nextSeq[sender] !== seq) this.fifoViolations++;
    this.nextSeq[sender] = seq + 1;
    this.orderHash = Math.imul(this.orderHash ^ ((sender << 24) ^ seq), 0x01000193) >>> 0;
    if (this.delivered === this.expected) {
      this.tLast = now;
      report({
        type: 'delivered',
        run,
        count: this.delivered,
        tStart: this.tStart,
        tFirst: this.tFirst,
        tLast: this.tLast,
        fifoViolations: this.fifoViolations,
        orderHash: this.orderHash,
        otherRun: this.otherRun,
      });
    }
  }

  /** What was delivered so far (the parent asks after a failure). */
  progress(): void {
    report({
      type: 'progress',
      run: this.run,
      delivered: this.delivered,
      expected: this.expected,
      tStart: this.tStart,
      tFirst: this.tFirst,
      now: performance.now(),
    });
  }
}
