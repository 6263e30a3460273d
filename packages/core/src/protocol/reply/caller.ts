import type { CausalContext } from '../../context/causal-context.js';
import type { Clock, TimerHandle } from '../../env/clock.js';
import type { DataMessage, MemberId } from '../types.js';
import { PendingCall } from './pending-call.js';
import type { ReplyQuorum } from './quorum.js';
import type { Replies, Reply } from './replies.js';

interface Entry {
  readonly pending: PendingCall;
  readonly timer: TimerHandle;
  message: DataMessage | null;
  fail: (error: unknown) => void;
}

/**
 * The calls this process is waiting on, by call id. Ids are never reused by one caller
 * identity, so a late reply to a finished call is recognized and only acknowledged.
 */
export class Caller {
  private readonly entries = new Map<number, Entry>();
  private nextCall = 1;

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.entries.size;
  }

  /** Starts a call; the promise settles once the quorum, the failures or the timeout end it. */
  open(quorum: Exclude<ReplyQuorum, 'none'>, timeoutMs: number): { call: number; result: Promise<Replies> } {
    const call = this.nextCall++;
    let entry!: Entry;
    const result = new Promise<Replies>((resolve, reject) => {
      const pending = new PendingCall(call, quorum, (replies) => {
        entry.timer.cancel();
        this.entries.delete(call);
        resolve(replies);
      });
      const timer = this.clock.setTimer(timeoutMs, () => pending.timedOut());
      entry = { pending, timer, message: null, fail: reject };
    });
    this.entries.set(call, entry);
    return { call, result };
  }

  /** The request went out as `message` in a view of `members`. */
  sent(call: number, message: DataMessage, members: readonly MemberId[]): void {
    const entry = this.entries.get(call);
    if (!entry) return;
    entry.message = message;
    entry.pending.sentIn(message.viewId, members);
  }

  /** The message a call went out as, if it is still open (the history names replies by it). */
  messageOf(call: number): DataMessage | null {
    return this.entries.get(call)?.message ?? null;
  }

  /** True if the reply counts for its call (see PendingCall.reply). */
  reply(call: number, member: MemberId, viewId: number, reply: Reply, context?: CausalContext): boolean {
    return this.entries.get(call)?.pending.reply(member, viewId, reply, context) ?? false;
  }

  viewChanged(members: readonly MemberId[]): void {
    for (const entry of [...this.entries.values()]) entry.pending.viewChanged(members);
  }

  /** Ends one call with an error (its request could not be sent). */
  fail(call: number, error: unknown): void {
    const entry = this.entries.get(call);
    if (!entry) return;
    entry.timer.cancel();
    this.entries.delete(call);
    entry.fail(error);
  }

  /** Ends every open call with `error` (the caller was excluded or closed: outcome unknown). */
  failAll(error: unknown): void {
    for (const call of [...this.entries.keys()]) this.fail(call, error);
  }
}
