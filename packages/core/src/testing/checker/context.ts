/**
 * What the single pass over a history knows so far, shared by all property checkers so that
 * per-message and per-member bookkeeping is done once (histories reach millions of events).
 * The runner applies each event AFTER the checkers have seen it, so a checker always sees
 * the state before the event it is judging.
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

/** Everything known about one message id. */
export interface MessageRecord {
  readonly id: string;
  readonly h1: number;
  readonly h2: number;
  /** The first 'send' of this id, if one happened yet. */
  send: SendEvent | undefined;
  sendIndex: number;
  /** Position of that send among its sender's sends (0-based), -1 before the send. */
  seq: number;
  /** The first 'deliver' of this id by anyone. */
  firstDelivery: DeliverEvent | undefined;
  firstDeliveryIndex: number;
  /** Members that delivered it (each once, in order); a Set once the list grows. */
  deliveredBy: MemberId[];
  deliveredBySet: Set<MemberId> | undefined;
}

/** Everything known about one member incarnation. */
export interface MemberState {
  readonly id: MemberId;
  /** The view it installed last (its current view), if any. */
  view: ViewRecord | undefined;
  viewIndex: number;
  /** Distinct ids it delivered while `view` was installed (replaced, never mutated after, at the next view). */
  deliveredInView: SetFingerprint;
  /** How many 'send' events it made. */
  sends: number;
  /** Its crash, exclusion or graceful leave (the first one). */
  exit: { kind: ExitEvent['kind']; index: number } | undefined;
}

/** A view id's first installation. */
export interface ViewInstall {
  view: ViewRecord;
  member: MemberId;
  index: number;
}

const SET_THRESHOLD = 16;

export function hasDelivered(message: MessageRecord, member: MemberId): boolean {
  return message.deliveredBySet !== undefined ? message.deliveredBySet.has(member) : message.deliveredBy.includes(member);
}

export class HistoryContext {
  /** Index in `events` of the event being judged. */
  index = -1;
  readonly messages = new Map<string, MessageRecord>();
  readonly members = new Map<MemberId, MemberState>();
  /** Each view id's first installation (by anyone). */
  readonly views = new Map<number, ViewInstall>();
  /** Members with a 'left' event anywhere so far (all of them, once the pass is over). */
  readonly left = new Set<MemberId>();

  constructor(readonly events: readonly HistoryEvent[]) {}

  member(id: MemberId): MemberState {
    let state = this.members.get(id);
    if (state === undefined) {
      state = { id, view: undefined, viewIndex: -1, deliveredInView: emptyFingerprint(), sends: 0, exit: undefined };
      this.members.set(id, state);
    }
    return state;
  }

  message(id: string): MessageRecord {
    let record = this.messages.get(id);
    if (record === undefined) {
      record = {
        id,
        h1: hash1(id),
        h2: hash2(id),
        send: undefined,
        sendIndex: -1,
        seq: -1,
        firstDelivery: undefined,
        firstDeliveryIndex: -1,
        deliveredBy: [],
        deliveredBySet: undefined,
      };
      this.messages.set(id, record);
    }
    return record;
  }

  applySend(event: SendEvent, message: MessageRecord, sender: MemberState): void {
    if (message.send === undefined) {
      message.send = event;
      message.sendIndex = this.index;
      message.seq = sender.sends;
    }
    sender.sends++;
  }

  applyDeliver(event: DeliverEvent, message: MessageRecord, member: MemberState): void {
    if (message.firstDelivery === undefined) {
      message.firstDelivery = event;
      message.firstDeliveryIndex = this.index;
    }
    if (hasDelivered(message, member.id)) return;
    if (message.deliveredBySet !== undefined) {
      message.deliveredBySet.add(member.id);
    } else {
      message.deliveredBy.push(member.id);
      if (message.deliveredBy.length > SET_THRESHOLD) message.deliveredBySet = new Set(message.deliveredBy);
    }
    if (member.view !== undefined) {
      const fp = member.deliveredInView;
      fp.count++;
      fp.h1 = (fp.h1 + message.h1) >>> 0;
      fp.h2 = (fp.h2 + message.h2) >>> 0;
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
