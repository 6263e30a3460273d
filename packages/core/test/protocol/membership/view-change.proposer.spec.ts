import { describe, expect, it } from '@jest/globals';
import type { TimerHandle } from '../../../src/env/clock.js';
import type {
  AcceptBody,
  Ballot,
  FlushValue,
  InstallBody,
  MembershipBody,
  PromiseBody,
} from '../../../src/protocol/membership/membership.header.js';
import { ViewChangeProposer, type ProposerHost } from '../../../src/protocol/membership/view-change.proposer.js';
import { addressOf, type MemberId, type View } from '../../../src/protocol/types.js';
import { isQuorumWithStandIns, MAJORITY } from '../../../src/protocol/membership/quorum-policy.js';

/** Time that moves only when the test says so; timers fire in due order. */
class ManualClock {
  nowMs = 0;
  private timers: { dueMs: number; order: number; fn: () => void; cancelled: boolean }[] = [];
  private created = 0;

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timer = { dueMs: this.nowMs + delayMs, order: this.created++, fn, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  get pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const endMs = this.nowMs + ms;
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.dueMs <= endMs).sort((x, y) => x.dueMs - y.dueMs || x.order - y.order)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.nowMs = due.dueMs;
      due.fn();
    }
    this.nowMs = endMs;
  }
}

const RETRANSMIT_MS = 40;
const PHASE_TIMEOUT_MS = 400;
const RETRY_DELAY_MS = 200;
const JITTER = 0.5;
const BACKOFF_MS = RETRY_DELAY_MS * (1 + JITTER);

const view: View = { id: 7, members: ['m0/1', 'm1/1', 'm2/1', 'm3/1', 'm4/1'] };
const [M0, M1, M2, M3, M4] = view.members as [MemberId, MemberId, MemberId, MemberId, MemberId];

interface Sent {
  to: MemberId;
  body: MembershipBody;
}

/** Stub below the proposer: records what it sends, answers what it asks. */
class StubHost implements ProposerHost {
  readonly me: MemberId;
  readonly myRank: number;
  readonly sent: Sent[] = [];
  readonly suspected = new Set<MemberId>();
  readonly suspectCalls: MemberId[] = [];
  joins: MemberId[] = [];
  leaves = new Set<MemberId>();
  readonly retransmitIntervalMs = RETRANSMIT_MS;
  readonly phaseTimeoutMs = PHASE_TIMEOUT_MS;
  readonly retryDelayMs = RETRY_DELAY_MS;

  constructor(
    readonly clock: ManualClock,
    readonly view: View,
    myRank = 0,
  ) {
    this.myRank = myRank;
    this.me = view.members[myRank]!;
  }

  nowMs(): number {
    return this.clock.nowMs;
  }
  setTimer(delayMs: number, fn: () => void): TimerHandle {
    return this.clock.setTimer(delayMs, fn);
  }
  jitter(): number {
    return JITTER;
  }
  send(to: MemberId, body: MembershipBody): void {
    this.sent.push({ to, body });
  }
  isSuspected(member: MemberId): boolean {
    return member !== this.me && this.suspected.has(member);
  }
  suspect(member: MemberId): void {
    this.suspectCalls.push(member);
    if (member !== this.me) this.suspected.add(member);
  }
  pendingJoins(): MemberId[] {
    return this.joins;
  }
  pendingLeaves(): ReadonlySet<MemberId> {
    return this.leaves;
  }
  isQuorum(voters: ReadonlySet<MemberId>, standIns: ReadonlySet<MemberId>): boolean {
    return isQuorumWithStandIns(MAJORITY, this.view, voters, standIns);
  }
  /** A joiner at the address of a member of the view stands in for it (a restart). */
  standInFor(from: MemberId): MemberId | undefined {
    if (!this.joins.includes(from)) return undefined;
    return this.view.members.find((m) => m !== from && addressOf(m) === addressOf(from));
  }
  hasStandIn(member: MemberId): boolean {
    return this.joins.some((joiner) => this.standInFor(joiner) === member);
  }

  /** Takes the sends recorded so far (so each step of a test sees only its own). */
  take(): Sent[] {
    return this.sent.splice(0);
  }
}

function setup(myRank = 0): { clock: ManualClock; host: StubHost; proposer: ViewChangeProposer } {
  const clock = new ManualClock();
  const host = new StubHost(clock, view, myRank);
  return { clock, host, proposer: new ViewChangeProposer(host) };
}

const ofType = <T extends MembershipBody['type']>(sent: Sent[], type: T): { to: MemberId; body: Extract<MembershipBody, { type: T }> }[] =>
  sent.filter((s): s is { to: MemberId; body: Extract<MembershipBody, { type: T }> } => s.body.type === type);

/** Who was sent a body of this type, each once, sorted. */
const recipients = (sent: Sent[], type: MembershipBody['type']): MemberId[] => [...new Set(ofType(sent, type).map((s) => s.to))].sort();

function promise(
  ballot: Ballot,
  options: { digest?: number[]; held?: [number, number][]; accepted?: PromiseBody['accepted'] } = {},
): PromiseBody {
  const held = (options.held ?? []).map(([senderRank, seq]) => ({ senderRank, seq, topic: 't', payload: Uint8Array.of(senderRank, seq) }));
  return { type: 'promise', ballot, digest: options.digest ?? view.members.map(() => 0), held, accepted: options.accepted ?? null };
}

/** The ballot of the prepare the proposer just sent. */
function startedBallot(host: StubHost): Ballot {
  const prepares = ofType(host.take(), 'prepare');
  expect(prepares.length).toBeGreaterThan(0);
  return prepares[0]!.body.ballot;
}

function promiseFrom(proposer: ViewChangeProposer, ballot: Ballot, members: readonly MemberId[]): void {
  for (const member of members) proposer.onPromise(member, promise(ballot));
}

/** The one value all accepts of a step carry. */
function acceptedValue(sent: Sent[]): FlushValue {
  const accepts = ofType(sent, 'accept');
  expect(accepts.length).toBeGreaterThan(0);
  const values = new Set(accepts.map((a) => a.body.value));
  expect(values.size).toBe(1);
  return accepts[0]!.body.value;
}

const otherValue = (members: MemberId[], viewId = view.id + 1): FlushValue => ({
  viewId,
  members,
  targets: view.members.map(() => 0),
  messages: [],
});

describe('ViewChangeProposer: phase 1, prepare and promise', () => {
  it('sends prepare with its first ballot to every member of the view, itself included', () => {
    const { host, proposer } = setup(2);
    proposer.maybeStart();
    const sent = host.take();
    expect(recipients(sent, 'prepare')).toEqual([...view.members].sort());
    expect(sent.every((s) => s.body.type === 'prepare' && s.body.ballot.round === 1 && s.body.ballot.rank === 2)).toBe(true);
    expect(proposer.running).toBe(true);
  });

  it('does not start a second round while one is running', () => {
    const { host, proposer } = setup();
    proposer.maybeStart();
    host.take();
    proposer.maybeStart();
    expect(host.take()).toEqual([]);
  });

  it('decides only after every member not suspected has promised', () => {
    const { host, proposer } = setup();
    proposer.maybeStart();
    const ballot = startedBallot(host);
    promiseFrom(proposer, ballot, [M0, M1, M2, M3]);
    expect(ofType(host.take(), 'accept')).toEqual([]);
    promiseFrom(proposer, ballot, [M4]);
    const sent = host.take();
    expect(recipients(sent, 'accept')).toEqual([...view.members].sort());
    expect(acceptedValue(sent)).toMatchObject({ viewId: 8, members: view.members });
    expect(ofType(sent, 'accept').every((a) => a.body.ballot === ballot)).toBe(true);
  });

  it('does not wait for a member already suspected, and leaves it out of the next view', () => {
    const { host, proposer } = setup();
    host.suspected.add(M3);
    proposer.maybeStart();
    const ballot = startedBallot(host);
    promiseFrom(proposer, ballot, [M0, M1, M2, M4]);
    const sent = host.take();
    expect(recipients(sent, 'accept')).toEqual([M0, M1, M2, M4]);
    expect(acceptedValue(sent).members).toEqual([M0, M1, M2, M4]);
  });

  it('takes in a suspected member that promises after all', () => {
    const { host, proposer } = setup();
    host.suspected.add(M3);
    host.suspected.add(M4);
    proposer.maybeStart();
    const ballot = startedBallot(host);
    promiseFrom(proposer, ballot, [M0, M3, M1]);
    expect(ofType(host.take(), 'accept')).toEqual([]);
    promiseFrom(proposer, ballot, [M2]);
    expect(acceptedValue(host.take()).members).toEqual([M0, M1, M2, M3]);
  });

  it('at the deadline suspects the members that did not answer and proceeds with a majority', () => {
    const { clock, host, proposer } = setup();
    proposer.maybeStart();
    const ballot = startedBallot(host);
    promiseFrom(proposer, ballot, [M0, M2, M4]);
    clock.advance(PHASE_TIMEOUT_MS - 1);
    expect(ofType(host.take(), 'accept')).toEqual([]);
    clock.advance(1);
    const sent = host.take();
    expect(host.suspectCalls.sort()).toEqual([M1, M3]);
    expect(recipients(sent, 'accept')).toEqual([M0, M2, M4]);
    expect(acceptedValue(sent).members).toEqual([M0, M2, M4]);
  });

  it('aborts at the deadline without a majority of promises, and sends no accept', () => {
    const { clock, host, proposer } = setup();
    proposer.maybeStart();
    const ballot = startedBallot(host);
    promiseFrom(proposer, ballot, [M0, M1]);
    clock.advance(PHASE_TIMEOUT_MS);
    expect(ofType(host.take(), 'accept')).toEqual([]);
    expect(proposer.running).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it('aborts at once when all it may wait for answered and they are a minority', () => {
    const { host, proposer } = setup();
    for (const m of [M2, M3, M4]) host.suspected.add(m);
    proposer.maybeStart();
    const ballot = startedBallot(host);
    promiseFrom(proposer, ballot, [M0, M1]);
    expect(proposer.running).toBe(false);
    expect(ofType(host.take(), 'accept')).toEqual([]);
  });

  it('backs off after an abort, then retries with a higher ballot', () => {
    const { clock, host, proposer } = setup(1);
    proposer.maybeStart();
    const first = startedBallot(host);
    clock.advance(PHASE_TIMEOUT_MS);
    expect(proposer.running).toBe(false);
    host.take();
    proposer.maybeStart();
    expect(host.take()).toEqual([]);
    clock.advance(BACKOFF_MS - 1);
    proposer.maybeStart();
    expect(host.take()).toEqual([]);
    clock.advance(1);
    proposer.maybeStart();
    const second = startedBallot(host);
    expect(second).toEqual({ round: first.round + 1, rank: 1 });
  });

  it('ignores promises for another ballot and promises with a digest of the wrong length', () => {
    const { host, proposer } = setup();
    proposer.maybeStart();
    const ballot = startedBallot(host);
    for (const m of [M1, M2, M3, M4]) proposer.onPromise(m, promise({ round: ballot.round + 1, rank: 0 }));
    for (const m of [M1, M2, M3, M4]) proposer.onPromise(m, promise({ round: ballot.round, rank: 4 }));
    for (const m of [M1, M2, M3, M4]) proposer.onPromise(m, promise(ballot, { digest: [0, 0] }));
    proposer.onPromise(M0, promise(ballot));
    expect(ofType(host.take(), 'accept')).toEqual([]);
    expect(proposer.running).toBe(true);
  });

  it('ignores promises that arrive after it decided', () => {
    const { clock, host, proposer } = setup();
    proposer.maybeStart();
    const ballot = startedBallot(host);
    promiseFrom(proposer, ballot, [M0, M1, M2]);
    clock.advance(PHASE_TIMEOUT_MS);
    const value = acceptedValue(host.take());
    proposer.onPromise(M3, promise(ballot));
    expect(ofType(host.take(), 'accept')).toEqual([]);
    expect(value.members).toEqual([M0, M1, M2]);
  });

  it('retransmits prepare every interval to the members that have not promised, and stops once decided', () => {
    const { clock, host, proposer } = setup();
    proposer.maybeStart();
    const ballot = startedBallot(host);
    promiseFrom(proposer, ballot, [M0, M2]);
    clock.advance(RETRANSMIT_MS);
    expect(recipients(host.take(), 'prepare')).toEqual([M1, M3, M4]);
    promiseFrom(proposer, ballot, [M3]);
    clock.advance(RETRANSMIT_MS);
    const again = host.take();
    expect(recipients(again, 'prepare')).toEqual([M1, M4]);
    expect(ofType(again, 'prepare').every((p) => p.body.ballot === ballot)).toBe(true);
    promiseFrom(proposer, ballot, [M1, M4]);
    host.take();
    clock.advance(RETRANSMIT_MS);
    expect(ofType(host.take(), 'prepare')).toEqual([]);
  });
});

describe('ViewChangeProposer: the value it proposes', () => {
  it('adopts the value of the highest accepted ballot reported in the promises instead of computing its own', () => {
    const { clock, host, proposer } = setup(0);
    // A previous coordinator (rank 3) got m1 to accept X in round 1, another (rank 1) got m2 to accept Y in round 2.
    const x = otherValue([M0, M1, M3]);
    const y = otherValue([M0, M1, M2]);
    proposer.observe({ round: 2, rank: 1 });
    proposer.maybeStart();
    const ballot = startedBallot(host);
    expect(ballot.round).toBe(3);
    proposer.onPromise(M1, promise(ballot, { accepted: { ballot: { round: 1, rank: 3 }, value: x } }));
    proposer.onPromise(M0, promise(ballot));
    proposer.onPromise(M2, promise(ballot, { accepted: { ballot: { round: 2, rank: 1 }, value: y } }));
    proposer.onPromise(M4, promise(ballot));
    clock.advance(PHASE_TIMEOUT_MS);
    const sent = host.take();
    // A fresh value would be [m0, m1, m2, m4] (everyone who promised); Paxos requires Y.
    expect(acceptedValue(sent)).toBe(y);
    expect(recipients(sent, 'accept')).toEqual([M0, M1, M2, M4]);
  });

  it('compares accepted ballots by rank when the rounds are equal', () => {
    const { host, proposer } = setup(0);
    const low = otherValue([M0, M1, M2, M3]);
    const high = otherValue([M0, M1, M2, M4]);
    proposer.maybeStart();
    const ballot = startedBallot(host);
    proposer.onPromise(M0, promise(ballot));
    proposer.onPromise(M1, promise(ballot, { accepted: { ballot: { round: 1, rank: 4 }, value: high } }));
    proposer.onPromise(M2, promise(ballot, { accepted: { ballot: { round: 1, rank: 2 }, value: low } }));
    proposer.onPromise(M3, promise(ballot));
    proposer.onPromise(M4, promise(ballot));
    expect(acceptedValue(host.take())).toBe(high);
  });

  it('computes a fresh value when no promise carries an accepted one: leavers out, joiners appended', () => {
    const { host, proposer } = setup();
    host.leaves = new Set([M2]);
    host.joins = ['j1/1', M1, 'j2/1'];
    proposer.maybeStart();
    const ballot = startedBallot(host);
    promiseFrom(proposer, ballot, view.members);
    const value = acceptedValue(host.take());
    expect(value.viewId).toBe(view.id + 1);
    expect(value.members).toEqual([M0, M1, M3, M4, 'j1/1', 'j2/1']);
  });

  it('bases a fresh value’s cut on what the promises report', () => {
    const { host, proposer } = setup();
    proposer.maybeStart();
    const ballot = startedBallot(host);
    // m0 lacks 1:1..2 and 4:1..5; m1 holds them; m2 also holds 4:7, beyond a hole at 4:6.
    proposer.onPromise(M0, promise(ballot, { digest: [3, 0, 1, 0, 0] }));
    proposer.onPromise(
      M1,
      promise(ballot, {
        digest: [3, 2, 1, 0, 5],
        held: [
          [1, 1],
          [1, 2],
          [4, 1],
          [4, 2],
          [4, 3],
          [4, 4],
          [4, 5],
        ],
      }),
    );
    proposer.onPromise(M2, promise(ballot, { digest: [3, 2, 1, 0, 5], held: [[4, 7]] }));
    for (const member of [M3, M4]) proposer.onPromise(member, promise(ballot, { digest: [3, 2, 1, 0, 5] }));
    const value = acceptedValue(host.take());
    expect(value.targets).toEqual([3, 2, 1, 0, 5]);
    expect(value.messages.map((m) => `${m.senderRank}:${m.seq}`)).toEqual(['1:1', '1:2', '4:1', '4:2', '4:3', '4:4', '4:5']);
  });
});

describe('ViewChangeProposer: competing coordinators', () => {
  it('aborts on a reject naming a higher ballot and next proposes above it', () => {
    const { clock, host, proposer } = setup(0);
    proposer.maybeStart();
    const ballot = startedBallot(host);
    proposer.onReject({ type: 'reject', promised: { round: 6, rank: 3 } });
    expect(proposer.running).toBe(false);
    promiseFrom(proposer, ballot, view.members);
    expect(ofType(host.take(), 'accept')).toEqual([]);
    clock.advance(BACKOFF_MS);
    proposer.maybeStart();
    expect(startedBallot(host)).toEqual({ round: 7, rank: 0 });
  });

  it('ignores a stale reject naming a ballot not above its own', () => {
    const { host, proposer } = setup(3);
    proposer.observe({ round: 4, rank: 0 });
    proposer.maybeStart();
    const ballot = startedBallot(host);
    expect(ballot).toEqual({ round: 5, rank: 3 });
    proposer.onReject({ type: 'reject', promised: { round: 5, rank: 1 } });
    expect(proposer.running).toBe(true);
    promiseFrom(proposer, ballot, view.members);
    expect(recipients(host.take(), 'accept')).toHaveLength(5);
  });

  it('aborts in the accept phase on a reject with a higher ballot, and installs nothing', () => {
    const { host, proposer } = setup(0);
    proposer.maybeStart();
    const ballot = startedBallot(host);
    promiseFrom(proposer, ballot, view.members);
    host.take();
    proposer.onReject({ type: 'reject', promised: { round: 2, rank: 4 } });
    for (const m of view.members) proposer.onAccepted(m, { type: 'accepted', ballot });
    expect(ofType(host.take(), 'install')).toEqual([]);
    expect(proposer.running).toBe(false);
  });

  it('starts above the highest ballot it has observed from others', () => {
    const { host, proposer } = setup(2);
    proposer.observe({ round: 9, rank: 4 });
    proposer.observe({ round: 3, rank: 1 });
    proposer.maybeStart();
    expect(startedBallot(host)).toEqual({ round: 10, rank: 2 });
  });

  it('still learns how high to go from a reject that arrives after its round timed out', () => {
    const { clock, host, proposer } = setup(0);
    proposer.maybeStart();
    host.take();
    clock.advance(PHASE_TIMEOUT_MS);
    expect(proposer.running).toBe(false);
    host.take();
    // An acceptor that promised another coordinator's round 6 answers our prepare late.
    proposer.onReject({ type: 'reject', promised: { round: 6, rank: 3 } });
    clock.advance(BACKOFF_MS);
    proposer.maybeStart();
    expect(startedBallot(host).round).toBeGreaterThan(6);
  });
});

describe('ViewChangeProposer: phase 2, accept and install', () => {
  /** A round of a five-member view where m0..m3 promised and m4 is suspected: now in the accept phase. */
  function inAcceptPhase(): ReturnType<typeof setup> & { ballot: Ballot; value: FlushValue } {
    const s = setup(0);
    s.host.suspected.add(M4);
    s.proposer.maybeStart();
    const ballot = startedBallot(s.host);
    promiseFrom(s.proposer, ballot, [M0, M1, M2, M3]);
    const value = acceptedValue(s.host.take());
    return { ...s, ballot, value };
  }

  it('installs only once a majority of the view accepted, sending the agreed value', () => {
    const { host, proposer, ballot, value } = inAcceptPhase();
    proposer.onAccepted(M1, { type: 'accepted', ballot });
    proposer.onAccepted(M0, { type: 'accepted', ballot });
    expect(ofType(host.take(), 'install')).toEqual([]);
    proposer.onAccepted(M3, { type: 'accepted', ballot });
    const installs = ofType(host.take(), 'install');
    expect(installs.length).toBeGreaterThan(0);
    expect(installs.every((i) => (i.body as InstallBody).value === value)).toBe(true);
    expect(proposer.running).toBe(false);
  });

  it('counts a member’s accepted once however often it arrives', () => {
    const { host, proposer, ballot } = inAcceptPhase();
    for (let i = 0; i < 5; i++) proposer.onAccepted(M1, { type: 'accepted', ballot });
    proposer.onAccepted(M2, { type: 'accepted', ballot });
    expect(ofType(host.take(), 'install')).toEqual([]);
  });

  it('does not count an accepted from a member that did not promise, or for another ballot', () => {
    const { host, proposer, ballot } = inAcceptPhase();
    proposer.onAccepted(M0, { type: 'accepted', ballot });
    proposer.onAccepted(M1, { type: 'accepted', ballot });
    proposer.onAccepted(M4, { type: 'accepted', ballot });
    proposer.onAccepted(M2, { type: 'accepted', ballot: { round: ballot.round + 1, rank: 0 } });
    proposer.onAccepted('stranger/1', { type: 'accepted', ballot });
    expect(ofType(host.take(), 'install')).toEqual([]);
    proposer.onAccepted(M2, { type: 'accepted', ballot });
    expect(ofType(host.take(), 'install').length).toBeGreaterThan(0);
  });

  it('sends install to every member of the next view and every member that voted, not to the excluded', () => {
    const { clock, host, proposer } = setup(0);
    host.leaves = new Set([M1]);
    proposer.maybeStart();
    const ballot = startedBallot(host);
    // m1 is leaving; m4 never answers, so the deadline suspects it and excludes it.
    promiseFrom(proposer, ballot, [M0, M1, M2, M3]);
    clock.advance(PHASE_TIMEOUT_MS);
    expect(acceptedValue(host.take()).members).toEqual([M0, M2, M3]);
    for (const m of [M0, M2, M3]) proposer.onAccepted(m, { type: 'accepted', ballot });
    expect(recipients(host.take(), 'install')).toEqual([M0, M1, M2, M3]);
  });

  it('retransmits accept to members that promised but have not accepted, and stops after install', () => {
    const { clock, host, proposer, ballot, value } = inAcceptPhase();
    proposer.onAccepted(M0, { type: 'accepted', ballot });
    clock.advance(RETRANSMIT_MS);
    const again = ofType(host.take(), 'accept');
    expect(again.map((a) => a.to).sort()).toEqual([M1, M2, M3]);
    expect(again.every((a) => (a.body as AcceptBody).value === value && (a.body as AcceptBody).ballot === ballot)).toBe(true);
    for (const m of [M1, M2]) proposer.onAccepted(m, { type: 'accepted', ballot });
    host.take();
    clock.advance(10 * RETRANSMIT_MS);
    expect(host.take()).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('aborts when the accept phase times out without a majority, and backs off', () => {
    const { clock, host, proposer, ballot } = inAcceptPhase();
    proposer.onAccepted(M0, { type: 'accepted', ballot });
    proposer.onAccepted(M1, { type: 'accepted', ballot });
    clock.advance(PHASE_TIMEOUT_MS);
    expect(proposer.running).toBe(false);
    proposer.onAccepted(M2, { type: 'accepted', ballot });
    expect(ofType(host.take(), 'install')).toEqual([]);
    proposer.maybeStart();
    expect(ofType(host.take(), 'prepare')).toEqual([]);
  });

  it('gets a fresh phase deadline for the accept phase', () => {
    const { clock, host, proposer } = setup(0);
    proposer.maybeStart();
    const ballot = startedBallot(host);
    clock.advance(PHASE_TIMEOUT_MS - 10);
    promiseFrom(proposer, ballot, view.members);
    host.take();
    clock.advance(20);
    expect(proposer.running).toBe(true);
    clock.advance(PHASE_TIMEOUT_MS - 20);
    expect(proposer.running).toBe(false);
  });
});

describe('ViewChangeProposer: stop', () => {
  it('cancels its timers and ignores answers once stopped', () => {
    const { clock, host, proposer } = setup();
    proposer.maybeStart();
    const ballot = startedBallot(host);
    proposer.stop();
    expect(proposer.running).toBe(false);
    expect(clock.pendingTimers).toBe(0);
    promiseFrom(proposer, ballot, view.members);
    clock.advance(10 * PHASE_TIMEOUT_MS);
    expect(host.take()).toEqual([]);
    expect(host.suspectCalls).toEqual([]);
  });

  it('may start again at once after a stop: a stop is not a failure', () => {
    const { host, proposer } = setup();
    proposer.maybeStart();
    host.take();
    proposer.stop();
    proposer.maybeStart();
    expect(startedBallot(host).round).toBe(2);
  });
});
