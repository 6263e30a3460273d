import type { Frame, FrameBody } from '../frames.js';
import type { Address, PeerDownReason } from '../../wire/wire.js';
import type { LayerContext } from '../incarnation.js';
import type { BlockedReason, OutboxEntry } from '../member-api.js';
import type { ReliableChannel } from '../reliable/reliable-channel.js';
import type { DataBody, HeartbeatBody } from '../reliable/reliable.header.js';
import type { StreamBody } from '../reliable/reliable-layer.js';
import { addressOf, type DataMessage, type MemberId, type View } from '../types.js';
import { Admission } from './admission.js';
import { FailureDetector } from './failure-detector.js';
import { FlushAcceptor } from './flush-acceptor.js';
import { Joiner } from './joiner.js';
import type { FlushValue, MembershipBody } from './membership.header.js';
import { isQuorum, isQuorumWithStandIns } from './quorum-policy.js';
import { ViewChangeProposer, type ProposerHost } from './view-change.proposer.js';
import { ViewGate } from './view-gate.js';

/** What membership/ sends down: frames, through the endpoint (transport/). */
export interface MembershipDown {
  epoch: number;
  send(to: MemberId | Address, viewId: number, body: FrameBody, toAddress?: boolean): void;
  multicast(view: View, body: DataBody): void;
  /** Sends the data packed in this turn now. */
  flushPack(): void;
}

/** What membership/ needs from the layers above it (reliable/, order/, flow/). */
export interface MembershipUp {
  /** reliable/: the current view's channel, which the flush reads and cuts. */
  channel(): ReliableChannel | null;
  /** A frame of the current view's streams from member `rank`, past the gate: reliable/ takes it. */
  streamFrame(from: MemberId, rank: number, body: StreamBody): void;
  /** reliable/: a seq far beyond reach is forged (checked before the frame counts as a sign of life). */
  sequenceProblem(rank: number, body: FrameBody): string | null;
  /** A view was installed: reliable/, order/ and flow/ start their per-view state, in that order. */
  viewInstalled(view: View, myRank: number): void;
  /** The new view is open (and frames that came early replayed): flow/ sends what waited. */
  viewOpened(): void;
  /** This member promised a view change: reliable/ freezes its acks, order/ gives up unannounced positions. */
  promised(): void;
  /** This member accepted a value: its acks stay frozen. */
  accepted(): void;
  /** The chosen value's cut: reliable/ passes each sender's prefix up to order/, which delivers it. */
  applyCut(value: FlushValue): boolean;
  /** reliable/: a heartbeat for one member (`flushing`: blocked in a view change). */
  heartbeat(flushing: boolean): HeartbeatBody;
  /** reliable/: heartbeats (acks) to the view, and NAKs for gaps: every tick. */
  sendHeartbeats(): void;
  sendNaks(): void;
  /** order/: a gbcast waits for a flush. */
  hasPendingGroup(): boolean;
  /** reliable/: this member's messages it cannot confirm every survivor delivers. */
  unconfirmed(install: FlushValue | null): DataMessage[];
  /** flow/: what never went out, for the next incarnation. */
  handOver(): OutboxEntry[];
  /** The whole incarnation stops (a crash as far as the others can tell). */
  stop(): void;
}

/**
 * membership/ as a layer: the view. It decides which frames belong to the current view (the
 * gate), runs joins (joiner.ts, admission.ts), leaves, failure detection, and view changes:
 * the coordinator's part (view-change.proposer.ts), the acceptor's (flush-acceptor.ts). It
 * installs each view, and tells the layers above to start afresh in it.
 */
export class MembershipLayer {
  currentView: View | null = null;
  /** The value that installed the current view, to hand to members that missed it. */
  lastInstall: FlushValue | null = null;
  /** Set once this member promised a view change: no delivery and no sending until the next view. */
  blocked = false;
  readonly detector = new FailureDetector();
  proposer: ViewChangeProposer | null = null;
  leaving = false;
  readonly gate: ViewGate;
  readonly joiner: Joiner;
  readonly admission: Admission;
  readonly acceptor: FlushAcceptor;
  /** Members of the view whose last heartbeat said they are blocked in a view change. */
  private readonly flushingPeers = new Set<MemberId>();
  private blockedReason: BlockedReason | null = null;
  private lastTickMs = 0;

  constructor(
    readonly ctx: LayerContext,
    readonly down: MembershipDown,
    readonly up: MembershipUp,
  ) {
    this.gate = new ViewGate(this);
    this.joiner = new Joiner(this);
    this.admission = new Admission(this);
    this.acceptor = new FlushAcceptor(this);
  }

  get status(): { blocked: BlockedReason | null } {
    return { blocked: this.blockedReason };
  }

  /** Is a view installed, and no view change stopping delivery and sending? */
  get isOpen(): boolean {
    return this.ctx.life.phase === 'member' && !this.blocked;
  }

  start(): void {
    const now = this.ctx.options.clock.now();
    this.lastTickMs = now;
    this.joiner.start(now);
    this.ctx.life.every(this.ctx.options.timing.heartbeatIntervalMs, () => this.tick());
  }

  /** One frame to a member (or, `toAddress`, to an address), labelled with the current view. */
  send(to: MemberId | Address, body: FrameBody, toAddress = false): void {
    this.down.send(to, this.currentView?.id ?? 0, body, toAddress);
  }

  reject(frame: Frame, reason: string): void {
    this.ctx.stats.framesRejected++;
    this.ctx.events.rejected(frame.from, frame.body.type, reason);
  }

  leave(): void {
    if (this.ctx.life.phase !== 'member') return;
    this.leaving = true;
    this.admission.requestLeave();
  }

  actingCoordinator(): MemberId | undefined {
    return this.currentView?.members.find((m) => m === this.ctx.me || !this.detector.isSuspected(m));
  }

  /** Up from reliable/: a member's heartbeat said whether it is blocked in a view change. */
  peerFlushing(member: MemberId, flushing: boolean): void {
    if (flushing) this.flushingPeers.add(member);
    else this.flushingPeers.delete(member);
    this.admission.welcomed(member);
  }

  /** Stops this member for a view change's flush (it sends nothing new until the install). */
  beginFlush(): void {
    if (!this.blocked && this.currentView) this.ctx.events.flushing?.(this.currentView.id);
    this.blocked = true;
  }

  /** The wire saw a member's connection close or a dial to it refused: it crashed (not merely stalled). */
  onPeerDown(address: Address, reason: PeerDownReason): void {
    if (this.ctx.life.phase === 'joining' && reason === 'refused')
      this.joiner.noteSeed(address, 'connection refused (nothing listens there)');
    const view = this.currentView;
    if (this.ctx.life.phase !== 'member' || !view) return;
    let any = false;
    for (const member of view.members) {
      if (member !== this.ctx.me && addressOf(member) === address && !this.detector.isSuspected(member)) {
        this.detector.suspect(member);
        any = true;
      }
    }
    if (!any) return;
    this.proposer?.suspicionChanged();
    if (this.actingCoordinator() === this.ctx.me) this.proposer?.maybeStart();
  }

  /** Out of the group: a completed leave, or exclusion. */
  exit(install: FlushValue | null = null): void {
    const lastView = this.currentView;
    const leaving = this.leaving;
    // A leaver's flush normally delivers all it sent; what the cut left out, or what it cannot
    // confirm when it learned of its leave without the install, is reported too.
    const unconfirmed = this.up.unconfirmed(install);
    const waiting = leaving ? [] : this.up.handOver();
    this.up.stop();
    if (leaving) this.ctx.events.left(unconfirmed);
    else this.ctx.events.excluded(lastView, install, unconfirmed, waiting);
  }

  install(view: View, value: FlushValue | null, joined: { state: Uint8Array | null } | null): void {
    const { ctx } = this;
    this.down.flushPack();
    const previous = this.currentView;
    ctx.life.phase = 'member';
    this.currentView = view;
    this.lastInstall = value;
    this.admission.forgetNonces(view);
    const myRank = view.members.indexOf(ctx.me);
    this.up.viewInstalled(view, myRank);
    this.blocked = false;
    this.acceptor.newView();
    this.gate.newView();
    this.admission.clearWelcomes();
    this.flushingPeers.clear();
    this.setBlocked(null);
    ctx.stats.viewsInstalled++;
    this.detector.reset(view.members, ctx.options.clock.now());
    this.proposer?.stop();
    this.proposer = new ViewChangeProposer(this.proposerHost(view, myRank));
    this.admission.installed(view);
    ctx.events.install(view, joined);
    if (previous && value) this.admission.welcomeJoiners(previous, view, value);
    this.gate.replayFuture();
    this.up.viewOpened();
  }

  // --- periodic work -------------------------------------------------------------------

  private tick(): void {
    const { options, life, me } = this.ctx;
    const now = options.clock.now();
    const late = now - this.lastTickMs > options.timing.heartbeatIntervalMs + options.timing.suspectTimeoutMs / 2;
    this.lastTickMs = now;
    if (life.phase === 'joining') return this.joiner.tick();
    if (life.phase !== 'member' || !this.up.channel()) return;
    this.up.sendHeartbeats();
    // This member's own loop stalled (GC, a long turn): the others' frames still wait unread
    // in its sockets, so their silence says nothing; it starts counting afresh.
    if (late) this.detector.pardon(now);
    this.detector.check(now, options.timing.suspectTimeoutMs, me);
    this.updateBlocked();
    this.up.sendNaks();
    if (this.leaving) this.admission.requestLeave();
    // Any member blocked by a view change that did not complete (its coordinator failed or
    // lacked a majority) needs one to complete: the acting coordinator runs it.
    const reason =
      this.detector.anySuspected || this.admission.pending || this.blocked || this.flushingPeers.size > 0 || this.up.hasPendingGroup();
    if (this.actingCoordinator() === me && reason) {
      this.proposer?.maybeStart();
    }
  }

  /** Blocked: the members this one still hears are no quorum, so no next view can be installed. */
  private updateBlocked(): void {
    const view = this.currentView!;
    const quorum = this.ctx.options.quorum;
    const reachable = view.members.filter((member) => member === this.ctx.me || !this.detector.isSuspected(member));
    if (isQuorum(quorum, view, new Set(reachable))) return this.setBlocked(null);
    if (this.blockedReason?.viewId === view.id && this.blockedReason.reachable.length === reachable.length) return;
    this.setBlocked({
      code: 'NO_QUORUM',
      viewId: view.id,
      reachable,
      message:
        `${reachable.length} of the ${view.members.length} members of view ${view.id} are reachable (${reachable.join(', ')}): ` +
        `the ${quorum.policy} quorum policy needs more to install a next view; this member waits until enough are back`,
    });
  }

  private setBlocked(reason: BlockedReason | null): void {
    if (reason === null && this.blockedReason === null) return;
    this.blockedReason = reason;
    this.ctx.events.blocked(reason);
  }

  private proposerHost(view: View, myRank: number): ProposerHost {
    const { options, me } = this.ctx;
    const timing = options.timing;
    return {
      me,
      view,
      myRank,
      nowMs: () => options.clock.now(),
      setTimer: (delayMs, fn) => this.ctx.life.after(delayMs, fn),
      jitter: () => options.random.next(),
      send: (to, body: MembershipBody) => this.send(to, body),
      isSuspected: (member) => member !== me && this.detector.isSuspected(member),
      suspect: (member) => {
        if (member !== me) this.detector.suspect(member);
      },
      isQuorum: (voters, standIns) => isQuorumWithStandIns(options.quorum, view, voters, standIns),
      standInFor: (from) => this.admission.standInFor(view, from),
      hasStandIn: (member) => this.admission.hasStandIn(view, member),
      pendingJoins: () => this.admission.pendingJoins(),
      pendingLeaves: () => this.admission.leaves,
      retransmitIntervalMs: timing.retransmitIntervalMs,
      phaseTimeoutMs: timing.phaseTimeoutMs,
      retryDelayMs: timing.heartbeatIntervalMs * 2,
    };
  }
}
