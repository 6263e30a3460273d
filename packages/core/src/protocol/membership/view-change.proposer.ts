import type { TimerHandle } from '../../env/clock.js';
import type { MemberId, View } from '../types.js';
import { computeFlushValue } from './flush-value.js';
import {
  compareBallots,
  type AcceptedBody,
  type Ballot,
  type FlushValue,
  type MembershipBody,
  type PromiseBody,
  type RejectBody,
} from './membership.header.js';

/** What the coordinator role needs from the member it runs in. */
export interface ProposerHost {
  readonly me: MemberId;
  readonly view: View;
  readonly myRank: number;
  nowMs(): number;
  setTimer(delayMs: number, fn: () => void): TimerHandle;
  jitter(): number;
  send(to: MemberId, body: MembershipBody): void;
  isSuspected(member: MemberId): boolean;
  suspect(member: MemberId): void;
  /**
   * Is `voters` enough to decide the next view? `standIns` are the voters that are a
   * restarted process voting in place of its crashed incarnation (quorum-policy.ts).
   */
  isQuorum(voters: ReadonlySet<MemberId>, standIns: ReadonlySet<MemberId>): boolean;
  /** The member of the view that `from`, a joiner at its address, stands in for (it restarted). */
  standInFor(from: MemberId): MemberId | undefined;
  /** Is a restarted incarnation of `member` asking to join (so its vote may yet come)? */
  hasStandIn(member: MemberId): boolean;
  /** Joiners and leavers the next view should take in or let go. */
  pendingJoins(): MemberId[];
  pendingLeaves(): ReadonlySet<MemberId>;
  readonly retransmitIntervalMs: number;
  readonly phaseTimeoutMs: number;
  readonly retryDelayMs: number;
}

interface Round {
  ballot: Ballot;
  phase: 'prepare' | 'accept';
  promises: Map<MemberId, PromiseBody>;
  /** Voters that are a restarted incarnation voting for the member of the view they replace. */
  standIns: Set<MemberId>;
  value: FlushValue | null;
  accepted: Set<MemberId>;
  retransmit: TimerHandle;
  deadline: TimerHandle;
}

/**
 * The coordinator's side of a view change: phase 1 (prepare/promise) stops the members'
 * traffic and collects what each holds; phase 2 (accept/accepted) has them flush to the cut
 * and vote; once a majority of the ending view accepted, the value is chosen and installed.
 * A value some member already accepted is adopted rather than replaced, so a coordinator that
 * takes over from a failed one can never install a view different from one already installed.
 */
export class ViewChangeProposer {
  private round: Round | null = null;
  private highestRound = 0;
  private notBeforeMs = 0;

  constructor(private readonly host: ProposerHost) {}

  /** The highest round used or seen in this view's change (told to joiners: stand-in.ts). */
  get highestRoundSeen(): number {
    return this.highestRound;
  }

  get running(): boolean {
    return this.round !== null;
  }

  /** Starts a view change unless one is running or a failed one is backing off. */
  maybeStart(): void {
    if (this.round || this.host.nowMs() < this.notBeforeMs) return;
    const ballot = { round: ++this.highestRound, rank: this.host.myRank };
    this.round = {
      ballot,
      phase: 'prepare',
      promises: new Map(),
      standIns: new Set(),
      value: null,
      accepted: new Set(),
      retransmit: this.host.setTimer(this.host.retransmitIntervalMs, () => this.retransmit()),
      deadline: this.host.setTimer(this.host.phaseTimeoutMs, () => this.onDeadline()),
    };
    for (const member of this.host.view.members) this.host.send(member, { type: 'prepare', ballot });
  }

  onPromise(from: MemberId, body: PromiseBody): void {
    const round = this.round;
    if (!round || round.phase !== 'prepare' || compareBallots(body.ballot, round.ballot) !== 0) return;
    const size = this.host.view.members.length;
    if (this.host.view.members.includes(from)) {
      if (body.digest.length !== size) return;
      round.promises.set(from, body);
    } else {
      // A restarted process remembers nothing of its old incarnation: it holds no message
      // of the ending view and its digest is empty; it promises only for its own lifetime.
      const replaced = this.host.standInFor(from);
      if (replaced === undefined || round.promises.has(replaced) || body.held.length > 0) return;
      round.promises.set(replaced, { ...body, digest: new Array<number>(size).fill(0) });
      round.standIns.add(replaced);
    }
    this.maybeDecide(round, false);
  }

  onAccepted(from: MemberId, body: AcceptedBody): void {
    const round = this.round;
    if (!round || round.phase !== 'accept' || compareBallots(body.ballot, round.ballot) !== 0) return;
    const voter = round.promises.has(from) && !round.standIns.has(from) ? from : this.host.standInFor(from);
    if (voter === undefined || !round.promises.has(voter)) return;
    round.accepted.add(voter);
    if (!this.host.isQuorum(round.accepted, round.standIns)) return;
    const value = round.value!;
    this.finish(false);
    // Chosen: tell every old member that is in the next view or took part in the vote.
    for (const member of this.host.view.members) {
      if (value.members.includes(member) || round.promises.has(member)) this.host.send(member, { type: 'install', value });
    }
  }

  onReject(body: RejectBody): void {
    this.highestRound = Math.max(this.highestRound, body.promised.round);
    const round = this.round;
    if (round && compareBallots(body.promised, round.ballot) > 0) this.finish(true);
  }

  /** A promise or reject seen for another coordinator's ballot still tells us how high to go. */
  observe(ballot: Ballot): void {
    this.highestRound = Math.max(this.highestRound, ballot.round);
  }

  /** A member was suspected (its connection closed): the promises may be all there are. */
  suspicionChanged(): void {
    if (this.round?.phase === 'prepare') this.maybeDecide(this.round, false);
  }

  stop(): void {
    if (this.round) {
      this.round.retransmit.cancel();
      this.round.deadline.cancel();
    }
    this.round = null;
  }

  private maybeDecide(round: Round, deadlinePassed: boolean): void {
    const view = this.host.view;
    // A suspected member whose restarted incarnation is joining may still vote through it.
    const waiting = view.members.filter((m) => !round.promises.has(m) && (!this.host.isSuspected(m) || this.host.hasStandIn(m)));
    if (waiting.length > 0 && !deadlinePassed) return;
    if (!this.host.isQuorum(new Set(round.promises.keys()), round.standIns)) {
      this.finish(true);
      return;
    }
    round.value = this.adoptOrCompute(round);
    round.phase = 'accept';
    round.deadline.cancel();
    round.deadline = this.host.setTimer(this.host.phaseTimeoutMs, () => this.onDeadline());
    for (const member of round.promises.keys()) this.host.send(member, { type: 'accept', ballot: round.ballot, value: round.value });
  }

  private adoptOrCompute(round: Round): FlushValue {
    let highest: { ballot: Ballot; value: FlushValue } | null = null;
    for (const promise of round.promises.values()) {
      if (promise.accepted && (!highest || compareBallots(promise.accepted.ballot, highest.ballot) > 0)) highest = promise.accepted;
    }
    if (highest) return highest.value;
    const leavers = this.host.pendingLeaves();
    const stay = this.host.view.members.filter((m) => round.promises.has(m) && !round.standIns.has(m) && !leavers.has(m));
    const joiners = this.host.pendingJoins().filter((m) => !this.host.view.members.includes(m));
    return computeFlushValue(this.host.view, round.promises, [...stay, ...joiners]);
  }

  private retransmit(): void {
    const round = this.round;
    if (!round) return;
    if (round.phase === 'prepare') {
      for (const member of this.host.view.members) {
        if (!round.promises.has(member)) this.host.send(member, { type: 'prepare', ballot: round.ballot });
      }
    } else {
      for (const member of round.promises.keys()) {
        if (!round.accepted.has(member)) this.host.send(member, { type: 'accept', ballot: round.ballot, value: round.value! });
      }
    }
    round.retransmit = this.host.setTimer(this.host.retransmitIntervalMs, () => this.retransmit());
  }

  private onDeadline(): void {
    const round = this.round;
    if (!round) return;
    if (round.phase === 'prepare') {
      for (const member of this.host.view.members) if (!round.promises.has(member)) this.host.suspect(member);
      this.maybeDecide(round, true);
    } else {
      this.finish(true);
    }
  }

  private finish(failed: boolean): void {
    this.stop();
    if (failed) this.notBeforeMs = this.host.nowMs() + this.host.retryDelayMs * (1 + this.host.jitter());
  }
}
