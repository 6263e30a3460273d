import { frameKind, type FrameKind } from '../../codec/frame-kinds.js';
import type { FrameReader } from '../../codec/frame-reader.js';
import type { FrameWriter } from '../../codec/frame-writer.js';
import { DecodeError } from '../../errors.js';
import { readMeta, writeMeta } from '../reliable/reliable.header.js';
import type { MemberId, MessageMeta } from '../types.js';

/**
 * Headers of the membership layer. A view change is one instance of single-decree Paxos
 * among the members of the current view, whose value is the next view plus the flush cut
 * (see ./README.md).
 */

/** Ballots order competing coordinators: higher round wins, rank breaks ties. */
export interface Ballot {
  readonly round: number;
  readonly rank: number;
}

/** A message of the ending view held by some member and needed by another for the flush. */
export interface HeldMessage extends MessageMeta {
  readonly senderRank: number;
  readonly seq: number;
  readonly topic: string;
  readonly payload: Uint8Array;
}

/**
 * The value a view change agrees on: the next view and the cut of the ending view that its
 * members deliver before installing it (for each old member by rank, the last seq delivered),
 * with the messages some of them may lack.
 */
export interface FlushValue {
  readonly viewId: number;
  readonly members: readonly MemberId[];
  readonly targets: readonly number[];
  readonly messages: readonly HeldMessage[];
}

/**
 * A joiner asks to be let in. The coordinator admits only a request that echoes the nonce it
 * handed that joiner in a join-pending (0: not yet asked), so a recorded join-request replayed
 * later (of an incarnation long dead) admits nobody.
 */
export interface JoinRequestBody {
  readonly type: 'join-request';
  readonly nonce: number;
  /** The joiner may form the group (a first join with seeds, not a rejoin): see bootstrap-vote.ts. */
  readonly candidate: boolean;
  /** Whom it votes for to form the group ('' not yet). */
  readonly vote: string;
}
/** "Ask the coordinator": from the coordinator itself, with the nonce to echo (else 0). */
export interface JoinPendingBody {
  readonly type: 'join-pending';
  readonly coordinator: MemberId;
  readonly nonce: number;
  /**
   * The highest ballot round the coordinator has used in this view: a restarted member that
   * stands in believes its ballots only near it (stand-in.ts), since it has nothing else to go by.
   */
  readonly round: number;
}
export interface LeaveRequestBody {
  readonly type: 'leave-request';
}
export interface PrepareBody {
  readonly type: 'prepare';
  readonly ballot: Ballot;
}
export interface PromiseBody {
  readonly type: 'promise';
  readonly ballot: Ballot;
  /** For each member of the view by rank: highest seq received from it without a gap. */
  readonly digest: readonly number[];
  /** Every message this member holds that it does not know to be stable. */
  readonly held: readonly HeldMessage[];
  readonly accepted: { readonly ballot: Ballot; readonly value: FlushValue } | null;
}
export interface RejectBody {
  readonly type: 'reject';
  readonly promised: Ballot;
}
export interface AcceptBody {
  readonly type: 'accept';
  readonly ballot: Ballot;
  readonly value: FlushValue;
}
export interface AcceptedBody {
  readonly type: 'accepted';
  readonly ballot: Ballot;
}
export interface InstallBody {
  readonly type: 'install';
  readonly value: FlushValue;
}
/** To a joiner: the view it joins in and the application state as of that view's start. */
export interface WelcomeBody {
  readonly type: 'welcome';
  readonly viewId: number;
  readonly members: readonly MemberId[];
  readonly state: Uint8Array | null;
  /** The value that installed the view, so the joiner can hand it to a member that missed it. */
  readonly value: FlushValue;
}
/** To a member that is behind or outside: the current view, so it can learn it is excluded. */
export interface ViewNoticeBody {
  readonly type: 'view-notice';
  readonly viewId: number;
  readonly members: readonly MemberId[];
}

export type MembershipBody =
  | JoinRequestBody
  | JoinPendingBody
  | LeaveRequestBody
  | PrepareBody
  | PromiseBody
  | RejectBody
  | AcceptBody
  | AcceptedBody
  | InstallBody
  | WelcomeBody
  | ViewNoticeBody;

export function compareBallots(a: Ballot, b: Ballot): number {
  return a.round !== b.round ? a.round - b.round : a.rank - b.rank;
}

function writeBallot(w: FrameWriter, ballot: Ballot): void {
  w.uint(ballot.round).uint(ballot.rank);
}

/** Rounds and ranks are bounded where they are decoded: a coordinator must always be able to go one higher. */
export const BALLOT_ROUND_MAX = 0xffff_ffff;
export const BALLOT_RANK_MAX = 0xffff;

function readRound(r: FrameReader): number {
  const round = r.uint();
  if (round > BALLOT_ROUND_MAX) throw new DecodeError('round out of range');
  return round;
}

function readBallot(r: FrameReader): Ballot {
  const round = r.uint();
  const rank = r.uint();
  if (round > BALLOT_ROUND_MAX || rank > BALLOT_RANK_MAX) throw new DecodeError('ballot out of range');
  return { round, rank };
}

function writeHeld(w: FrameWriter, messages: readonly HeldMessage[]): void {
  w.uint(messages.length);
  for (const m of messages) {
    w.uint(m.senderRank).uint(m.seq).internedString(m.topic).bytes(m.payload);
    writeMeta(w, m);
  }
}

function readHeld(r: FrameReader): HeldMessage[] {
  const n = r.count();
  const messages: HeldMessage[] = [];
  for (let i = 0; i < n; i++) {
    const senderRank = r.uint();
    const seq = r.uint();
    if (seq < 1) throw new DecodeError('held seq must be >= 1');
    const topic = r.internedString();
    const payload = r.bytesCopy();
    messages.push({ senderRank, seq, topic, payload, ...readMeta(r) });
  }
  return messages;
}

function writeValue(w: FrameWriter, value: FlushValue): void {
  w.uint(value.viewId).strings(value.members).uints(value.targets);
  writeHeld(w, value.messages);
}

function readValue(r: FrameReader): FlushValue {
  return { viewId: r.uint(), members: r.strings(), targets: r.uints(), messages: readHeld(r) };
}

export function writeMembership(w: FrameWriter, body: MembershipBody): void {
  switch (body.type) {
    case 'leave-request':
      return;
    case 'join-request':
      w.uint(body.nonce).bool(body.candidate).string(body.vote);
      return;
    case 'join-pending':
      w.string(body.coordinator).uint(body.nonce).uint(body.round);
      return;
    case 'prepare':
      writeBallot(w, body.ballot);
      return;
    case 'promise':
      writeBallot(w, body.ballot);
      w.uints(body.digest);
      writeHeld(w, body.held);
      w.bool(body.accepted !== null);
      if (body.accepted) {
        writeBallot(w, body.accepted.ballot);
        writeValue(w, body.accepted.value);
      }
      return;
    case 'reject':
      writeBallot(w, body.promised);
      return;
    case 'accept':
      writeBallot(w, body.ballot);
      writeValue(w, body.value);
      return;
    case 'accepted':
      writeBallot(w, body.ballot);
      return;
    case 'install':
      writeValue(w, body.value);
      return;
    case 'welcome':
      w.uint(body.viewId)
        .strings(body.members)
        .bool(body.state !== null);
      if (body.state) w.bytes(body.state);
      writeValue(w, body.value);
      return;
    case 'view-notice':
      w.uint(body.viewId).strings(body.members);
      return;
  }
}

export function readMembership(type: MembershipBody['type'], r: FrameReader): MembershipBody {
  switch (type) {
    case 'leave-request':
      return { type };
    case 'join-request':
      return { type, nonce: r.uint(), candidate: r.bool(), vote: r.string() };
    case 'join-pending':
      return { type, coordinator: r.string(), nonce: r.uint(), round: readRound(r) };
    case 'prepare':
      return { type, ballot: readBallot(r) };
    case 'promise': {
      const ballot = readBallot(r);
      const digest = r.uints();
      const held = readHeld(r);
      const accepted = r.bool() ? { ballot: readBallot(r), value: readValue(r) } : null;
      return { type, ballot, digest, held, accepted };
    }
    case 'reject':
      return { type, promised: readBallot(r) };
    case 'accept':
      return { type, ballot: readBallot(r), value: readValue(r) };
    case 'accepted':
      return { type, ballot: readBallot(r) };
    case 'install':
      return { type, value: readValue(r) };
    case 'welcome': {
      const viewId = r.uint();
      const members = r.strings();
      const state = r.bool() ? r.bytesCopy() : null;
      return { type, viewId, members, state, value: readValue(r) };
    }
    case 'view-notice':
      return { type, viewId: r.uint(), members: r.strings() };
  }
}

const MEMBERSHIP_CODES: readonly (readonly [code: number, type: MembershipBody['type']])[] = [
  [3, 'join-request'],
  [4, 'join-pending'],
  [5, 'leave-request'],
  [6, 'prepare'],
  [7, 'promise'],
  [8, 'reject'],
  [9, 'accept'],
  [10, 'accepted'],
  [11, 'install'],
  [12, 'welcome'],
  [13, 'view-notice'],
];

/** The membership layer's frame kinds; their codes are the wire format's (see protocol/frames.ts). */
export const membershipFrameKinds: readonly FrameKind<MembershipBody>[] = MEMBERSHIP_CODES.map(([code, type]) =>
  frameKind<MembershipBody>({
    code,
    type,
    write: writeMembership,
    read: (r) => readMembership(type, r),
  }),
);
