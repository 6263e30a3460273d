import type { Clock, TimerHandle } from '../env/clock.js';
import type { Random } from '../env/random.js';
import { DecodeError } from '../errors.js';
import { decodeFrame, encodeFrame, EPOCH_MAX, type Frame, type FrameBody } from '../codec/frame.js';
import type { Address, PeerDownReason, Wire } from '../wire/wire.js';
import { FailureDetector } from './membership/failure-detector.js';
import {
  compareBallots, type Ballot, type FlushValue, type JoinPendingBody, type MembershipBody, type ViewNoticeBody, type WelcomeBody,
} from './membership/membership.header.js';
import { ViewChangeProposer, type ProposerHost } from './membership/view-change.proposer.js';
import { BootstrapVote } from './membership/bootstrap-vote.js';
import { isQuorum, isQuorumWithStandIns, type QuorumPolicy } from './membership/quorum-policy.js';
import { StandInAcceptor } from './membership/stand-in.js';
import { flushValueProblem } from './membership/flush-check.js';
import { OrderStage, encodeAnnouncement, type HoldReason, type OrderEntry } from './order/order-stage.js';
import { ReliableChannel } from './reliable/reliable-channel.js';
import type { DataBody, HeartbeatBody, NakBody } from './reliable/reliable.header.js';
import type { Timing } from './timing.js';
import { addressOf, type DataMessage, type DepsDelta, type MemberId, type MessageMeta, type View } from './types.js';

/** How one multicast asks to be ordered; `context` is a causal context's vector for this view. */
export interface SendOptions {
  readonly order: 'fifo' | 'causal' | 'total' | 'group';
  readonly safe: boolean;
  readonly context?: { readonly viewId: number; readonly deps: readonly number[] } | undefined;
  /** A synchronous call's id: the members reply to it. */
  readonly call?: number;
  /** A client request's key: members execute it once, however often it is retried. */
  readonly requestKey?: string;
}

/** What the member reports upward, in the order it happens. */
export interface MemberEvents {
  /** This member sequenced one of its multicasts (just before delivering it to itself). */
  sent(message: DataMessage): void;
  deliver(message: DataMessage, view: View): void;
  /** Optional (a trace records it): `message` arrived and waits in the order stage for `reason`. */
  held?(message: DataMessage, reason: HoldReason): void;
  /** Optional (a trace records it): this member stopped sending for the flush that ends view `viewId`. */
  flushing?(viewId: number): void;
  /** A view was installed; `state` is set (possibly null) only for the view a joiner joins in. */
  install(view: View, joinedWithState: { state: Uint8Array | null } | null): void;
  /** The application state as of the view just installed, for joiners (captured in delivery order). */
  captureState(): Promise<Uint8Array | null>;
  /**
   * `exitInstall`: the install that left this member out, if that is how it learned it;
   * `unconfirmed`: what it sent in its last view that it cannot confirm the others deliver;
   * `waiting`: multicasts and flush() callers never sent, for a next incarnation (handOver()).
   */
  excluded(lastView: View | null, exitInstall: FlushValue | null, unconfirmed: DataMessage[], waiting: OutboxEntry[]): void;
  /** This member cannot install a next view (null: it can again, or it installed one). */
  blocked(reason: BlockedReason | null): void;
  /** A well-formed frame broke an invariant (forged, replayed or corrupt): dropped, counted, reported. */
  rejected(from: MemberId, kind: string, reason: string): void;
  /** `unconfirmed`: what the leaver sent that the install's cut left out (normally nothing). */
  left(unconfirmed: DataMessage[]): void;
  /** The join did not complete in time; `waiting`: what was issued meanwhile, never sent. */
  joinFailed(waiting: OutboxEntry[]): void;
  /**
   * A frame outside the views' streams (replies, client requests, view queries), whatever
   * the view of its sender: the layers above handle it.
   */
  direct(frame: Frame): void;
}

/** Why a member cannot go on: too few members of its view are reachable for its quorum policy. */
export interface BlockedReason {
  readonly code: 'NO_QUORUM';
  readonly message: string;
  readonly viewId: number;
  /** The members of the view this member still hears (itself included). */
  readonly reachable: readonly MemberId[];
}

/** A multicast waiting in the outbox, or a flush() waiting for what was sent before it. */
export type OutboxEntry =
  | { topic: string; payload: Uint8Array; options: SendOptions; sent: (message: DataMessage | null) => void }
  | { flushed: (ok: boolean) => void };

/** Multicasts sequenced in one turn at most, and messages in one packed frame: a turn stays short. */
const TURN_MESSAGES_MAX = 1024;

export interface MemberOptions {
  group: string;
  me: MemberId;
  wire: Wire;
  clock: Clock;
  random: Random;
  timing: Timing;
  /** Addresses of existing members to ask when joining. */
  seeds: readonly Address[];
  /** May this member form the group when no member answers? (Never on a rejoin.) */
  mayFormGroup: boolean;
  /**
   * The install that excluded this process's previous incarnation: handed on to members still
   * in the view before it, who may have no one else left to learn it from.
   */
  previousInstall?: FlushValue | null;
  /** Flow control: at most this many of this member's multicasts unstable at once. */
  windowMessagesMax: number;
  /** The coordinator admits no joiner that would make the view larger than this. */
  membersMax?: number;
  /** Which sets of members may install the next view (quorum-policy.ts). */
  quorum: QuorumPolicy;
  /** The group's epoch, if this process was a member before (a rejoin); 0: learned at the join. */
  epoch?: number;
  events: MemberEvents;
  /** Where to count (monotonic across incarnations when the Group passes the same object). */
  stats?: MemberStats;
}

export interface MemberStats {
  framesDropped: number;
  framesMalformed: number;
  /** Frames of another epoch: an earlier incarnation of the group (a replay), or another group of that name. */
  framesOtherEpoch: number;
  /** Well-formed frames that broke an invariant (a ballot out of reach, a cut that cannot apply ...). */
  framesRejected: number;
  /** Messages discarded at a flush because a causal predecessor was lost in a crash. */
  orphansDiscarded: number;
  /** Join requests this coordinator turned down: the view was full (membersMax). */
  joinsRefused: number;
  /** This member's multicasts sequenced and sent (calls and Cohort's own topics included). */
  messagesSent: number;
  /** Messages delivered to this member, its own included, in the order their order asks. */
  messagesDelivered: number;
  /** This member's messages sent again because a member asked for them (a nak). */
  messagesRetransmitted: number;
  /** Times a multicast had to wait because the send window was full or a member lagged. */
  windowWaits: number;
  /** Views installed (the one joined in included). */
  viewsInstalled: number;
}

/** Counters at zero: a Group keeps one object across its member's incarnations. */
export function emptyMemberStats(): MemberStats {
  return {
    framesDropped: 0, framesMalformed: 0, framesOtherEpoch: 0, framesRejected: 0, orphansDiscarded: 0, joinsRefused: 0,
    messagesSent: 0, messagesDelivered: 0, messagesRetransmitted: 0, windowWaits: 0, viewsInstalled: 0,
  };
}

const FUTURE_FRAMES_MAX = 10_000;
/** How far above the rounds seen in a view change a ballot may be and still be believed. */
const BALLOT_ROUND_STEP_MAX = 64;
/** A seq more than this (or four windows) above what a member holds of its sender is not believed. */
const SEQ_REACH_MIN = 1 << 20;
/** Joiners a coordinator remembers a nonce for; past it the oldest is forgotten (it asks again). */
const JOIN_NONCES_MAX = 10_000;

type Phase = 'joining' | 'member' | 'gone';

/**
 * One incarnation of a group member: the protocol stack from the wire up to ordered
 * delivery. Reliable FIFO multicast runs inside a view (ReliableChannel); membership changes
 * views by a flush agreed with single-decree Paxos (ViewChangeProposer on the coordinator,
 * the acceptor part here). The member never blocks on the application: deliveries are handed
 * up synchronously, in order, and the application queues them.
 */
export class Member {
  readonly me: MemberId;
  /** Counted where each event happens; the Group's object when it passes one, so counters outlive an incarnation. */
  readonly stats: MemberStats;
  /** This incarnation of the group (frame.ts): drawn when the group is formed, learned from the welcome. */
  private groupEpoch: number;
  /** The highest ballot round seen in this view's change: a ballot far beyond it is not believed. */
  private roundsSeen = 0;
  /** When the current view was installed: rounds may grow with the time since (ballotProblem). */
  private installedAtMs = 0;
  private phase: Phase = 'joining';
  private currentView: View | null = null;
  private channel: ReliableChannel | null = null;
  /** The value that installed the current view, to hand to members that missed it. */
  private lastInstall: FlushValue | null = null;
  /** Set once this member promised a view change: no delivery and no sending until the next view. */
  private blocked = false;
  private cutApplied = false;
  private promised: Ballot | null = null;
  private accepted: { ballot: Ballot; value: FlushValue } | null = null;
  private readonly detector = new FailureDetector();
  private proposer: ViewChangeProposer | null = null;
  private readonly joins = new Set<MemberId>();
  private readonly leaves = new Set<MemberId>();
  private leaving = false;
  /** Members of the view whose last heartbeat said they are blocked in a view change. */
  private readonly flushingPeers = new Set<MemberId>();
  private outbox: OutboxEntry[] = [];
  private drainScheduled = false;
  private readonly seedOutcomes = new Map<Address, string>();
  /** Joining: the acceptor's part as a restarted member's stand-in; forming a group from seeds. */
  private readonly standIn = new StandInAcceptor();
  private bootstrap: BootstrapVote | null = null;
  private lastTickMs = 0;
  private blockedReason: BlockedReason | null = null;
  /** The application lags: acks are held back (ReliableChannel.holdAcks), and heartbeats say so. */
  private acksHeld = false;
  /** Members of the view whose application lags: no new multicast goes out until they catch up. */
  private readonly slowPeers = new Set<MemberId>();
  /** A multicast waits for the window now (stats.windowWaits counts each wait once). */
  private windowWaiting = false;
  /** flush() callers waiting for this member's messages up to `seq` of view `viewId` to be stable. */
  private stableWaiters: { viewId: number; seq: number; flushed: (ok: boolean) => void }[] = [];
  private stage: OrderStage | null = null;
  /** The vector timestamp this member last sent (the base of the next delta): its sent past. */
  private lastSentDeps: number[] = [];
  /** Seq of this member's last application multicast in the view (announcements excluded). */
  private lastOwnAppSeq = 0;
  private announceScheduled = false;
  /** Data multicast in this turn, sent as one frame when the turn ends (packing). */
  private packed: DataBody[] = [];
  private packView: View | null = null;
  /** Data received since this member last sent its acks: past a quarter window it acks at once. */
  private receivedSinceAck = 0;
  private futureFrames: Frame[] = [];
  private readonly welcomes = new Map<MemberId, WelcomeBody>();
  private readonly lastNoticeMs = new Map<MemberId, number>();
  private readonly timers = new Set<TimerHandle>();
  private nakScheduled = false;
  private joinStartedMs = 0;
  private heardFromGroup = false;
  private coordinatorHint: Address | null = null;
  /** Joiner: the member that handed it a nonce lately, the only one a stand-in votes for. */
  private admittingCoordinator: MemberId | null = null;
  /**
   * Joiner: the epoch of that coordinator's join-pending. A joiner takes frames of any epoch
   * (it has none yet), but its stand-in votes only on ballots under this one: a prepare or
   * accept replayed from an earlier life of the group would otherwise buy its promise.
   */
  private admittingEpoch = 0;
  /** Joiner: the coordinator's nonce to echo (0 until it gave one). */
  private joinNonce = 0;
  /** Coordinator: the nonce handed to each joiner lately. */
  private readonly joinNonces = new Map<MemberId, { nonce: number; atMs: number }>();

  constructor(private readonly options: MemberOptions) {
    this.me = options.me;
    this.stats = options.stats ?? emptyMemberStats();
    this.groupEpoch = options.epoch ?? 0;
  }

  get epoch(): number {
    return this.groupEpoch;
  }

  get view(): View | null {
    return this.currentView;
  }

  get isMember(): boolean {
    return this.phase === 'member';
  }

  get isGone(): boolean {
    return this.phase === 'gone';
  }

  /** Unstable messages held in memory (for tests and stats: bounded in a long run). */
  get heldMessages(): number {
    return this.channel?.heldCount() ?? 0;
  }

  /** Messages received and not yet delivered because their order holds them (causal, total, safe, group). */
  get orderQueueMessages(): number {
    return this.stage?.heldCount ?? 0;
  }

  /**
   * The send window: this member's unstable multicasts (`messages`, at most windowMessagesMax
   * before the next waits) and the members whose application lags (any one holds sending back).
   */
  get window(): { messages: number; messagesMax: number; slowMembers: number } {
    const channel = this.channel;
    const messages = channel ? channel.sentHigh - channel.stableSeq(channel.myRank) : 0;
    return { messages, messagesMax: this.options.windowMessagesMax, slowMembers: this.slowPeers.size };
  }

  start(): void {
    this.options.wire.onFrame((from, bytes) => this.onBytes(from, bytes));
    this.options.wire.onPeerDown?.((address, reason) => this.onPeerDown(address, reason));
    this.options.wire.onRejected?.((address, reason) => this.noteSeed(address, reason));
    this.joinStartedMs = this.options.clock.now();
    this.lastTickMs = this.joinStartedMs;
    const others = this.options.seeds.filter((seed) => seed !== this.options.wire.address);
    if (this.options.mayFormGroup) this.bootstrap = new BootstrapVote(this.options.wire.address, others, this.options.timing.discoveryTimeoutMs);
    if (others.length === 0 && this.options.mayFormGroup) {
      this.formGroup();
    } else {
      this.joinTick();
    }
    this.every(this.options.timing.heartbeatIntervalMs, () => this.tick());
  }

  /** Multicasts issued and not yet sent (waiting for a view change or for the window). */
  get pendingCount(): number {
    return this.outbox.length;
  }

  /** Sends (or queues while a view change is running) one multicast. */
  multicast(topic: string, payload: Uint8Array, options: SendOptions = { order: 'fifo', safe: false }): Promise<DataMessage | null> {
    return new Promise((resolve) => {
      if (this.phase === 'gone') return resolve(null);
      this.outbox.push({ topic, payload, options, sent: resolve });
      this.drainOutbox();
    });
  }

  /** Queues one multicast or flush() caller (settled at once if this incarnation is gone). */
  /**
   * Queues multicasts (and flush() calls) to go out in this order. Several are queued at once
   * before any is sent: sending one may deliver messages whose handlers multicast, and those
   * must queue behind all of these.
   */
  enqueue(...entries: OutboxEntry[]): void {
    if (this.phase === 'gone') {
      for (const entry of entries) if ('flushed' in entry) entry.flushed(false); else entry.sent(null);
      return;
    }
    this.outbox.push(...entries);
    this.drainOutbox();
  }

  /** Takes a multicast back that is still waiting in the outbox (its call timed out); true if it was. */
  withdraw(sent: (message: DataMessage | null) => void): boolean {
    const index = this.outbox.findIndex((entry) => 'sent' in entry && entry.sent === sent);
    if (index < 0) return false;
    this.outbox.splice(index, 1);
    return true;
  }

  /**
   * The multicasts and flush() callers still waiting (never sent, so never resolved), taken
   * out for the next incarnation to send; calls stay (their caller was told).
   */
  handOver(): OutboxEntry[] {
    const taken = this.outbox.filter((entry) => !('sent' in entry) || !entry.options.call);
    this.outbox = this.outbox.filter((entry) => 'sent' in entry && entry.options.call);
    return taken;
  }

  /** Multicasts handed over by an earlier incarnation go first, in their order. */
  adopt(entries: readonly OutboxEntry[]): void {
    if (this.phase === 'gone') {
      for (const entry of entries) if ('flushed' in entry) entry.flushed(false); else entry.sent(null);
      return;
    }
    this.outbox.unshift(...entries);
    this.drainOutbox();
  }

  /**
   * What this member multicast in its current view that it cannot confirm every survivor
   * delivers: beyond the cut of the install that excluded it, if it has that install; else
   * everything not yet stable (held by every member). Announcements are the protocol's own.
   */
  unconfirmed(exitInstall: FlushValue | null): DataMessage[] {
    const channel = this.channel;
    if (!channel) return [];
    const cut = exitInstall && exitInstall.viewId === channel.view.id + 1 ? exitInstall.targets[channel.myRank] : undefined;
    const confirmed = cut ?? channel.stableSeq(channel.myRank);
    const seqs: number[] = [];
    for (let seq = confirmed + 1; seq <= channel.sentHigh; seq++) seqs.push(seq);
    return channel.ownMessages(seqs).filter((message) => message.order !== 'announce');
  }

  /** Flow control from the application: hold acks back while its queue is over its mark. */
  holdAcks(hold: boolean): void {
    if (this.acksHeld === hold) return;
    this.acksHeld = hold;
    this.channel?.holdAcks(hold);
    // Tell the senders now, not at the next tick.
    if (this.phase === 'member' && this.channel) this.sendHeartbeats();
  }

  get status(): { blocked: BlockedReason | null } {
    return { blocked: this.blockedReason };
  }

  /**
   * Resolves true once every multicast this member issued so far is stable (held by every
   * member of its view), or its view ended (the flush then delivered it to every survivor);
   * false if the member stops first.
   */
  flush(): Promise<boolean> {
    return new Promise((flushed) => {
      if (this.phase === 'gone') return flushed(false);
      this.outbox.push({ flushed });
      this.drainOutbox();
    });
  }

  leave(): void {
    if (this.phase !== 'member') return;
    this.leaving = true;
    this.requestLeave();
  }

  /** Stops everything at once (a crash as far as the others can tell). */
  stop(): void {
    if (this.phase === 'gone') return;
    this.phase = 'gone';
    this.proposer?.stop();
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    for (const pending of this.outbox.splice(0)) {
      if ('flushed' in pending) pending.flushed(false);
      else pending.sent(null);
    }
    for (const waiter of this.stableWaiters.splice(0)) waiter.flushed(false);
  }

  // --- sending -------------------------------------------------------------------------

  private send(to: MemberId | Address, body: FrameBody, toAddress = false): void {
    // Data first: a control frame never overtakes the data this member multicast before it.
    this.sendPacked();
    const frame: Frame = { epoch: this.groupEpoch, group: this.options.group, from: this.me, viewId: this.currentView?.id ?? 0, body };
    const address = toAddress ? to : addressOf(to);
    if (!toAddress && to === this.me) {
      // Our own control frames take the same path as everyone's, one turn later.
      this.options.clock.defer(() => this.onFrame(frame));
      return;
    }
    this.options.wire.send(address, encodeFrame(frame));
  }

  private drainOutbox(): void {
    if (this.phase !== 'member' || this.blocked || !this.channel) return;
    const channel = this.channel;
    const window = this.options.windowMessagesMax;
    let taken = 0;
    for (const pending of this.outbox) {
      // Flow control: beyond the window the rest waits in the outbox (multicast() does not
      // resolve), until acks make earlier messages stable.
      if (!('flushed' in pending) && (this.slowPeers.size > 0 || channel.sentHigh - channel.stableSeq(channel.myRank) >= window)) {
        // Counted once per wait, not once per attempt to drain.
        if (!this.windowWaiting) this.stats.windowWaits++;
        this.windowWaiting = true;
        break;
      }
      this.windowWaiting = false;
      if (taken === TURN_MESSAGES_MAX) {
        // A turn stays short (heartbeats and acks go out between turns): the rest next turn.
        this.scheduleDrain();
        break;
      }
      taken++;
      if ('flushed' in pending) {
        this.stableWaiters.push({ viewId: channel.view.id, seq: channel.sentHigh, flushed: pending.flushed });
        continue;
      }
      const message = this.sequenceAndSend(pending.topic, pending.payload, this.metaFor(pending.options));
      this.lastOwnAppSeq = message.seq;
      this.stats.messagesSent++;
      this.options.events.sent(message);
      pending.sent(message);
    }
    this.outbox.splice(0, taken);
    if (this.outbox.length === 0) this.windowWaiting = false;
    this.deliverReady();
    this.resolveStableWaiters();
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    this.options.clock.defer(() => {
      this.drainScheduled = false;
      this.drainOutbox();
    });
  }

  private resolveStableWaiters(): void {
    if (this.stableWaiters.length === 0 || !this.channel) return;
    const channel = this.channel;
    const stable = channel.stableSeq(channel.myRank);
    this.stableWaiters = this.stableWaiters.filter((waiter) => {
      const done = waiter.viewId < channel.view.id || (waiter.viewId === channel.view.id && waiter.seq <= stable);
      if (done) waiter.flushed(true);
      return !done;
    });
  }

  private sequenceAndSend(topic: string, payload: Uint8Array, meta: MessageMeta): DataMessage {
    const channel = this.channel!;
    const message = channel.sequence(topic, payload, meta);
    if (this.packed.length === 0) {
      this.packView = channel.view;
      this.options.clock.defer(() => this.sendPacked());
    }
    this.packed.push({ type: 'data', seq: message.seq, topic, payload, ...meta });
    if (this.packed.length >= TURN_MESSAGES_MAX) this.sendPacked();
    return message;
  }

  /** Sends the data packed in this turn: one frame per member, however many messages. */
  private sendPacked(): void {
    if (this.packed.length === 0 || !this.packView || this.phase === 'gone') return;
    const messages = this.packed;
    const view = this.packView;
    this.packed = [];
    const body: FrameBody = messages.length === 1 ? messages[0]! : { type: 'pack', messages };
    const frame = encodeFrame({ epoch: this.groupEpoch, group: this.options.group, from: this.me, viewId: view.id, body });
    for (const member of view.members) if (member !== this.me) this.options.wire.send(addressOf(member), frame);
  }

  /**
   * The header of a new multicast. Causal and total messages carry the vector timestamp of
   * what this member has delivered, raised to a causal context of the same view if one is
   * given (a context of an older view is satisfied: the flush ended that view); only the
   * entries changed since the previous one travel.
   */
  private metaFor(options: SendOptions): MessageMeta {
    const safe = options.safe ? { safe: true } : {};
    // Every message carries its sender's causal past (a fifo message only does not wait for
    // it); a gbcast waits for the next flush, where every member delivers it at one point.
    const order = options.order === 'fifo' ? {} : { order: options.order };
    const deps = this.stage!.vector();
    const context = options.context;
    if (context && context.viewId === this.currentView!.id) {
      context.deps.forEach((seq, rank) => { if (rank < deps.length && seq > deps[rank]!) deps[rank] = seq; });
    }
    // What this member's earlier messages depended on stays in its past (process order), even
    // when the context they were issued in is gone: the vector only grows within a view.
    this.lastSentDeps.forEach((seq, rank) => { if (seq > deps[rank]!) deps[rank] = seq; });
    deps[this.channel!.myRank] = 0;
    const delta: [number, number][] = [];
    deps.forEach((seq, rank) => { if (seq !== (this.lastSentDeps[rank] ?? 0)) delta.push([rank, seq]); });
    this.lastSentDeps = deps;
    const depsDelta: DepsDelta = delta;
    const call = options.call ? { call: options.call } : {};
    const requestKey = options.requestKey ? { requestKey: options.requestKey } : {};
    return { ...order, depsDelta, ...safe, ...call, ...requestKey };
  }

  private deliverReady(): void {
    if (this.blocked || !this.channel || !this.stage || this.phase !== 'member') return;
    const channel = this.channel;
    for (const message of channel.takeDeliverable()) this.stage.accept(channel.rankOf(message.sender)!, message);
    this.stage.drain();
    if (this.stage.hasUnannounced && !this.announceScheduled) {
      // Positions given in this turn travel together, at the end of it.
      this.announceScheduled = true;
      const stage = this.stage;
      this.options.clock.defer(() => {
        this.announceScheduled = false;
        if (this.stage !== stage || this.blocked || this.phase !== 'member') return;
        stage.flushAnnouncements();
        // Delivering what the announcement allowed may have given new positions: next turn.
        this.deliverReady();
      });
    }
  }

  /** Sequencer: the positions it gave go out as one message of its own FIFO stream. */
  private announce(entries: readonly OrderEntry[]): void {
    this.sequenceAndSend('', encodeAnnouncement(entries), { order: 'announce' });
    this.deliverReady();
  }

  /**
   * The causal context of this member in the current view: what it has delivered, and every
   * multicast it has sent (a reply that carries it orders the caller's next requests after them).
   */
  causalVector(): { viewId: number; deps: number[] } | null {
    if (!this.stage || !this.channel || !this.currentView) return null;
    const deps = this.stage.vector();
    this.lastSentDeps.forEach((seq, rank) => { if (seq > deps[rank]!) deps[rank] = seq; });
    deps[this.channel.myRank] = Math.max(deps[this.channel.myRank]!, this.lastOwnAppSeq);
    return { viewId: this.currentView.id, deps };
  }

  // --- receiving -----------------------------------------------------------------------

  private onBytes(address: Address, bytes: Uint8Array): void {
    if (this.phase === 'gone') return;
    if (this.phase === 'joining') this.noteSeed(address, 'answered');
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      this.stats.framesMalformed++;
      return;
    }
    // Our own frames never come back over the wire (they take clock.defer): one that claims to
    // is forged or replayed.
    if (frame.group !== this.options.group || frame.from === this.me) {
      this.stats.framesDropped++;
      return;
    }
    if ((frame.epoch ?? 0) !== this.groupEpoch && !this.acceptsAnyEpoch(frame)) {
      this.stats.framesOtherEpoch++;
      return;
    }
    this.onFrame(frame);
  }

  /**
   * Frames of another epoch are dropped, but for those of senders that cannot know it yet: a
   * joiner (or a restarted member's stand-in) and clients, and what a joiner hears before it
   * learns the epoch from its welcome.
   */
  private acceptsAnyEpoch(frame: Frame): boolean {
    const type = frame.body.type;
    if (this.phase === 'joining') {
      return type === 'join-request' || type === 'join-pending' || type === 'welcome' || type === 'prepare' || type === 'accept';
    }
    if ((frame.epoch ?? 0) !== 0) return false;
    if (type === 'join-request' || type === 'client-request' || type === 'view-query') return true;
    return (type === 'promise' || type === 'accepted') && this.joins.has(frame.from);
  }

  private reject(frame: Frame, reason: string): void {
    this.stats.framesRejected++;
    this.options.events.rejected(frame.from, frame.body.type, reason);
  }

  /**
   * A ballot is believed only from the member whose rank it names, and only a little above the
   * rounds seen in this view: a forged ballot of an absurd round would otherwise outbid every
   * honest coordinator for good.
   */
  private ballotProblem(from: MemberId, ballot: Ballot, ownRank: boolean): string | null {
    const view = this.currentView!;
    if (ballot.rank >= view.members.length) return `ballot rank ${ballot.rank} in a view of ${view.members.length}`;
    if (ownRank && view.members[ballot.rank] !== from) return `ballot of rank ${ballot.rank} sent by ${from}`;
    // A coordinator goes one round higher per attempt, at most once per retransmit interval, so
    // a member cut off for a while may see a round that far above what it saw: no more.
    const attempts = Math.floor((this.options.clock.now() - this.installedAtMs) / this.options.timing.retransmitIntervalMs);
    const ceiling = this.roundsSeen + BALLOT_ROUND_STEP_MAX + attempts;
    if (ballot.round > ceiling) return `ballot round ${ballot.round} far above the ${this.roundsSeen} seen (at most ${ceiling} now)`;
    if (ballot.round > this.roundsSeen) this.roundsSeen = ballot.round;
    return null;
  }

  private onFrame(frame: Frame): void {
    if (this.phase === 'gone') return;
    const body = frame.body;
    if (this.phase === 'joining') return this.onFrameWhileJoining(frame);
    switch (body.type) {
      case 'join-request': return this.onJoinRequest(frame.from, body.nonce);
      case 'join-pending': return this.onJoinPending(frame.from, frame.epoch ?? 0, body);
      case 'welcome': return this.onWelcome(frame.epoch ?? 0, body);
      case 'view-notice':
        // Only a member of the view it announces speaks for it.
        if (!body.members.includes(frame.from)) return this.reject(frame, 'a view-notice from outside the view it announces');
        return this.onViewNotice(body);
      case 'install': return this.onInstall(frame, body.value);
      case 'reply': case 'reply-ack': case 'client-request': case 'client-reject': case 'client-result': case 'view-query':
        return this.options.events.direct(frame);
      case 'promise': case 'accepted':
        // A restarted member's stand-in votes before it has a view (its frames say view 0).
        if (this.joins.has(frame.from)) return body.type === 'promise' ? this.proposer?.onPromise(frame.from, body) : this.proposer?.onAccepted(frame.from, body);
        break;
      default: break;
    }
    this.relayPreviousInstall(frame);
    const view = this.currentView;
    if (this.phase !== 'member' || !view) return;
    if (frame.viewId > view.id) {
      // Someone is ahead (a frame of a later view is no sign of life here: it may be forged in
      // a dead member's name, and one truly ahead answers the nudge below): tell it where we are, and it hands us the install we missed (or
      // tells us we are out). Without this a member whose old view lists only dead members
      // would never hear of the new one.
      this.nudge(frame.from);
      if ((body.type === 'data' || body.type === 'pack' || body.type === 'heartbeat') && this.futureFrames.length < FUTURE_FRAMES_MAX) this.futureFrames.push(frame);
      else this.stats.framesDropped++;
      return;
    }
    if (frame.viewId < view.id) {
      this.helpLaggard(frame.from, frame.viewId);
      return;
    }
    const rank = this.channel!.rankOf(frame.from);
    if (rank === undefined) {
      this.stats.framesDropped++;
      return;
    }
    // Checked before the frame counts as a sign of life: frames forged in a dead member's name
    // must not keep it unsuspected (found by the campaign's hostile member, seed 184).
    const problem = this.sequenceProblem(rank, body) ?? this.ballotFrameProblem(frame);
    if (problem) return this.reject(frame, problem);
    this.detector.heard(frame.from, this.options.clock.now());
    switch (body.type) {
      case 'data': return this.onData(frame.from, rank, body);
      case 'pack':
        for (const data of body.messages) this.onData(frame.from, rank, data);
        return;
      case 'nak': return this.onNak(frame.from, body);
      case 'heartbeat': return this.onHeartbeat(frame.from, rank, body);
      case 'leave-request': return this.onLeaveRequest(frame.from);
      case 'prepare': return this.onPrepare(frame.from, body.ballot);
      case 'promise':
        this.proposer?.observe(body.ballot);
        return this.proposer?.onPromise(frame.from, body);
      case 'reject': return this.proposer?.onReject(body);
      case 'accept': return this.onAccept(frame.from, body.ballot, body.value);
      case 'accepted': return this.proposer?.onAccepted(frame.from, body);
      default: this.stats.framesDropped++;
    }
  }

  /** Before it has a view a member joins, helps seeds form a group, and may stand in for its old incarnation. */
  private onFrameWhileJoining(frame: Frame): void {
    const body = frame.body;
    switch (body.type) {
      case 'join-request':
        if (body.candidate) this.bootstrap?.heard(addressOf(frame.from), body.vote, this.options.clock.now());
        return;
      case 'join-pending': return this.onJoinPending(frame.from, frame.epoch ?? 0, body);
      case 'welcome': return this.onWelcome(frame.epoch ?? 0, body);
      // A stand-in votes only for the coordinator that is admitting it (it handed this joiner
      // its nonce), under that coordinator's epoch: a forged or replayed ballot would otherwise
      // buy its promise. Others are dropped, not reported: an honest coordinator whose view
      // still lists this process's dead incarnation sends exactly these (campaign seed 3513).
      case 'prepare': {
        if (!this.isAdmittingCoordinator(frame)) {
          this.stats.framesDropped++;
          return;
        }
        const answer = this.standIn.onPrepare(frame.viewId, body.ballot);
        if (answer) this.send(frame.from, answer);
        return;
      }
      case 'accept': {
        if (!this.isAdmittingCoordinator(frame)) {
          this.stats.framesDropped++;
          return;
        }
        const answer = this.standIn.onAccept(frame.viewId, body.ballot, body.value);
        if (answer) this.send(frame.from, answer);
        return;
      }
      case 'reply': case 'reply-ack': case 'client-request': case 'client-reject': case 'client-result': case 'view-query':
        return this.options.events.direct(frame);
      default:
        this.relayPreviousInstall(frame);
    }
  }

  private isAdmittingCoordinator(frame: Frame): boolean {
    return this.admittingCoordinator === frame.from && (frame.epoch ?? 0) === this.admittingEpoch;
  }

  /** The wire saw a member's connection close or a dial to it refused: it crashed (not merely stalled). */
  private onPeerDown(address: Address, reason: PeerDownReason): void {
    if (this.phase === 'joining' && reason === 'refused') this.noteSeed(address, 'connection refused (nothing listens there)');
    const view = this.currentView;
    if (this.phase !== 'member' || !view) return;
    let any = false;
    for (const member of view.members) {
      if (member !== this.me && addressOf(member) === address && !this.detector.isSuspected(member)) {
        this.detector.suspect(member);
        any = true;
      }
    }
    if (!any) return;
    this.proposer?.suspicionChanged();
    if (this.actingCoordinator() === this.me) this.proposer?.maybeStart();
  }

  /** The ballot (and an accept's value) of a view-change frame, checked (ballotProblem). */
  private ballotFrameProblem(frame: Frame): string | null {
    const body = frame.body;
    switch (body.type) {
      case 'prepare': return this.ballotProblem(frame.from, body.ballot, true);
      case 'promise': return this.ballotProblem(frame.from, body.ballot, false);
      case 'reject': return this.ballotProblem(frame.from, body.promised, false);
      case 'accepted': return this.ballotProblem(frame.from, body.ballot, false);
      case 'accept': return this.ballotProblem(frame.from, body.ballot, true) ?? flushValueProblem(body.value, this.currentView!, null);
      default: return null;
    }
  }

  /**
   * A sender never has more than a window of unstable messages: a seq (or an advertised
   * high) far beyond what this member holds of it is forged, and would have it ask for
   * messages that never existed.
   */
  private sequenceProblem(rank: number, body: FrameBody): string | null {
    // Generous: a sender's window is its own option, and may be larger than this member's.
    const reach = this.channel!.streams[rank]!.contiguous + Math.max(4 * this.options.windowMessagesMax, SEQ_REACH_MIN);
    switch (body.type) {
      case 'data': return body.seq > reach ? `seq ${body.seq} beyond reach (${reach})` : null;
      case 'pack': return body.messages.some((m) => m.seq > reach) ? `a packed seq beyond reach (${reach})` : null;
      case 'heartbeat': return body.sentHigh > reach ? `advertised seq ${body.sentHigh} beyond reach (${reach})` : null;
      default: return null;
    }
  }

  private onData(from: MemberId, rank: number, body: DataBody): void {
    const channel = this.channel!;
    const { type: _type, ...fields } = body;
    const fresh = channel.receive(rank, { sender: from, viewId: channel.view.id, ...fields });
    if (!fresh) return;
    if (++this.receivedSinceAck >= this.options.windowMessagesMax / 4) this.sendHeartbeats();
    this.deliverReady();
    if (channel.streams[rank]!.contiguous < channel.streams[rank]!.knownHigh) this.scheduleNak();
  }

  private onNak(from: MemberId, body: NakBody): void {
    const channel = this.channel!;
    for (const message of channel.ownMessages(body.missing)) {
      const { sender: _sender, viewId: _viewId, ...fields } = message;
      this.stats.messagesRetransmitted++;
      this.send(from, { type: 'data', ...fields });
    }
  }

  private onHeartbeat(from: MemberId, rank: number, body: HeartbeatBody): void {
    const channel = this.channel!;
    channel.onHeartbeat(rank, body.sentHigh, body.acks);
    if (body.slow) this.slowPeers.add(from);
    else this.slowPeers.delete(from);
    // Stability moved: safe messages may now be delivered, the window may have room,
    // flush() callers may be done.
    this.deliverReady();
    this.drainOutbox();
    if (body.flushing) this.flushingPeers.add(from);
    else this.flushingPeers.delete(from);

    this.welcomes.delete(from);
    if (channel.streams[rank]!.contiguous < channel.streams[rank]!.knownHigh) this.scheduleNak();
  }

  private scheduleNak(): void {
    if (this.nakScheduled) return;
    this.nakScheduled = true;
    this.after(this.options.timing.nakDelayMs, () => {
      this.nakScheduled = false;
      this.sendNaks();
    });
  }

  private sendNaks(): void {
    const channel = this.channel;
    if (!channel || this.phase !== 'member') return;
    channel.view.members.forEach((member, rank) => {
      if (member === this.me) return;
      const missing = channel.missingFrom(rank);
      if (missing.length > 0) this.send(member, { type: 'nak', missing });
    });
  }

  // --- periodic work -------------------------------------------------------------------

  private tick(): void {
    const now = this.options.clock.now();
    const late = now - this.lastTickMs > this.options.timing.heartbeatIntervalMs + this.options.timing.suspectTimeoutMs / 2;
    this.lastTickMs = now;
    if (this.phase === 'joining') return this.joinTick();
    if (this.phase !== 'member' || !this.channel) return;
    this.sendHeartbeats();
    // This member's own loop stalled (GC, a long turn): the others' frames still wait unread
    // in its sockets, so their silence says nothing; it starts counting afresh.
    if (late) this.detector.pardon(now);
    this.detector.check(now, this.options.timing.suspectTimeoutMs, this.me);
    this.updateBlocked();
    this.sendNaks();
    if (this.leaving) this.requestLeave();
    // Any member blocked by a view change that did not complete (its coordinator failed or
    // lacked a majority) needs one to complete: the acting coordinator runs it.
    const reason = this.detector.anySuspected || this.joins.size > 0 || this.leaves.size > 0 || this.blocked
      || this.flushingPeers.size > 0 || this.stage!.hasPendingGroup;
    if (this.actingCoordinator() === this.me && reason) {
      this.proposer?.maybeStart();
    }
  }

  /** Blocked: the members this one still hears are no quorum, so no next view can be installed. */
  private updateBlocked(): void {
    const view = this.currentView!;
    const reachable = view.members.filter((member) => member === this.me || !this.detector.isSuspected(member));
    if (isQuorum(this.options.quorum, view, new Set(reachable))) return this.setBlocked(null);
    if (this.blockedReason?.viewId === view.id && this.blockedReason.reachable.length === reachable.length) return;
    this.setBlocked({
      code: 'NO_QUORUM', viewId: view.id, reachable,
      message: `${reachable.length} of the ${view.members.length} members of view ${view.id} are reachable (${reachable.join(', ')}): `
        + `the ${this.options.quorum.policy} quorum policy needs more to install a next view; this member waits until enough are back`,
    });
  }

  private setBlocked(reason: BlockedReason | null): void {
    if (reason === null && this.blockedReason === null) return;
    this.blockedReason = reason;
    this.options.events.blocked(reason);
  }

  /**
   * Heartbeats carry the ack vector. To every member of the view, suspected or not: a member
   * cut off by a partition learns it was excluded from the first answer it gets after the heal.
   */
  private sendHeartbeats(): void {
    const channel = this.channel!;
    this.receivedSinceAck = 0;
    const heartbeat: HeartbeatBody = {
      type: 'heartbeat', sentHigh: channel.sentHigh, acks: channel.ackVector(), flushing: this.blocked || this.stage!.hasPendingGroup, slow: this.acksHeld,
    };
    for (const member of channel.view.members) if (member !== this.me) this.send(member, heartbeat);
  }

  private actingCoordinator(): MemberId | undefined {
    return this.currentView?.members.find((m) => m === this.me || !this.detector.isSuspected(m));
  }

  // --- joining -------------------------------------------------------------------------

  /**
   * What a joiner last learned of each seed, for the JOIN_TIMEOUT that names them: answered,
   * refused, authentication failed, or (never set) no answer.
   */
  private noteSeed(address: Address, outcome: string): void {
    if (this.phase !== 'joining' || !this.options.seeds.includes(address)) return;
    this.seedOutcomes.set(address, outcome);
  }

  /** Each seed this joiner tried, with what it learned of it. */
  seedReport(): { address: Address; outcome: string }[] {
    return this.options.seeds.filter((seed) => seed !== this.options.wire.address)
      .map((address) => ({ address, outcome: this.seedOutcomes.get(address) ?? 'no answer' }));
  }

  private joinTick(): void {
    const now = this.options.clock.now();
    const timing = this.options.timing;
    if (now - this.joinStartedMs >= timing.joinTimeoutMs) {
      const waiting = this.handOver();
      this.stop();
      this.options.events.joinFailed(waiting);
      return;
    }
    const seeds = [...this.options.seeds, ...(this.coordinatorHint ? [this.coordinatorHint] : [])];
    if (this.bootstrap && !this.heardFromGroup && now - this.joinStartedMs >= timing.discoveryTimeoutMs && this.bootstrap.elected(now)) {
      // No group answered, and a majority of the seeds chose this member to form it.
      this.formGroup();
      return;
    }
    const request = { type: 'join-request', nonce: this.joinNonce, candidate: this.bootstrap !== null && !this.heardFromGroup, vote: this.bootstrap?.current ?? '' } as const;
    for (const seed of new Set(seeds)) if (seed !== this.options.wire.address) this.send(seed, request, true);
  }

  private onJoinRequest(joiner: MemberId, nonce: number): void {
    const view = this.currentView;
    if (this.phase !== 'member' || !view || joiner === this.me) return;
    if (view.members.includes(joiner)) {
      // In: no nonce of its is any good any more (a late echo may still be in flight).
      this.joinNonces.delete(joiner);
      const welcome = this.welcomes.get(joiner);
      if (welcome) this.send(joiner, welcome);
      return;
    }
    const coordinator = this.actingCoordinator()!;
    if (coordinator !== this.me) {
      this.send(joiner, { type: 'join-pending', coordinator, nonce: 0, round: this.proposer?.highestRoundSeen ?? 0 });
      return;
    }
    const now = this.options.clock.now();
    const issued = this.joinNonces.get(joiner);
    if (!issued || nonce !== issued.nonce || now - issued.atMs > this.options.timing.joinTimeoutMs) {
      // Not (or no longer) a live exchange: a fresh nonce to echo; a replay gets no further.
      const fresh = issued && now - issued.atMs <= this.options.timing.joinTimeoutMs ? issued : { nonce: 1 + this.options.random.int(0x7fff_ffff), atMs: now };
      this.joinNonces.set(joiner, fresh);
      if (this.joinNonces.size > JOIN_NONCES_MAX) this.joinNonces.delete(this.joinNonces.keys().next().value!);
      this.send(joiner, { type: 'join-pending', coordinator, nonce: fresh.nonce, round: this.proposer?.highestRoundSeen ?? 0 });
      return;
    }
    // One use: a copy of this very request, replayed later, meets a fresh nonce.
    this.joinNonces.delete(joiner);
    this.send(joiner, { type: 'join-pending', coordinator, nonce, round: this.proposer?.highestRoundSeen ?? 0 });
    // A new incarnation at the address of a member means that member restarted: it is gone.
    const address = addressOf(joiner);
    const restart = view.members.some((member) => addressOf(member) === address);
    if (!restart && !this.joins.has(joiner) && view.members.length + this.joins.size >= (this.options.membersMax ?? Infinity)) {
      // Full: the joiner hears "pending" and, never admitted, ends in JoinTimeoutError.
      this.stats.joinsRefused++;
      return;
    }
    this.joins.add(joiner);
    for (const member of view.members) if (member !== this.me && addressOf(member) === address) this.detector.suspect(member);
  }

  private onJoinPending(from: MemberId, epoch: number, body: JoinPendingBody): void {
    if (this.phase !== 'joining') return;
    this.heardFromGroup = true;
    this.coordinatorHint = addressOf(body.coordinator);
    if (from === body.coordinator && body.nonce !== 0) {
      this.admittingCoordinator = from;
      this.admittingEpoch = epoch;
      this.standIn.roundsSeen(body.round);
    }
    if (from === body.coordinator && body.nonce !== 0 && body.nonce !== this.joinNonce) {
      // The coordinator's challenge: echo it at once rather than at the next join tick.
      this.joinNonce = body.nonce;
      this.send(this.coordinatorHint, { type: 'join-request', nonce: this.joinNonce, candidate: false, vote: '' }, true);
    }
  }

  private onWelcome(epoch: number, body: WelcomeBody): void {
    if (this.phase !== 'joining' || !body.members.includes(this.me) || epoch === 0) return;
    this.groupEpoch = epoch;
    this.install({ id: body.viewId, members: body.members }, body.value, { state: body.state });
  }

  // --- leaving -------------------------------------------------------------------------

  private requestLeave(): void {
    const coordinator = this.actingCoordinator();
    if (coordinator === this.me) this.leaves.add(this.me);
    else if (coordinator) this.send(coordinator, { type: 'leave-request' });
  }

  private onLeaveRequest(from: MemberId): void {
    if (this.actingCoordinator() === this.me) this.leaves.add(from);
  }

  // --- view change: the acceptor's part --------------------------------------------------

  private onPrepare(from: MemberId, ballot: Ballot): void {
    this.proposer?.observe(ballot);
    if (this.promised && compareBallots(ballot, this.promised) < 0) {
      this.send(from, { type: 'reject', promised: this.promised });
      return;
    }
    this.promised = ballot;
    this.beginFlush();
    const channel = this.channel!;
    channel.freezeAcks();
    this.stage!.forgetUnannounced();
    const held = channel.held().map(({ sender, viewId: _viewId, ...fields }) => ({ senderRank: channel.rankOf(sender)!, ...fields }));
    this.send(from, { type: 'promise', ballot, digest: channel.digest(), held, accepted: this.accepted });
  }

  /** Stops this member for a view change's flush (it sends nothing new until the install). */
  private beginFlush(): void {
    if (!this.blocked && this.currentView) this.options.events.flushing?.(this.currentView.id);
    this.blocked = true;
  }

  private onAccept(from: MemberId, ballot: Ballot, value: FlushValue): void {
    const view = this.currentView!;
    if (this.promised && compareBallots(ballot, this.promised) < 0) {
      this.send(from, { type: 'reject', promised: this.promised });
      return;
    }
    if (value.viewId !== view.id + 1 || value.targets.length !== view.members.length) return;
    this.promised = ballot;
    this.beginFlush();
    this.channel!.freezeAcks();
    // The cut is applied only once the value is chosen (install): a value accepted here may
    // still lose to another, and nothing may be delivered on the strength of it.
    this.accepted = { ballot, value };
    this.send(from, { type: 'accepted', ballot });
  }

  /** Delivers exactly the agreed prefix of every sender of the ending view, no more. */
  private applyCut(value: FlushValue): void {
    if (this.cutApplied) return;
    const channel = this.channel!;
    const view = channel.view;
    for (const { senderRank, ...fields } of value.messages) {
      const sender = view.members[senderRank];
      if (sender === undefined) return;
      channel.receive(senderRank, { sender, viewId: view.id, ...fields });
    }
    const stage = this.stage!;
    channel.streams.forEach((stream, rank) => {
      const target = value.targets[rank]!;
      if (stream.delivered > target) throw new Error(`flush invariant: ${this.me} delivered ${rank}:${stream.delivered} beyond cut ${target}`);
      while (stream.delivered < target) {
        const message = stream.store.get(stream.delivered + 1);
        if (!message) throw new Error(`flush invariant: ${this.me} lacks ${rank}:${stream.delivered + 1} of the cut`);
        stream.delivered++;
        stage.accept(rank, message);
      }
    });
    stage.drainAtCut();
    this.stats.orphansDiscarded += stage.discarded;
    this.cutApplied = true;
  }

  private onInstall(frame: Frame, value: FlushValue): void {
    const view = this.currentView;
    if (this.phase !== 'member' || !view || value.viewId !== view.id + 1) return;
    // An install comes from a member of the ending view (the coordinator, a member that applied
    // it, an excluded one rejoining at its address) or of the next one (a joiner that has it
    // from its welcome): from anyone else it is forged.
    const address = addressOf(frame.from);
    if (!value.members.includes(frame.from) && !view.members.some((member) => addressOf(member) === address)) {
      return this.reject(frame, 'an install from outside the views it ends and begins');
    }
    // A member the install leaves out applies no cut: only the value's shape is checked.
    const applies = value.members.includes(this.me) && !this.cutApplied;
    const sentHigh = this.channel?.sentHigh ?? 0;
    const own = this.channel ? value.targets[this.channel.myRank] ?? 0 : 0;
    const problem = flushValueProblem(value, view, applies ? this.channel : null)
      // Nobody can have delivered more of this member's messages than it sent.
      ?? (own > sentHigh ? `its cut ${own} of this member's messages is beyond the ${sentHigh} it sent` : null);
    if (problem) return this.reject(frame, `install: ${problem}`);
    if (!value.members.includes(this.me)) {
      this.exit(value);
      return;
    }
    this.applyCut(value);
    this.install({ id: value.viewId, members: value.members }, value, null);
  }

  private onViewNotice(body: ViewNoticeBody): void {
    const view = this.currentView;
    if (this.phase !== 'member' || !view || body.viewId <= view.id) return;
    // One view ahead and still a member: an install will reach us from someone who has it.
    if (body.viewId === view.id + 1 && body.members.includes(this.me)) return;
    this.exit();
  }

  /** Out of the group: a completed leave, or exclusion. */
  private exit(install: FlushValue | null = null): void {
    const lastView = this.currentView;
    const leaving = this.leaving;
    // A leaver's flush normally delivers all it sent; what the cut left out, or what it cannot
    // confirm when it learned of its leave without the install, is reported too.
    const unconfirmed = this.unconfirmed(install);
    const waiting = leaving ? [] : this.handOver();
    this.stop();
    if (leaving) this.options.events.left(unconfirmed);
    else this.options.events.excluded(lastView, install, unconfirmed, waiting);
  }

  /** A member of the excluding install's view, still behind it: hand it the install. */
  private relayPreviousInstall(frame: Frame): void {
    const install = this.options.previousInstall;
    if (!install || frame.viewId !== install.viewId - 1 || !install.members.includes(frame.from)) return;
    if (!this.mayAnswer(frame.from)) return;
    this.send(frame.from, { type: 'install', value: install });
  }

  private nudge(member: MemberId): void {
    const channel = this.channel!;
    if (!this.mayAnswer(member)) return;
    this.send(member, { type: 'heartbeat', sentHigh: channel.sentHigh, acks: channel.ackVector(), flushing: this.blocked, slow: this.acksHeld });
  }

  /** Answers to one member that is behind or ahead go out at most once per retransmit interval. */
  private mayAnswer(member: MemberId): boolean {
    const now = this.options.clock.now();
    if (now - (this.lastNoticeMs.get(member) ?? -Infinity) < this.options.timing.retransmitIntervalMs) return false;
    this.lastNoticeMs.set(member, now);
    return true;
  }

  /** A member still in an older view: hand it the install it missed, or the current view. */
  private helpLaggard(member: MemberId, itsViewId: number): void {
    const view = this.currentView!;
    if (!this.mayAnswer(member)) return;
    // One view behind: the install it missed (if it is not in it, the install tells it so).
    if (this.lastInstall && itsViewId === view.id - 1) {
      this.send(member, { type: 'install', value: this.lastInstall });
    } else {
      this.send(member, { type: 'view-notice', viewId: view.id, members: view.members });
    }
  }

  // --- installing a view ---------------------------------------------------------------

  /** A new group: a new epoch, so no frame of an earlier group of this name acts on it. */
  private formGroup(): void {
    this.groupEpoch = 1 + this.options.random.int(EPOCH_MAX - 1);
    this.install({ id: 1, members: [this.me] }, null, { state: null });
  }

  private install(view: View, value: FlushValue | null, joined: { state: Uint8Array | null } | null): void {
    this.sendPacked();
    const previous = this.currentView;
    this.phase = 'member';
    this.currentView = view;
    this.lastInstall = value;
    for (const member of view.members) this.joinNonces.delete(member);
    const myRank = view.members.indexOf(this.me);
    this.channel = new ReliableChannel(view, myRank);
    this.stage = new OrderStage(view, myRank, {
      deliver: (message) => {
        this.stats.messagesDelivered++;
        this.options.events.deliver(message, view);
      },
      announce: (entries) => this.announce(entries),
      isStable: (rank, seq) => this.channel!.stableSeq(rank) >= seq,
      ...(this.options.events.held ? { held: this.options.events.held } : {}),
    });
    this.lastSentDeps = [];
    this.lastOwnAppSeq = 0;
    this.resolveStableWaiters();
    this.blocked = false;
    this.cutApplied = false;
    this.roundsSeen = 0;
    this.installedAtMs = this.options.clock.now();
    this.promised = null;
    this.accepted = null;
    this.lastNoticeMs.clear();
    this.welcomes.clear();
    this.flushingPeers.clear();
    this.slowPeers.clear();
    if (this.acksHeld) this.channel.holdAcks(true);
    this.setBlocked(null);
    this.stats.viewsInstalled++;
    this.detector.reset(view.members, this.options.clock.now());
    this.proposer?.stop();
    this.proposer = new ViewChangeProposer(this.proposerHost(view, myRank));
    for (const member of view.members) this.joins.delete(member);
    for (const member of [...this.leaves]) if (!view.members.includes(member)) this.leaves.delete(member);
    this.options.events.install(view, joined);
    if (previous && value) this.welcomeJoiners(previous, view, value);
    const future = this.futureFrames;
    this.futureFrames = [];
    for (const frame of future) this.onFrame(frame);
    this.drainOutbox();
  }

  /**
   * Every old member of a view with joiners captures the state at the install point; the
   * first (the state provider) sends it at once, and any of them answers a joiner that asks
   * again, so a joiner is not left listed but never welcomed when the provider crashes.
   */
  private welcomeJoiners(previous: View, view: View, value: FlushValue): void {
    const joiners = view.members.filter((m) => !previous.members.includes(m));
    if (joiners.length === 0) return;
    const provider = view.members.find((m) => previous.members.includes(m));
    void this.options.events.captureState().then((state) => {
      if (this.currentView !== view || this.phase !== 'member') return;
      for (const joiner of joiners) {
        const welcome: WelcomeBody = { type: 'welcome', viewId: view.id, members: view.members, state, value };
        this.welcomes.set(joiner, welcome);
        if (provider === this.me) this.send(joiner, welcome);
      }
    });
  }

  private proposerHost(view: View, myRank: number): ProposerHost {
    const timing = this.options.timing;
    return {
      me: this.me,
      view,
      myRank,
      nowMs: () => this.options.clock.now(),
      setTimer: (delayMs, fn) => this.after(delayMs, fn),
      jitter: () => this.options.random.next(),
      send: (to, body: MembershipBody) => this.send(to, body),
      isSuspected: (member) => member !== this.me && this.detector.isSuspected(member),
      suspect: (member) => { if (member !== this.me) this.detector.suspect(member); },
      isQuorum: (voters, standIns) => isQuorumWithStandIns(this.options.quorum, view, voters, standIns),
      standInFor: (from) => this.standInFor(view, from),
      hasStandIn: (member) => [...this.joins].some((joiner) => this.standInFor(view, joiner) === member),
      pendingJoins: () => [...this.joins],
      pendingLeaves: () => this.leaves,
      retransmitIntervalMs: timing.retransmitIntervalMs,
      phaseTimeoutMs: timing.phaseTimeoutMs,
      retryDelayMs: timing.heartbeatIntervalMs * 2,
    };
  }

  /** The member of `view` that joiner `from` restarted from (same address, another incarnation). */
  private standInFor(view: View, from: MemberId): MemberId | undefined {
    if (!this.joins.has(from)) return undefined;
    const address = addressOf(from);
    return view.members.find((member) => member !== from && addressOf(member) === address);
  }

  // --- timers --------------------------------------------------------------------------

  private after(delayMs: number, fn: () => void): TimerHandle {
    const handle = this.options.clock.setTimer(delayMs, () => {
      this.timers.delete(handle);
      if (this.phase !== 'gone') fn();
    });
    this.timers.add(handle);
    return {
      cancel: () => {
        handle.cancel();
        this.timers.delete(handle);
      },
    };
  }

  private every(intervalMs: number, fn: () => void): void {
    const loop = (): void => {
      fn();
      if (this.phase !== 'gone') this.after(intervalMs, loop);
    };
    this.after(intervalMs, loop);
  }
}
