/**
 * What the single pass over a history knows so far, shared by all property checkers so that
 * per-message and per-member bookkeeping is done once. Histories reach millions of events,
 * so messages are numbered (a Map from id to a dense index) and their facts kept in arrays,
 * and what a member delivered is a bitset over those numbers: the pass allocates almost
 * nothing per event. The runner applies each event AFTER the checkers have seen it, so a
 * checker always sees the state before the event it is judging.
 */
import type { HistoryEvent, MemberId, ViewRecord } from '../history.js';
import type { DeliverEvent, ExitEvent, SendEvent, ViewEvent } from './types.js';

/**
 * An order-independent fingerprint of a set of message ids: its size and two sums of
 * independent 32-bit hashes. Two sets with equal fingerprints are taken as equal (a false
 * match needs a 64-bit collision); unequal ones are compared id by id in a second pass.
 */
export interface SetFingerprint {
  count: number;
  h1: number;
  h2: number;
}

export function emptyFingerprint(): SetFingerprint {
  return { count: 0, h1: 0, h2: 0 };
}

export function sameFingerprint(a: SetFingerprint, b: SetFingerprint): boolean {
  return a.count === b.count && a.h1 === b.h1 && a.h2 === b.h2;
}

/** FNV-1a, 32 bits. */
function hash1(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A murmur-style mix with another seed and multiplier, independent enough of hash1. */
function hash2(s: string): number {
  let h = 0x9747b28c ^ s.length;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A set of message numbers; its words cover only the range the member actually touched. */
export class MessageSet {
  private words = new Uint32Array(0);
  /** Message number of bit 0 of words[0] (a multiple of 32). */
  private base = 0;

  has(msg: number): boolean {
    const w = (msg - this.base) >> 5;
    return w >= 0 && w < this.words.length && (this.words[w]! & (1 << (msg & 31))) !== 0;
  }

  add(msg: number): void {
    let w = (msg - this.base) >> 5;
    if (w < 0 || w >= this.words.length) {
      this.cover(msg);
      w = (msg - this.base) >> 5;
    }
    this.words[w]! |= 1 << (msg & 31);
  }

  private cover(msg: number): void {
    const start = msg & ~31;
    if (this.words.length === 0) {
      this.base = start;
      this.words = new Uint32Array(64);
      return;
    }
    const lo = Math.min(this.base, start);
    const hiWords = Math.max(this.base + this.words.length * 32, start + 32) - lo;
    const words = new Uint32Array(Math.max(hiWords >> 5, this.words.length * 2));
    words.set(this.words, (this.base - lo) >> 5);
    this.words = words;
    this.base = lo;
  }
}

/** Everything known about one member incarnation. */
export interface MemberState {
  readonly id: MemberId;
  /** Dense number of this member (order of first appearance). */
  readonly index: number;
  /** The view it installed last (its current view), if any. */
  view: ViewRecord | undefined;
  viewIndex: number;
  /** Distinct ids it delivered while `view` was installed (replaced, never mutated after, at the next view). */
  deliveredInView: SetFingerprint;
  /** Message numbers of its 'send' events, in order: the position is the send's sequence number. */
  readonly sent: number[];
  /** Message numbers it delivered. */
  readonly delivered: MessageSet;
  /** Its crash, exclusion or graceful leave (the first one). */
  exit: { kind: ExitEvent['kind']; index: number } | undefined;
}

/** A view id's first installation. */
export interface ViewInstall {
  view: ViewRecord;
  member: MemberId;
  index: number;
}

function grow<T extends Int32Array | Uint32Array>(a: T, make: (n: number) => T, fill: number): T {
  const b = make(a.length * 2);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

export class HistoryContext {
  /** Index in `events` of the event being judged. */
  index = -1;

  /** Message number by id (dense, in order of first appearance); the facts below are indexed by it. */
  readonly messageNumbers = new Map<string, number>();
  readonly messageIds: string[] = [];
  /** The first 'send' of each message, if one happened yet. */
  readonly sends: (SendEvent | undefined)[] = [];
  /** The first 'deliver' of each message by anyone. */
  readonly firstDeliveries: (DeliverEvent | undefined)[] = [];
  /** Event index of that send / first delivery, -1 before it. */
  sendIndex = new Int32Array(1024).fill(-1);
  firstDeliveryIndex = new Int32Array(1024).fill(-1);
  /** Position of the send among its sender's sends, -1 before the send. */
  seq = new Int32Array(1024).fill(-1);
  /** Member number of the sender, -1 before the send. */
  senderNumber = new Int32Array(1024).fill(-1);
  hash1 = new Uint32Array(1024);
  hash2 = new Uint32Array(1024);

  readonly members = new Map<MemberId, MemberState>();
  readonly memberList: MemberState[] = [];
  /** Each view id's first installation (by anyone). */
  readonly views = new Map<number, ViewInstall>();
  /** Members with a 'left' event anywhere so far (all of them, once the pass is over). */
  readonly left = new Set<MemberId>();

  constructor(readonly events: readonly HistoryEvent[]) {}

  member(id: MemberId): MemberState {
    let state = this.members.get(id);
    if (state === undefined) {
      state = {
        id,
        index: this.memberList.length,
        view: undefined,
        viewIndex: -1,
        deliveredInView: emptyFingerprint(),
        sent: [],
        delivered: new MessageSet(),
        exit: undefined,
      };
      this.members.set(id, state);
      this.memberList.push(state);
    }
    return state;
  }

  /** The number of message `id`, numbering it if new. */
  message(id: string): number {
    const known = this.messageNumbers.get(id);
    if (known !== undefined) return known;
    const msg = this.messageIds.length;
    this.messageNumbers.set(id, msg);
    if (msg === this.seq.length) {
      this.sendIndex = grow(this.sendIndex, (n) => new Int32Array(n), -1);
      this.firstDeliveryIndex = grow(this.firstDeliveryIndex, (n) => new Int32Array(n), -1);
      this.seq = grow(this.seq, (n) => new Int32Array(n), -1);
      this.senderNumber = grow(this.senderNumber, (n) => new Int32Array(n), -1);
      this.hash1 = grow(this.hash1, (n) => new Uint32Array(n), 0);
      this.hash2 = grow(this.hash2, (n) => new Uint32Array(n), 0);
    }
    this.messageIds.push(id);
    this.sends.push(undefined);
    this.firstDeliveries.push(undefined);
    this.hash1[msg] = hash1(id);
    this.hash2[msg] = hash2(id);
    return msg;
  }

  applySend(event: SendEvent, msg: number, sender: MemberState): void {
    if (this.sends[msg] === undefined) {
      this.sends[msg] = event;
      this.sendIndex[msg] = this.index;
      this.seq[msg] = sender.sent.length;
      this.senderNumber[msg] = sender.index;
    }
    sender.sent.push(msg);
  }

  applyDeliver(event: DeliverEvent, msg: number, member: MemberState): void {
    if (this.firstDeliveries[msg] === undefined) {
      this.firstDeliveries[msg] = event;
      this.firstDeliveryIndex[msg] = this.index;
    }
    if (member.delivered.has(msg)) return;
    member.delivered.add(msg);
    if (member.view !== undefined) {
      const fp = member.deliveredInView;
      fp.count++;
      fp.h1 = (fp.h1 + this.hash1[msg]!) >>> 0;
      fp.h2 = (fp.h2 + this.hash2[msg]!) >>> 0;
    }
  }

  applyView(event: ViewEvent, member: MemberState): void {
    member.view = event.view;
    member.viewIndex = this.index;
    member.deliveredInView = emptyFingerprint();
    if (!this.views.has(event.view.id)) this.views.set(event.view.id, { view: event.view, member: member.id, index: this.index });
  }

  applyExit(event: ExitEvent, member: MemberState): void {
    member.exit ??= { kind: event.kind, index: this.index };
    if (event.kind === 'left') this.left.add(member.id);
  }
}
