import { CohortError } from '../errors.js';
import type { MemberId } from '../protocol/types.js';

/** Topics the snapshot protocol multicasts on; applications cannot use the "cohort:" prefix. */
export const SNAPSHOT_START = 'cohort:snapshot-start';
export const SNAPSHOT_OK = 'cohort:snapshot-ok';
export const SNAPSHOT_DONE = 'cohort:snapshot-done';

/** A message that was in transit across the cut: sent before its sender's checkpoint, delivered after the receiver's. */
export interface InTransitMessage {
  readonly sender: MemberId;
  readonly topic: string;
  readonly payload: unknown;
}

export interface MemberSnapshot {
  readonly member: MemberId;
  readonly checkpoint: unknown;
  /** The messages this member delivered in transit across the cut, in its delivery order. */
  readonly inTransit: readonly InTransitMessage[];
}

/** A consistent cut of the group: every member's checkpoint and the messages in transit across it. */
export interface Snapshot {
  readonly id: string;
  readonly viewId: number;
  readonly members: readonly MemberSnapshot[];
}

export class SnapshotInterruptedError extends CohortError {
  constructor(id: string, reason: string) {
    super('SNAPSHOT_INTERRUPTED', `snapshot ${id} was interrupted: ${reason}; take it again`);
  }
}

/** One member's part of a snapshot while it runs. */
interface Recording {
  /** False at the initiator until its own "start" is delivered. */
  readonly started: boolean;
  readonly viewId: number;
  readonly members: readonly MemberId[];
  readonly checkpoint: unknown;
  readonly okFrom: Set<MemberId>;
  readonly inTransit: InTransitMessage[];
  /** At the initiator: resolves once every member's "OK" is delivered here. */
  allOk?: () => void;
}

/**
 * The lecture notes' snapshot by two rounds of cbcast. Round 1, "start": each member, on
 * delivering it, checkpoints and starts recording what it delivers, then cbcasts "OK". A
 * message from s is in transit (recorded) if it is delivered after the receiver's checkpoint
 * and before s's "OK": s sent it before its own checkpoint (FIFO), and a message s sent after
 * its checkpoint follows its "OK". Round 2, "done": cbcast by the initiator once it delivered
 * every "OK", so every member has delivered them all before it; each member answers it with
 * its checkpoint and its recording. No message sent after a checkpoint is delivered before
 * one (causal order: it follows "start" everywhere), so the cut is consistent.
 */
export class SnapshotRecorder {
  private readonly recordings = new Map<string, Recording>();

  /** Any snapshot running here (a delivery then costs a recording check). */
  get running(): boolean {
    return this.recordings.size > 0;
  }

  /** A snapshot's "start" was delivered here: `checkpoint` is taken, recording begins. */
  start(id: string, viewId: number, members: readonly MemberId[], checkpoint: unknown): void {
    const waiting = this.recordings.get(id);
    this.recordings.set(id, {
      started: true,
      viewId,
      members,
      checkpoint,
      okFrom: waiting?.okFrom ?? new Set(),
      inTransit: [],
      ...(waiting?.allOk ? { allOk: waiting.allOk } : {}),
    });
  }

  /** An application message was delivered: recorded for every running snapshot whose sender's "OK" is not in yet. */
  delivered(sender: MemberId, topic: string, payload: () => unknown): void {
    for (const recording of this.recordings.values()) {
      if (recording.started && !recording.okFrom.has(sender)) recording.inTransit.push({ sender, topic, payload: payload() });
    }
  }

  ok(id: string, sender: MemberId): void {
    const recording = this.recordings.get(id);
    if (!recording) return;
    recording.okFrom.add(sender);
    if (recording.started && recording.allOk && recording.members.every((member) => recording.okFrom.has(member))) recording.allOk();
  }

  /** The initiator waits for every member's "OK" before it sends "done". */
  whenAllOk(id: string): Promise<void> {
    return new Promise((resolve) => {
      const recording = this.recordings.get(id);
      if (recording?.started && recording.members.every((member) => recording.okFrom.has(member))) return resolve();
      if (recording) recording.allOk = resolve;
      else
        this.recordings.set(id, {
          started: false,
          viewId: 0,
          members: [],
          checkpoint: undefined,
          okFrom: new Set(),
          inTransit: [],
          allOk: resolve,
        });
    });
  }

  /** "done" was delivered: this member's part, and the recording ends. */
  finish(id: string): { checkpoint: unknown; inTransit: InTransitMessage[] } | null {
    const recording = this.recordings.get(id);
    this.recordings.delete(id);
    if (!recording?.started) return null;
    return { checkpoint: recording.checkpoint, inTransit: recording.inTransit };
  }

  /** A view change ends every running snapshot (the cut would span two views). */
  abandonAll(): void {
    this.recordings.clear();
  }
}
