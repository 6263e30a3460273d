import type { Frame } from '../frames.js';
import { EPOCH_MAX } from '../frames.js';
import type { Address } from '../../wire/wire.js';
import { addressOf, type MemberId } from '../types.js';
import { BootstrapVote } from './bootstrap-vote.js';
import type { JoinPendingBody, WelcomeBody } from './membership.header.js';
import type { MembershipLayer } from './membership-layer.js';
import { StandInAcceptor } from './stand-in.js';

/**
 * The joiner's side of a join: before it has a view a member asks its seeds (every tick),
 * echoes the coordinator's nonce, installs the view its welcome brings, helps seeds form a
 * group when none answers (bootstrap-vote.ts), and may stand in for its old incarnation.
 */
export class Joiner {
  private readonly seedOutcomes = new Map<Address, string>();
  /** Joining: the acceptor's part as a restarted member's stand-in; forming a group from seeds. */
  private readonly standIn = new StandInAcceptor();
  private bootstrap: BootstrapVote | null = null;
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

  constructor(private readonly layer: MembershipLayer) {}

  start(nowMs: number): void {
    const { options } = this.layer.ctx;
    this.joinStartedMs = nowMs;
    const others = options.seeds.filter((seed) => seed !== options.wire.address);
    if (options.mayFormGroup) this.bootstrap = new BootstrapVote(options.wire.address, others, options.timing.discoveryTimeoutMs);
    if (others.length === 0 && options.mayFormGroup) {
      this.formGroup();
    } else {
      this.tick();
    }
  }

  /**
   * What a joiner last learned of each seed, for the JOIN_TIMEOUT that names them: answered,
   * refused, authentication failed, or (never set) no answer.
   */
  noteSeed(address: Address, outcome: string): void {
    if (this.layer.ctx.life.phase !== 'joining' || !this.layer.ctx.options.seeds.includes(address)) return;
    this.seedOutcomes.set(address, outcome);
  }

  /** Each seed this joiner tried, with what it learned of it. */
  seedReport(): { address: Address; outcome: string }[] {
    const options = this.layer.ctx.options;
    return options.seeds
      .filter((seed) => seed !== options.wire.address)
      .map((address) => ({ address, outcome: this.seedOutcomes.get(address) ?? 'no answer' }));
  }

  tick(): void {
    const { options, events } = this.layer.ctx;
    const now = options.clock.now();
    const timing = options.timing;
    if (now - this.joinStartedMs >= timing.joinTimeoutMs) {
      const waiting = this.layer.up.handOver();
      this.layer.up.stop();
      events.joinFailed(waiting);
      return;
    }
    const seeds = [...options.seeds, ...(this.coordinatorHint ? [this.coordinatorHint] : [])];
    if (this.bootstrap && !this.heardFromGroup && now - this.joinStartedMs >= timing.discoveryTimeoutMs && this.bootstrap.elected(now)) {
      // No group answered, and a majority of the seeds chose this member to form it.
      this.formGroup();
      return;
    }
    const request = {
      type: 'join-request',
      nonce: this.joinNonce,
      candidate: this.bootstrap !== null && !this.heardFromGroup,
      vote: this.bootstrap?.current ?? '',
    } as const;
    for (const seed of new Set(seeds)) if (seed !== options.wire.address) this.layer.send(seed, request, true);
  }

  /** Before it has a view a member joins, helps seeds form a group, and may stand in for its old incarnation. */
  onFrame(frame: Frame): void {
    const { ctx } = this.layer;
    const body = frame.body;
    switch (body.type) {
      case 'join-request':
        if (body.candidate) this.bootstrap?.heard(addressOf(frame.from), body.vote, ctx.options.clock.now());
        return;
      case 'join-pending':
        return this.onJoinPending(frame.from, frame.epoch ?? 0, body);
      case 'welcome':
        return this.onWelcome(frame.epoch ?? 0, body);
      // A stand-in votes only for the coordinator that is admitting it (it handed this joiner
      // its nonce), under that coordinator's epoch: a forged or replayed ballot would otherwise
      // buy its promise. Others are dropped, not reported: an honest coordinator whose view
      // still lists this process's dead incarnation sends exactly these (campaign seed 3513).
      case 'prepare': {
        if (!this.isAdmittingCoordinator(frame)) {
          ctx.stats.framesDropped++;
          return;
        }
        const answer = this.standIn.onPrepare(frame.viewId, body.ballot);
        if (answer) this.layer.send(frame.from, answer);
        return;
      }
      case 'accept': {
        if (!this.isAdmittingCoordinator(frame)) {
          ctx.stats.framesDropped++;
          return;
        }
        const answer = this.standIn.onAccept(frame.viewId, body.ballot, body.value);
        if (answer) this.layer.send(frame.from, answer);
        return;
      }
      default:
        this.layer.gate.relayPreviousInstall(frame);
    }
  }

  onJoinPending(from: MemberId, epoch: number, body: JoinPendingBody): void {
    if (this.layer.ctx.life.phase !== 'joining') return;
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
      this.layer.send(this.coordinatorHint, { type: 'join-request', nonce: this.joinNonce, candidate: false, vote: '' }, true);
    }
  }

  onWelcome(epoch: number, body: WelcomeBody): void {
    if (this.layer.ctx.life.phase !== 'joining' || !body.members.includes(this.layer.ctx.me) || epoch === 0) return;
    this.layer.down.epoch = epoch;
    this.layer.install({ id: body.viewId, members: body.members }, body.value, { state: body.state });
  }

  /** A new group: a new epoch, so no frame of an earlier group of this name acts on it. */
  private formGroup(): void {
    this.layer.down.epoch = 1 + this.layer.ctx.options.random.int(EPOCH_MAX - 1);
    this.layer.install({ id: 1, members: [this.layer.ctx.me] }, null, { state: null });
  }

  private isAdmittingCoordinator(frame: Frame): boolean {
    return this.admittingCoordinator === frame.from && (frame.epoch ?? 0) === this.admittingEpoch;
  }
}
