import type { Frame } from '../frames.js';
import type { MemberId } from '../types.js';
import type { MembershipLayer } from './membership-layer.js';

/** Frames of a later view kept until its install arrives; past it they are dropped. */
const FUTURE_FRAMES_MAX = 10_000;

/**
 * The view gate: every frame of the stack's kinds that passed the endpoint comes here first
 * (the endpoint routes replies and client frames to the responder and the client service).
 * Frames outside the views' streams go to their handler whatever the sender's view (joins,
 * installs); the rest must be of this member's view, from a member of it, within reach: a frame of a
 * later view waits for the install (and its sender is told where this member is), one of an
 * earlier view gets help to catch up, and only then does the frame count as a sign of life
 * and go up (data, naks, heartbeats) or to the view change.
 */
export class ViewGate {
  private futureFrames: Frame[] = [];
  private readonly lastNoticeMs = new Map<MemberId, number>();

  constructor(private readonly layer: MembershipLayer) {}

  newView(): void {
    this.lastNoticeMs.clear();
  }

  /**
   * Frames of another epoch are dropped, but for those of senders that cannot know it yet: a
   * joiner (or a restarted member's stand-in) and clients, and what a joiner hears before it
   * learns the epoch from its welcome.
   */
  acceptsAnyEpoch(frame: Frame): boolean {
    const type = frame.body.type;
    if (this.layer.ctx.life.phase === 'joining') {
      return type === 'join-request' || type === 'join-pending' || type === 'welcome' || type === 'prepare' || type === 'accept';
    }
    if ((frame.epoch ?? 0) !== 0) return false;
    if (type === 'join-request' || type === 'client-request' || type === 'view-query') return true;
    return (type === 'promise' || type === 'accepted') && this.layer.admission.joins.has(frame.from);
  }

  onFrame(frame: Frame): void {
    const { ctx, admission, joiner, acceptor } = this.layer;
    if (ctx.life.phase === 'gone') return;
    const body = frame.body;
    if (ctx.life.phase === 'joining') return joiner.onFrame(frame);
    switch (body.type) {
      case 'join-request':
        return admission.onJoinRequest(frame.from, body.nonce);
      case 'join-pending':
        return joiner.onJoinPending(frame.from, frame.epoch ?? 0, body);
      case 'welcome':
        return joiner.onWelcome(frame.epoch ?? 0, body);
      case 'view-notice':
        // Only a member of the view it announces speaks for it.
        if (!body.members.includes(frame.from)) return this.layer.reject(frame, 'a view-notice from outside the view it announces');
        return acceptor.onViewNotice(body);
      case 'install':
        return acceptor.onInstall(frame, body.value);
      case 'promise':
      case 'accepted':
        // A restarted member's stand-in votes before it has a view (its frames say view 0).
        if (admission.joins.has(frame.from)) {
          return body.type === 'promise'
            ? this.layer.proposer?.onPromise(frame.from, body)
            : this.layer.proposer?.onAccepted(frame.from, body);
        }
        break;
      default:
        break;
    }
    this.relayPreviousInstall(frame);
    this.onViewFrame(frame);
  }

  /** Frames of a later view that came before its install, in their order. */
  replayFuture(): void {
    const future = this.futureFrames;
    this.futureFrames = [];
    for (const frame of future) this.onFrame(frame);
  }

  /** A member of the excluding install's view, still behind it: hand it the install. */
  relayPreviousInstall(frame: Frame): void {
    const install = this.layer.ctx.options.previousInstall;
    if (!install || frame.viewId !== install.viewId - 1 || !install.members.includes(frame.from)) return;
    if (!this.mayAnswer(frame.from)) return;
    this.layer.send(frame.from, { type: 'install', value: install });
  }

  private onViewFrame(frame: Frame): void {
    const layer = this.layer;
    const { ctx, up } = layer;
    const body = frame.body;
    const view = layer.currentView;
    if (ctx.life.phase !== 'member' || !view) return;
    if (frame.viewId > view.id) {
      // Someone is ahead (a frame of a later view is no sign of life here: it may be forged in
      // a dead member's name, and one truly ahead answers the nudge below): tell it where we are, and it hands us the install we missed (or
      // tells us we are out). Without this a member whose old view lists only dead members
      // would never hear of the new one.
      this.nudge(frame.from);
      if ((body.type === 'data' || body.type === 'pack' || body.type === 'heartbeat') && this.futureFrames.length < FUTURE_FRAMES_MAX)
        this.futureFrames.push(frame);
      else ctx.stats.framesDropped++;
      return;
    }
    if (frame.viewId < view.id) {
      this.helpLaggard(frame.from, frame.viewId);
      return;
    }
    const rank = up.channel()!.rankOf(frame.from);
    if (rank === undefined) {
      ctx.stats.framesDropped++;
      return;
    }
    // Checked before the frame counts as a sign of life: frames forged in a dead member's name
    // must not keep it unsuspected (found by the campaign's hostile member, seed 184).
    const problem = up.sequenceProblem(rank, body) ?? layer.acceptor.ballotFrameProblem(frame);
    if (problem) return layer.reject(frame, problem);
    layer.detector.heard(frame.from, ctx.options.clock.now());
    switch (body.type) {
      case 'data':
      case 'pack':
      case 'nak':
      case 'heartbeat':
        return up.streamFrame(frame.from, rank, body);
      case 'leave-request':
        return layer.admission.onLeaveRequest(frame.from);
      case 'prepare':
        return layer.acceptor.onPrepare(frame.from, body.ballot);
      case 'promise':
        layer.proposer?.observe(body.ballot);
        return layer.proposer?.onPromise(frame.from, body);
      case 'reject':
        return layer.proposer?.onReject(body);
      case 'accept':
        return layer.acceptor.onAccept(frame.from, body.ballot, body.value);
      case 'accepted':
        return layer.proposer?.onAccepted(frame.from, body);
      default:
        ctx.stats.framesDropped++;
    }
  }

  private nudge(member: MemberId): void {
    if (!this.mayAnswer(member)) return;
    this.layer.send(member, this.layer.up.heartbeat(this.layer.blocked));
  }

  /** Answers to one member that is behind or ahead go out at most once per retransmit interval. */
  private mayAnswer(member: MemberId): boolean {
    const { options } = this.layer.ctx;
    const now = options.clock.now();
    if (now - (this.lastNoticeMs.get(member) ?? -Infinity) < options.timing.retransmitIntervalMs) return false;
    this.lastNoticeMs.set(member, now);
    return true;
  }

  /** A member still in an older view: hand it the install it missed, or the current view. */
  private helpLaggard(member: MemberId, itsViewId: number): void {
    const view = this.layer.currentView!;
    if (!this.mayAnswer(member)) return;
    // One view behind: the install it missed (if it is not in it, the install tells it so).
    if (this.layer.lastInstall && itsViewId === view.id - 1) {
      this.layer.send(member, { type: 'install', value: this.layer.lastInstall });
    } else {
      this.layer.send(member, { type: 'view-notice', viewId: view.id, members: view.members });
    }
  }
}
