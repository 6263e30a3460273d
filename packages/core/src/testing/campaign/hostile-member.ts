/**
 * The hostile member (issue 11): a process on the simulated network at HOSTILE_ADDRESS ("h0")
 * that models a holder of the group's key. Campaign groups are not on authenticated wires, so
 * it speaks the protocol directly: it knows the group's name and epoch (read from a live
 * member's `group.epoch`) and sends well-formed frames (codec/frame.ts) with hostile content
 * to live members — those in a view, status 'member' or 'blocked' (hostile-schedule.ts draws
 * when):
 *
 * - `hostile` as itself ("h0/1", in no view): a frame of any of the 21 kinds, with plausible
 *   numbers (ballots of small rounds, seqs and call ids in the range in play, views around
 *   the receiver's) — but never a plausible lie about membership, which a key holder can tell
 *   and the protocol believes (docs/security.md): its installs for the next view have a shape
 *   no member can apply, its view-notices never name itself;
 * - `hostile` in the name of a member of the receiver's view, numbers out of reach (what the
 *   protocol rejects, as in test/fuzz/hostile-member.fuzz.spec.ts): data, packs and
 *   heartbeats with seqs beyond 2^21; prepares, promises, rejects, accepts and accepteds with
 *   ballot rounds of 1,000 and more; installs whose cut cannot apply; view-notices from
 *   outside the view they announce. 15 % of them say the next view (kept for it, checked then);
 * - `replay` of frames it recorded from the members (a reservoir sample of every frame a
 *   member sent, through the cluster's record tap): `view` a frame of a view earlier than
 *   the receiver's, as it was (the protocol's laggard help answers it); `epoch` a frame
 *   re-encoded with another epoch (an earlier incarnation of the group), its view id as it
 *   was or a little higher, which a member in a view must drop.
 *
 * It never joins, answers nothing, stops with the faults, and is in no partition.
 *
 * Every frame that reaches a member passes the cluster's arrival tap (FrameChecks), which
 * checks what the member did with it:
 * - a hostile frame (as itself, out of reach, or of another epoch) may not change the
 *   member's view or make it leave ('hostile-frame');
 * - a frame of another epoch (not 0: joiners and clients send 0) must be dropped and counted
 *   in `stats.framesOtherEpoch` (or `framesDropped` if it names the receiver as its sender)
 *   ('hostile-frame');
 * - a frame another member sent must never be rejected (`stats.framesRejected`)
 *   ('frame-rejected'): the checks that stop the hostile member may not refuse honest
 *   traffic. (A hostile frame of the next view is rejected only when that view is installed,
 *   while the member handles some member's frame: those are allowed for, one for one.)
 */
import { decodeFrame, encodeFrame, type Frame, type FrameBody } from '../../protocol/frames.js';
import { FrameReader } from '../../codec/frame-reader.js';
import { seededRandom, type Random } from '../../env/random.js';
import type { Group } from '../../group.js';
import type { Ballot, FlushValue, HeldMessage } from '../../protocol/membership/membership.header.js';
import type { DataBody } from '../../protocol/reliable/reliable.header.js';
import type { MemberId, MessageMeta } from '../../protocol/types.js';
import { deriveSeed } from '../../wire/simulated/seeds.js';
import type { SimulatedWire } from '../../wire/simulated/simulated-network.js';
import type { Address } from '../../wire/wire.js';
import type { Cluster, Process } from './cluster.js';
import { GROUP_NAME, type RunContext } from './run-context.js';
import type { ScenarioAction } from './scenario.js';

export const HOSTILE_ADDRESS = 'h0';
/** The hostile member's id as itself: an incarnation no view ever lists. */
export const HOSTILE_ID = `${HOSTILE_ADDRESS}/1`;
/** Beyond any seq a member could send (member.ts: SEQ_REACH_MIN is 2^20 above what is held). */
export const FAR_SEQ = (1 << 21) + 1;
/** Far above the ballot rounds in play (member.ts believes at most 64 above those seen). */
export const FAR_ROUND = 1_000;
/** Recorded frames kept for replay: a uniform sample of every frame the members sent. */
const RECORDED_MAX = 128;
/** Tag of the recorder's sampling stream (hostile-schedule.ts uses 11). */
const STREAM_RECORDER = 12;
/** Share of the frames in members' names that say the receiver's next view. */
const NEXT_VIEW_SHARE = 0.15;

const ALL_KINDS: readonly FrameBody['type'][] = [
  'data',
  'pack',
  'nak',
  'heartbeat',
  'join-request',
  'join-pending',
  'leave-request',
  'prepare',
  'promise',
  'reject',
  'accept',
  'accepted',
  'install',
  'welcome',
  'view-notice',
  'reply',
  'reply-ack',
  'client-request',
  'client-reject',
  'client-result',
  'view-query',
];
/** The kinds that carry a number that can be out of reach (the others are sent as itself). */
const OUT_OF_REACH_KINDS: readonly FrameBody['type'][] = [
  'data',
  'pack',
  'heartbeat',
  'prepare',
  'promise',
  'reject',
  'accept',
  'accepted',
  'install',
  'view-notice',
];

/** A live member as the hostile member sees it when it sends. */
interface Target {
  readonly process: Process;
  readonly me: MemberId;
  readonly viewId: number;
  readonly members: readonly MemberId[];
  readonly epoch: number;
}

/** A recorded frame: its bytes and what its header says. */
interface Recorded {
  readonly bytes: Uint8Array;
  readonly epoch: number;
  readonly viewId: number;
}

export class HostileMember {
  private wireAtH0: SimulatedWire | null = null;
  private readonly recorded: Recorded[] = [];
  private recordedSeen = 0;
  private readonly sampler: Random;
  /** Client request keys and call ids of the hostile member as a client. */
  private requests = 0;

  constructor(
    private readonly run: RunContext,
    private readonly cluster: Cluster,
    /** Record the members' frames (only a scenario with replays needs them). */
    record: boolean,
  ) {
    this.sampler = seededRandom(deriveSeed(run.scenario.seed, STREAM_RECORDER, 'campaign-hostile-recorder'));
    if (record) cluster.recordTap = (_from, frame) => this.record(frame);
  }

  /** The 'hostile' action: `count` frames to live members, as itself or in members' names. */
  hostile(action: Extract<ScenarioAction, { kind: 'hostile' }>): void {
    const counts = this.run.counts;
    counts.hostileActions++;
    if (this.run.faultsEnded) return;
    const targets = this.targets();
    if (targets.length === 0) {
      counts.skippedNoCandidate++;
      this.run.note(`hostile member: no member in a view to send to`);
      return;
    }
    const random = seededRandom(action.seed);
    const sent: string[] = [];
    for (let i = 0; i < action.count; i++) {
      const target = targets[random.int(targets.length)]!;
      const named = action.as === 'member' ? this.outOfReach(random, target) : null;
      const frame = named ?? this.asItself(random, target);
      if (named) counts.hostileNamedFrames++;
      else counts.hostileSelfFrames++;
      sent.push(`${frame.body.type}${named ? ` as ${frame.from}` : ''} (view ${frame.viewId}) -> ${target.me}`);
      this.send(target.process.address, encodeFrame(frame));
    }
    this.run.note(`hostile member ${action.as === 'self' ? 'as itself' : "in members' names"}: ${sent.join(', ')}`);
  }

  /** The 'replay' action: `count` recorded frames to live members, of an earlier view or of another epoch. */
  replay(action: Extract<ScenarioAction, { kind: 'replay' }>): void {
    const counts = this.run.counts;
    counts.replayActions++;
    if (this.run.faultsEnded) return;
    const targets = this.targets();
    if (targets.length === 0 || this.recorded.length === 0) {
      counts.skippedNoCandidate++;
      this.run.note(`hostile member: no ${targets.length === 0 ? 'member in a view to replay to' : 'frame recorded yet'}`);
      return;
    }
    const random = seededRandom(action.seed);
    const sent: string[] = [];
    for (let i = 0; i < action.count; i++) {
      const target = targets[random.int(targets.length)]!;
      if (action.stale === 'view') {
        // A frame of this incarnation of the group (or of a joiner, epoch 0) from an earlier view.
        const earlier = this.recorded.filter((r) => r.viewId < target.viewId && (r.epoch === target.epoch || r.epoch === 0));
        if (earlier.length === 0) continue;
        const chosen = earlier[random.int(earlier.length)]!;
        const frame = decodeFrame(chosen.bytes);
        counts.staleViewFrames++;
        sent.push(`${frame.body.type} of ${frame.from} view ${frame.viewId} -> ${target.me}`);
        this.send(target.process.address, chosen.bytes);
      } else {
        const frame = decodeFrame(this.recorded[random.int(this.recorded.length)]!.bytes);
        const epoch = otherEpoch(frame.epoch ?? 0, target.epoch);
        // An earlier incarnation of the group may have got further than this one.
        const viewId = frame.viewId + (random.next() < 0.6 ? 0 : 1 + random.int(4));
        counts.staleEpochFrames++;
        sent.push(`${frame.body.type} of ${frame.from} epoch ${epoch} view ${viewId} -> ${target.me}`);
        this.send(target.process.address, encodeFrame({ ...frame, epoch, viewId }));
      }
    }
    this.run.note(
      `hostile member replays ${action.stale === 'view' ? 'frames of earlier views' : 'frames under another epoch'}: ` +
        `${sent.length > 0 ? sent.join(', ') : 'none recorded of an earlier view'}`,
    );
  }

  // --- sending -----------------------------------------------------------------------------

  private send(to: Address, bytes: Uint8Array): void {
    if (this.wireAtH0 === null) {
      this.wireAtH0 = this.run.network.wire(HOSTILE_ADDRESS);
      // It listens to nothing (join-pendings, laggard help, view-notices for a client).
      this.wireAtH0.onFrame(() => {});
    }
    this.wireAtH0.send(to, bytes);
  }

  /** Live members in a view, with what the hostile member reads off them. */
  private targets(): Target[] {
    const targets: Target[] = [];
    for (const process of this.cluster.members()) {
      const group = process.group!;
      const state = group.status.state;
      if ((state !== 'member' && state !== 'blocked') || group.epoch === 0) continue;
      const view = group.view;
      targets.push({ process, me: group.me, viewId: view.id, members: view.members, epoch: group.epoch });
    }
    return targets;
  }

  // --- the recorder ------------------------------------------------------------------------

  /** Reservoir sampling: after n frames, each of them is among the kept ones with the same chance. */
  private record(bytes: Uint8Array): void {
    const n = ++this.recordedSeen;
    let slot = this.recorded.length;
    if (slot >= RECORDED_MAX) {
      slot = this.sampler.int(n);
      if (slot >= RECORDED_MAX) return;
    }
    // The header only: version, kind, epoch, group, from, view id.
    const reader = new FrameReader(bytes);
    reader.u8();
    reader.u8();
    const epoch = reader.uint();
    reader.string();
    reader.string();
    this.recorded[slot] = { bytes, epoch, viewId: reader.uint() };
  }

  // --- frames as itself --------------------------------------------------------------------

  /** A frame of any kind from HOSTILE_ID, with plausible numbers; nothing it says may act on a member. */
  private asItself(random: Random, t: Target): Frame {
    const kind = ALL_KINDS[random.int(ALL_KINDS.length)]!;
    const size = t.members.length;
    const small = (): number => random.int(50);
    const pick = <T>(items: readonly T[]): T => items[random.int(items.length)]!;
    const viewNear = (): number => Math.max(0, t.viewId - 1 + random.int(4));
    const ids = [...t.members, HOSTILE_ID];
    let body: FrameBody;
    switch (kind) {
      case 'data':
        body = this.data(random, 1 + small());
        break;
      case 'pack':
        body = { type: 'pack', messages: Array.from({ length: 1 + random.int(3) }, () => this.data(random, 1 + small())) };
        break;
      case 'nak':
        body = { type: 'nak', missing: Array.from({ length: 1 + random.int(5) }, () => 1 + small()) };
        break;
      case 'heartbeat':
        body = {
          type: 'heartbeat',
          sentHigh: small(),
          acks: t.members.map(() => small()),
          flushing: random.next() < 0.5,
          slow: random.next() < 0.2,
        };
        break;
      case 'join-request':
        body = {
          type: 'join-request',
          nonce: random.int(0x8000_0000),
          candidate: random.next() < 0.5,
          vote: pick([HOSTILE_ADDRESS, t.process.address, '']),
        };
        break;
      case 'join-pending':
        body = { type: 'join-pending', coordinator: pick(ids), nonce: random.int(0x8000_0000), round: small() };
        break;
      case 'leave-request':
        body = { type: 'leave-request' };
        break;
      case 'prepare':
        body = { type: 'prepare', ballot: this.ballot(random, size, false) };
        break;
      case 'promise':
        body = {
          type: 'promise',
          ballot: this.ballot(random, size, false),
          digest: t.members.map(() => small()),
          held: random.next() < 0.5 ? [] : [this.held(random, size)],
          accepted: random.next() < 0.5 ? null : { ballot: this.ballot(random, size, false), value: this.value(random, t, t.viewId + 1) },
        };
        break;
      case 'reject':
        body = { type: 'reject', promised: this.ballot(random, size, false) };
        break;
      case 'accept':
        body = { type: 'accept', ballot: this.ballot(random, size, false), value: this.value(random, t, t.viewId + 1) };
        break;
      case 'accepted':
        body = { type: 'accepted', ballot: this.ballot(random, size, false) };
        break;
      case 'install': {
        // A key holder can forge an install whose cut applies (the protocol believes it, even
        // from a process in no view): this one installs another view than the next, or has a
        // shape no member can apply.
        // (Any view after the receiver's: it may install one while the frame is on its way.)
        const viewId = viewNear();
        const value = this.value(random, t, viewId);
        body = { type: 'install', value: viewId > t.viewId ? this.misshapen(random, value, size) : value };
        break;
      }
      case 'welcome': {
        // A welcome acts only on a joiner that it lists; it lists members of a view only.
        const members = this.someOf(random, ids);
        body = {
          type: 'welcome',
          viewId: t.viewId + 1,
          members,
          state: random.next() < 0.5 ? null : this.bytes(random, 16),
          value: this.value(random, t, t.viewId + 1),
        };
        break;
      }
      case 'view-notice':
        // Never naming itself: a view-notice from a member of the view it announces is believed.
        body = { type: 'view-notice', viewId: viewNear(), members: this.someOf(random, t.members) };
        break;
      case 'reply':
        body = {
          type: 'reply',
          to: t.me,
          call: 1 + random.int(40),
          viewId: t.viewId,
          rank: random.int(size),
          failed: random.next() < 0.3,
          payload: this.payload(random),
          context: '',
        };
        break;
      case 'reply-ack':
        body = { type: 'reply-ack', call: 1 + random.int(40) };
        break;
      case 'client-request': {
        const n = ++this.requests;
        body = {
          type: 'client-request',
          key: `${HOSTILE_ID}#${n}`,
          call: n,
          viewLabel: pick([0, 0, t.viewId, t.viewId + 1]),
          topic: pick(['h', '', 'cohort:h']),
          order: pick(['fifo', 'causal', 'total', 'group'] as const),
          safe: random.next() < 0.3,
          quorum: random.int(6),
          timeoutMs: 1 + random.int(5_000),
          payload: this.payload(random),
        };
        break;
      }
      case 'client-reject':
        body = { type: 'client-reject', call: 1 + random.int(40), viewId: viewNear(), members: this.someOf(random, ids) };
        break;
      case 'client-result':
        body = {
          type: 'client-result',
          call: 1 + random.int(40),
          viewId: viewNear(),
          expected: this.someOf(random, t.members),
          replies: [{ member: pick(t.members), rank: random.int(size), failed: false, payload: this.payload(random) }],
          failed: [],
          slow: [],
          quorumMet: random.next() < 0.5,
        };
        break;
      case 'view-query':
        body = { type: 'view-query' };
        break;
    }
    const viewId = pick([t.viewId, t.viewId, t.viewId - 1, t.viewId + 1, 0]);
    return { epoch: t.epoch, group: GROUP_NAME, from: HOSTILE_ID, viewId: Math.max(0, viewId), body };
  }

  // --- frames in members' names, numbers out of reach ----------------------------------------

  /** A frame in the name of another member of the receiver's view that no member would send; null if it has no other. */
  private outOfReach(random: Random, t: Target): Frame | null {
    const others = t.members.filter((m) => m !== t.me);
    if (others.length === 0) return null;
    const from = others[random.int(others.length)]!;
    const rank = t.members.indexOf(from);
    const size = t.members.length;
    const far = (): number => FAR_SEQ + random.int(1_000);
    const farBallot = (): Ballot => ({ round: FAR_ROUND + random.int(1_000_000), rank: random.next() < 0.7 ? rank : random.int(size) });
    const kind = OUT_OF_REACH_KINDS[random.int(OUT_OF_REACH_KINDS.length)]!;
    let body: FrameBody;
    switch (kind) {
      case 'data':
        body = this.data(random, far());
        break;
      case 'pack': {
        // One seq beyond reach is enough for the whole frame to be refused: the others are plausible.
        const messages = Array.from({ length: 1 + random.int(3) }, () => this.data(random, 1 + random.int(50)));
        const i = random.int(messages.length);
        messages[i] = { ...messages[i]!, seq: far() };
        body = { type: 'pack', messages };
        break;
      }
      case 'heartbeat':
        body = {
          type: 'heartbeat',
          sentHigh: far(),
          acks: t.members.map(() => random.int(50)),
          flushing: random.next() < 0.5,
          slow: random.next() < 0.2,
        };
        break;
      case 'prepare':
        body = { type: 'prepare', ballot: farBallot() };
        break;
      case 'promise':
        body = { type: 'promise', ballot: farBallot(), digest: t.members.map(() => 0), held: [], accepted: null };
        break;
      case 'reject':
        body = { type: 'reject', promised: farBallot() };
        break;
      case 'accept':
        body = {
          type: 'accept',
          ballot: farBallot(),
          value: { viewId: t.viewId + 1, members: [...t.members], targets: t.members.map(() => 0), messages: [] },
        };
        break;
      case 'accepted':
        body = { type: 'accepted', ballot: farBallot() };
        break;
      case 'install':
        // Names the receiver, so its cut is checked against what it holds: beyond it.
        body = {
          type: 'install',
          value: { viewId: t.viewId + 1, members: [...t.members], targets: t.members.map(() => far()), messages: [] },
        };
        break;
      default:
        // 'view-notice': from outside the view it announces.
        body = { type: 'view-notice', viewId: t.viewId + 1 + random.int(2), members: t.members.filter((m) => m !== from) };
    }
    const viewId = random.next() < NEXT_VIEW_SHARE ? t.viewId + 1 : t.viewId;
    return { epoch: t.epoch, group: GROUP_NAME, from, viewId, body };
  }

  // --- pieces ------------------------------------------------------------------------------

  private data(random: Random, seq: number): DataBody {
    return { type: 'data', seq, topic: ['t', 'call', 'h', ''][random.int(4)]!, payload: this.payload(random), ...this.meta(random) };
  }

  private held(random: Random, size: number): HeldMessage {
    return { senderRank: random.int(size + 1), seq: 1 + random.int(50), topic: 't', payload: this.payload(random), ...this.meta(random) };
  }

  private meta(random: Random): MessageMeta {
    const order = (['fifo', 'causal', 'total', 'group', 'announce'] as const)[random.int(5)]!;
    const meta: { order?: MessageMeta['order']; safe?: boolean; depsDelta?: [number, number][]; call?: number; requestKey?: string } = {};
    if (order !== 'fifo') meta.order = order;
    if (random.next() < 0.2) meta.safe = true;
    if (random.next() < 0.5)
      meta.depsDelta = Array.from({ length: random.int(3) }, () => [random.int(8), random.int(50)] as [number, number]);
    if (random.next() < 0.1) meta.call = 1 + random.int(40);
    if (random.next() < 0.1) meta.requestKey = `${HOSTILE_ID}#${1 + random.int(40)}`;
    return meta;
  }

  private ballot(random: Random, size: number, far: boolean): Ballot {
    return { round: far ? FAR_ROUND + random.int(1_000_000) : random.int(8), rank: random.int(size + 1) };
  }

  private value(random: Random, t: Target, viewId: number): FlushValue {
    const size = t.members.length;
    return {
      viewId,
      members: this.someOf(random, [...t.members, HOSTILE_ID]),
      targets: t.members.map(() => random.int(50)),
      messages: random.next() < 0.7 ? [] : [this.held(random, size)],
    };
  }

  /**
   * A value no member of any view can apply, whatever view it is in when the frame arrives: an
   * empty view, a member named twice, no targets, a message of a rank no view has.
   */
  private misshapen(random: Random, value: FlushValue, size: number): FlushValue {
    switch (random.int(4)) {
      case 0:
        return { ...value, members: [] };
      case 1:
        return { ...value, members: [...value.members, value.members[0] ?? HOSTILE_ID, value.members[0] ?? HOSTILE_ID] };
      case 2:
        return { ...value, targets: [] };
      default:
        return { ...value, messages: [{ ...this.held(random, size), senderRank: 0x1_0000 + random.int(1_000) }] };
    }
  }

  /** A non-empty random subset of `items`, in their order. */
  private someOf<T>(random: Random, items: readonly T[]): T[] {
    const chosen = items.filter(() => random.next() < 0.6);
    return chosen.length > 0 || items.length === 0 ? chosen : [items[random.int(items.length)]!];
  }

  /** Half the time a payload the serializer reads, half the time bytes it may not. */
  private payload(random: Random): Uint8Array {
    if (random.next() < 0.5) return new TextEncoder().encode(JSON.stringify(`h0:${random.int(1_000)}`));
    return this.bytes(random, 24);
  }

  private bytes(random: Random, max: number): Uint8Array {
    return Uint8Array.from({ length: random.int(max + 1) }, () => random.int(256));
  }
}

/** An epoch that is neither 0 (no epoch) nor the receiver's, and differs from `epoch`. */
function otherEpoch(epoch: number, receivers: number): number {
  for (let x = 1; ; x++) {
    const candidate = (epoch ^ x) >>> 0;
    if (candidate !== 0 && candidate !== receivers) return candidate;
  }
}

/**
 * What a member does with each frame that reaches it (the cluster's arrival tap): a frame of
 * the hostile member may not act on it, one of another epoch is dropped, and no frame a member
 * sent is rejected. See the file comment.
 */
export class FrameChecks {
  /** Per process: hostile frames of its next view it keeps until then (rejected at its install). */
  private readonly nextViewFrames = new Map<Process, number>();

  constructor(
    private readonly run: RunContext,
    cluster: Cluster,
  ) {
    cluster.arrivalTap = (process, group, from, frame, receive) => {
      if (from === HOSTILE_ADDRESS) this.fromHostile(process, group, frame, receive);
      else this.fromMember(process, group, from, frame, receive);
    };
  }

  private fromMember(
    process: Process,
    group: Group,
    from: Address,
    bytes: Uint8Array,
    receive: (from: Address, frame: Uint8Array) => void,
  ): void {
    const before = group.stats.framesRejected;
    receive(from, bytes);
    const rejected = group.stats.framesRejected - before;
    if (rejected <= 0) return;
    const allowed = Math.min(rejected, this.nextViewFrames.get(process) ?? 0);
    if (allowed > 0) this.nextViewFrames.set(process, (this.nextViewFrames.get(process) ?? 0) - allowed);
    if (rejected > allowed) {
      let what = 'a frame';
      try {
        const frame = decodeFrame(bytes);
        what = `a ${frame.body.type} frame of view ${frame.viewId} from ${frame.from}`;
      } catch {
        // Described as 'a frame'.
      }
      this.run.violation(
        'frame-rejected',
        `${group.me} rejected ${what} (sent by the process at ${from}): the checks against hostile frames refused honest traffic`,
      );
    }
  }

  private fromHostile(process: Process, group: Group, bytes: Uint8Array, receive: (from: Address, frame: Uint8Array) => void): void {
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch (error) {
      this.run.violation('harness', `the hostile member sent a frame that does not decode: ${String(error)}`);
      receive(HOSTILE_ADDRESS, bytes);
      return;
    }
    const state = group.status.state;
    const inView = state === 'member' || state === 'blocked';
    const me = group.me;
    const view = group.view;
    const epoch = group.epoch;
    const before = group.stats;
    receive(HOSTILE_ADDRESS, bytes);
    if (!inView) return;
    const after = group.stats;
    const counts = this.run.counts;
    const frameEpoch = frame.epoch ?? 0;
    const what = `a ${frame.body.type} frame of view ${frame.viewId} as ${frame.from}, epoch ${frameEpoch}${frameEpoch === epoch ? '' : ` (the group's is ${epoch})`}`;
    const otherEpoch = frameEpoch !== 0 && frameEpoch !== epoch;
    if (otherEpoch) {
      const dropped = frame.from === me ? after.framesDropped - before.framesDropped : after.framesOtherEpoch - before.framesOtherEpoch;
      if (group.me === me && dropped === 1) counts.staleEpochDropped++;
      else this.run.violation('hostile-frame', `${me} did not drop ${what}`);
    } else if (frame.from !== HOSTILE_ID && frame.viewId < view.id) {
      // A frame of this group's own earlier view, replayed as it was: it may tell a laggard
      // the truth (a view-notice a member sent to a client names its view in the body only).
      return;
    } else {
      counts.hostileArrived++;
      if (group.me === me) counts.hostileRejected += Math.max(0, after.framesRejected - before.framesRejected);
      const kept = frame.body.type === 'data' || frame.body.type === 'pack' || frame.body.type === 'heartbeat';
      if (kept && frame.viewId > view.id && view.members.includes(frame.from)) {
        this.nextViewFrames.set(process, (this.nextViewFrames.get(process) ?? 0) + 1);
      }
    }
    const status = group.status.state;
    if (group.me !== me || group.view.id !== view.id || (status !== 'member' && status !== 'blocked')) {
      this.run.violation('hostile-frame', `${what} acted on ${me} in view ${view.id}: now ${group.me}, ${status}, view ${group.view.id}`);
    }
  }
}
