/** Names every layer of the stack shares. */

/** A member incarnation: "address/incarnation". A process that rejoins gets a new one. */
export type MemberId = string;

export interface View {
  /** Consecutive along the group's history: view n is followed by view n + 1. */
  readonly id: number;
  /** Ranked; members[0] is the coordinator. */
  readonly members: readonly MemberId[];
}

/** One multicast as the reliable layer keeps it, named by (sender, view, seq). */
export interface DataMessage {
  readonly sender: MemberId;
  readonly viewId: number;
  readonly seq: number;
  readonly topic: string;
  readonly payload: Uint8Array;
}

export function addressOf(member: MemberId): string {
  const slash = member.lastIndexOf('/');
  return slash < 0 ? member : member.slice(0, slash);
}

export function coordinatorOf(view: View): MemberId | undefined {
  return view.members[0];
}

/** Strictly more than half. */
export function majorityOf(size: number): number {
  return Math.floor(size / 2) + 1;
}
