import type { Clock } from '../env/clock.js';
import { GroupClosedError } from '../errors.js';
import { DeliveryQueue } from './delivery-queue.js';
import type { Replies } from '../protocol/reply/replies.js';
import type { MemberId } from '../protocol/types.js';
import { validateOptionsObject, validateTimeout, type ValidMulticastOptions } from '../validation/index.js';
import {
  SNAPSHOT_DONE,
  SNAPSHOT_START,
  SnapshotInterruptedError,
  type InTransitMessage,
  type Snapshot,
  type SnapshotRecorder,
} from './snapshot.js';

/** What the initiator of a snapshot needs from its group. */
export interface SnapshotInitiatorHost {
  readonly clock: Clock;
  /** This member's part in every snapshot (fed by its deliveries of the snapshot topics). */
  readonly recorder: SnapshotRecorder;
  closed(): boolean;
  me(): MemberId;
  /** The id of the view the member is in (0 outside one). */
  viewId(): number;
  /** Multicasts one of Cohort's own messages. */
  send(topic: string, payload: unknown, options: Partial<ValidMulticastOptions>): Promise<void | Replies>;
}

/**
 * Takes causal snapshots of the group (two rounds of cbcast, see SnapshotRecorder) and
 * interrupts the ones running when a view is installed: a cut spans one view.
 */
export class SnapshotInitiator {
  private count = 0;
  /** Snapshots this member started that a view change would interrupt. */
  private readonly running = new Set<(error: Error) => void>();

  constructor(private readonly host: SnapshotInitiatorHost) {}

  async take(options: { timeoutMs?: number }): Promise<Snapshot> {
    const { clock, recorder } = this.host;
    const timeoutMs = validateTimeout(
      validateOptionsObject(options, 'snapshot() options', { timeoutMs: true })['timeoutMs'],
      'snapshot() options.timeoutMs',
    );
    if (this.host.closed()) throw new GroupClosedError('the member left the group');
    DeliveryQueue.releaseCurrent();
    const id = `${this.host.me()}#${++this.count}`;
    const viewId = this.host.viewId();
    let interrupt!: (error: Error) => void;
    const interrupted = new Promise<never>((_resolve, reject) => {
      interrupt = reject;
    });
    this.running.add(interrupt);
    const timer = clock.setTimer(timeoutMs, () =>
      interrupt(new SnapshotInterruptedError(id, `no answer from every member within ${timeoutMs} ms`)),
    );
    try {
      const allOk = recorder.whenAllOk(id);
      await this.host.send(SNAPSHOT_START, id, { order: 'causal' });
      await Promise.race([allOk, interrupted]);
      const replies = await Promise.race([
        this.host.send(SNAPSHOT_DONE, id, { order: 'causal', quorum: 'all', timeoutMs }) as Promise<Replies>,
        interrupted,
      ]);
      if (!replies.quorumMet || replies.viewId !== viewId || replies.errors.length > 0) {
        throw new SnapshotInterruptedError(
          id,
          `${replies.replies.length - replies.errors.length} of ${replies.expected.length} members answered in view ${viewId}`,
        );
      }
      const members = [...replies.replies]
        .sort((a, b) => a.rank - b.rank)
        .map((reply) => ({ member: reply.member, ...(reply.value as { checkpoint: unknown; inTransit: InTransitMessage[] }) }));
      return { id, viewId, members };
    } finally {
      timer.cancel();
      this.running.delete(interrupt);
    }
  }

  /** A view was installed after another: every snapshot running here, or taking part here, ends. */
  viewChanged(viewId: number): void {
    this.host.recorder.abandonAll();
    for (const interrupt of [...this.running]) interrupt(new SnapshotInterruptedError('', `view ${viewId} was installed`));
  }
}
