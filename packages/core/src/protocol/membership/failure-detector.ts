import type { MemberId } from '../types.js';

/**
 * Heartbeat failure detection: a member is suspected once nothing was heard from it for
 * the suspicion timeout. Any frame counts, so a member busy sending data is never suspected
 * for want of heartbeats. Hearing from a suspected member clears the suspicion: suspicion
 * only triggers a view change, and a member that answers the change stays in the view.
 */
export class FailureDetector {
  private readonly lastHeardMs = new Map<MemberId, number>();
  private readonly suspected = new Set<MemberId>();

  reset(members: readonly MemberId[], nowMs: number): void {
    this.lastHeardMs.clear();
    this.suspected.clear();
    for (const member of members) this.lastHeardMs.set(member, nowMs);
  }

  heard(member: MemberId, nowMs: number): void {
    if (!this.lastHeardMs.has(member)) return;
    this.lastHeardMs.set(member, nowMs);
    this.suspected.delete(member);
  }

  /** This member's own loop stalled: nobody's silence counts from before now. */
  pardon(nowMs: number): void {
    for (const member of this.lastHeardMs.keys()) if (!this.suspected.has(member)) this.lastHeardMs.set(member, nowMs);
  }

  suspect(member: MemberId): void {
    if (this.lastHeardMs.has(member)) this.suspected.add(member);
  }

  /** Suspects every member silent for longer than the timeout; returns whether any is suspected. */
  check(nowMs: number, suspectTimeoutMs: number, me: MemberId): boolean {
    for (const [member, heardMs] of this.lastHeardMs) {
      if (member !== me && nowMs - heardMs > suspectTimeoutMs) this.suspected.add(member);
    }
    return this.suspected.size > 0;
  }

  isSuspected(member: MemberId): boolean {
    return this.suspected.has(member);
  }

  get anySuspected(): boolean {
    return this.suspected.size > 0;
  }
}
