/** Names every layer of the stack shares. */
import type { MessageOrder } from '../validation/orders.js';

/** A member incarnation: "address/incarnation". A process that rejoins gets a new one. */
export type MemberId = string;

export interface View {
  /** Consecutive along the group's history: view n is followed by view n + 1. */
  readonly id: number;
  /** Ranked; members[0] is the coordinator. */
  readonly members: readonly MemberId[];
}

/** How a message is ordered: the application's orders, and the sequencer's announcements. */
export type { MessageOrder };

/** A vector timestamp as sent: only the entries (rank, seq) changed since the sender's last one. */
export type DepsDelta = readonly (readonly [rank: number, seq: number])[];

/** What the order layer needs to know of a message, carried in its header. */
/** Absent fields mean the defaults: fifo, not safe, no vector timestamp. */
export interface MessageMeta {
  readonly order?: MessageOrder;
  readonly safe?: boolean;
  readonly depsDelta?: DepsDelta | null;
  /** A synchronous call: the sender waits for replies to this request id (> 0). */
  readonly call?: number;
  /** A request a client may retry: members execute each key once (see protocol/reply/). */
  readonly requestKey?: string;
}

/** One multicast as the reliable layer keeps it, named by (sender, view, seq). */
export interface DataMessage extends MessageMeta {
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
