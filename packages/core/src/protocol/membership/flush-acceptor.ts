import type { Frame } from '../frames.js';
import { addressOf, type MemberId } from '../types.js';
import { flushValueProblem } from './flush-check.js';
import { compareBallots, type Ballot, type FlushValue, type ViewNoticeBody } from './membership.header.js';
import type { MembershipLayer } from './membership-layer.js';

/** How far above the rounds seen in a view change a ballot may be and still be believed. */
const BALLOT_ROUND_STEP_MAX = 64;

/**
 * The acceptor's part of a view change (the coordinator's: view-change.proposer.ts). A
 * promise stops this member (no delivery, no sending) and freezes its acks; an accept records
 * the value and nothing more; only the install applies the cut: exactly the agreed prefix of
 * every sender of the ending view, then the next view.
 */
export class FlushAcceptor {
  private promised: Ballot | null = null;
  private accepted: { ballot: Ballot; value: FlushValue } | null = null;
  private cutApplied = false;
  /** The highest ballot round seen in this view's change: a ballot far beyond it is not believed. */
  private roundsSeen = 0;
  /** When the current view was installed: rounds may grow with the time since (ballotProblem). */
  private installedAtMs = 0;

  constructor(private readonly layer: MembershipLayer) {}

  newView(): void {
    this.cutApplied = false;
    this.roundsSeen = 0;
    this.installedAtMs = this.layer.ctx.options.clock.now();
    this.promised = null;
    this.accepted = null;
  }

  onPrepare(from: MemberId, ballot: Ballot): void {
    const layer = this.layer;
    layer.proposer?.observe(ballot);
    if (this.promised && compareBallots(ballot, this.promised) < 0) {
      layer.send(from, { type: 'reject', promised: this.promised });
      return;
    }
    this.promised = ballot;
    layer.beginFlush();
    layer.up.promised();
    const channel = layer.up.channel()!;
    const held = channel.held().map(({ sender, viewId: _viewId, ...fields }) => ({ senderRank: channel.rankOf(sender)!, ...fields }));
    layer.send(from, { type: 'promise', ballot, digest: channel.digest(), held, accepted: this.accepted });
  }

  onAccept(from: MemberId, ballot: Ballot, value: FlushValue): void {
    const layer = this.layer;
    const view = layer.currentView!;
    if (this.promised && compareBallots(ballot, this.promised) < 0) {
      layer.send(from, { type: 'reject', promised: this.promised });
      return;
    }
    if (value.viewId !== view.id + 1 || value.targets.length !== view.members.length) return;
    this.promised = ballot;
    layer.beginFlush();
    layer.up.accepted();
    // The cut is applied only once the value is chosen (install): a value accepted here may
    // still lose to another, and nothing may be delivered on the strength of it.
    this.accepted = { ballot, value };
    layer.send(from, { type: 'accepted', ballot });
  }

  onInstall(frame: Frame, value: FlushValue): void {
    const layer = this.layer;
    const { me, life } = layer.ctx;
    const view = layer.currentView;
    if (life.phase !== 'member' || !view || value.viewId !== view.id + 1) return;
    // An install comes from a member of the ending view (the coordinator, a member that applied
    // it, an excluded one rejoining at its address) or of the next one (a joiner that has it
    // from its welcome): from anyone else it is forged.
    const address = addressOf(frame.from);
    if (!value.members.includes(frame.from) && !view.members.some((member) => addressOf(member) === address)) {
      return layer.reject(frame, 'an install from outside the views it ends and begins');
    }
    // A member the install leaves out applies no cut: only the value's shape is checked.
    const applies = value.members.includes(me) && !this.cutApplied;
    const channel = layer.up.channel();
    const sentHigh = channel?.sentHigh ?? 0;
    const own = channel ? (value.targets[channel.myRank] ?? 0) : 0;
    const problem =
      flushValueProblem(value, view, applies ? channel : null) ??
      // Nobody can have delivered more of this member's messages than it sent.
      (own > sentHigh ? `its cut ${own} of this member's messages is beyond the ${sentHigh} it sent` : null);
    if (problem) return layer.reject(frame, `install: ${problem}`);
    if (!value.members.includes(me)) {
      layer.exit(value);
      return;
    }
    this.applyCut(value);
    layer.install({ id: value.viewId, members: value.members }, value, null);
  }

  onViewNotice(body: ViewNoticeBody): void {
    const layer = this.layer;
    const view = layer.currentView;
    if (layer.ctx.life.phase !== 'member' || !view || body.viewId <= view.id) return;
    // One view ahead and still a member: an install will reach us from someone who has it.
    if (body.viewId === view.id + 1 && body.members.includes(layer.ctx.me)) return;
    layer.exit();
  }

  /** The ballot (and an accept's value) of a view-change frame, checked (ballotProblem). */
  ballotFrameProblem(frame: Frame): string | null {
    const body = frame.body;
    switch (body.type) {
      case 'prepare':
        return this.ballotProblem(frame.from, body.ballot, true);
      case 'promise':
        return this.ballotProblem(frame.from, body.ballot, false);
      case 'reject':
        return this.ballotProblem(frame.from, body.promised, false);
      case 'accepted':
        return this.ballotProblem(frame.from, body.ballot, false);
      case 'accept':
        return this.ballotProblem(frame.from, body.ballot, true) ?? flushValueProblem(body.value, this.layer.currentView!, null);
      default:
        return null;
    }
  }

  /** Delivers exactly the agreed prefix of every sender of the ending view, no more. */
  private applyCut(value: FlushValue): void {
    if (this.cutApplied) return;
    if (!this.layer.up.applyCut(value)) return;
    this.cutApplied = true;
  }

  /**
   * A ballot is believed only from the member whose rank it names, and only a little above the
   * rounds seen in this view: a forged ballot of an absurd round would otherwise outbid every
   * honest coordinator for good.
   */
  private ballotProblem(from: MemberId, ballot: Ballot, ownRank: boolean): string | null {
    const view = this.layer.currentView!;
    const { options } = this.layer.ctx;
    if (ballot.rank >= view.members.length) return `ballot rank ${ballot.rank} in a view of ${view.members.length}`;
    if (ownRank && view.members[ballot.rank] !== from) return `ballot of rank ${ballot.rank} sent by ${from}`;
    // A coordinator goes one round higher per attempt, at most once per retransmit interval, so
    // a member cut off for a while may see a round that far above what it saw: no more.
    const attempts = Math.floor((options.clock.now() - this.installedAtMs) / options.timing.retransmitIntervalMs);
    const ceiling = this.roundsSeen + BALLOT_ROUND_STEP_MAX + attempts;
    if (ballot.round > ceiling) return `ballot round ${ballot.round} far above the ${this.roundsSeen} seen (at most ${ceiling} now)`;
    if (ballot.round > this.roundsSeen) this.roundsSeen = ballot.round;
    return null;
  }
}
