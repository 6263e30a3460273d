/**
 * Runs one scenario (see scenario.ts) against the real protocol stack on a SimulatedNetwork in
 * virtual time, records the history, and judges it: the history checker (quiescent), plus
 * what the history cannot show — exceptions thrown inside protocol code, 'error' events,
 * multicasts rejected with anything but GroupClosedError, and a group that did not converge
 * once the faults stopped.
 */
import { CausalContext } from '../../context/causal-context.js';
import { realClock } from '../../env/clock.js';
import { ExcludedError, GroupClosedError, JoinTimeoutError, NotAcceptedError } from '../../errors.js';
import { Group, type GroupObserver } from '../../group.js';
import { GroupConnection } from '../../group-connection.js';
import type { Replies } from '../../protocol/reply/replies.js';
import { addressOf, majorityOf, type MemberId } from '../../protocol/types.js';
import type { LinkOverride } from '../../wire/simulated/link-faults.js';
import { SimulatedNetwork } from '../../wire/simulated/simulated-network.js';
import { seededRandom, type Random } from '../../env/random.js';
import type { Address } from '../../wire/wire.js';
import { checkHistory, type Violation } from '../checker/history-checker.js';
import { connectionObserver, historyObserver } from '../history-observer.js';
import { HistoryRecorder, type HistoryEvent, type ViewRecord } from '../history.js';
import { generateScenario, type Scenario, type ScenarioAction, type ScenarioOptions } from './scenario.js';

export type { Violation } from '../checker/history-checker.js';

export const GROUP_NAME = 'campaign';
export const TOPIC = 't';
export const CALL_TOPIC = 'call';
export const NESTED_TOPIC = 'nested';

/** Properties the runner adds to the history checker's. */
export type HarnessProperty =
  /** An exception was thrown inside a simulated event callback (protocol code). */
  | 'network-error'
  /** A group emitted 'error'. */
  | 'group-error'
  /** fbcast() rejected with something other than GroupClosedError. */
  | 'fbcast-rejected'
  /** Group.join() rejected with something other than JoinTimeoutError. */
  | 'join-rejected'
  /** Once the faults stopped, the live processes did not end up in one view holding them all. */
  | 'liveness'
  /** A synchronous call or client request rejected with an error it may not end in. */
  | 'call-rejected'
  /** A call's result contradicts itself (a reply from outside the view, a quorum miscounted ...). */
  | 'call-result'
  /** The runner itself threw. */
  | 'harness';

export interface ScenarioStats {
  /** Virtual ms the run lasted. */
  virtualMs: number;
  /** Real ms the run took (including the check). */
  realMs: number;
  /** Simulator events run. */
  events: number;
  framesSent: number;
  framesDropped: number;
  historyEvents: number;
  sends: number;
  deliveries: number;
  /** Distinct view ids installed. */
  views: number;
  initialMembers: number;
  joinsStarted: number;
  joinsSucceeded: number;
  /** Group.join() rejected with JoinTimeoutError (allowed). */
  joinFailures: number;
  leaves: number;
  /** Leaves that timed out before the member saw its own exit (recorded as 'left'). */
  leaveTimeouts: number;
  crashes: number;
  partitions: number;
  heals: number;
  lossChanges: number;
  /** Crash/leave actions not carried out because they could cost the group its majority. */
  skippedForMajority: number;
  /** Actions with nobody eligible to carry them out. */
  skippedNoCandidate: number;
  exclusions: number;
  rejoins: number;
  /** Virtual ms from the end of the fault phase until the group converged (-1: it did not). */
  convergeMs: number;
  /**
   * 1 if the run ended wedged: the group did not converge, and the latest view has lost its
   * majority to the harness's own crashes and leaves (a primary-partition group cannot
   * recover from that; the majority heuristic could not foresee the view). Not a failure:
   * the history is then checked without `quiescent`. 0 otherwise.
   */
  wedged: number;
  /** Joins that timed out although an installed view lists the joiner (it was never welcomed). */
  admittedButTimedOut: number;
  /** Live processes at the end, and the size of the final view. */
  liveAtEnd: number;
  finalViewSize: number;
  /** Synchronous calls made, and those that met their quorum. */
  calls: number;
  callsQuorumMet: number;
  /** Client requests sent, and those answered (quorum met, or accepted when asynchronous). */
  clientRequests: number;
  clientRequestsAnswered: number;
}

export interface ScenarioResult {
  seed: number;
  scenario: Scenario;
  violations: Violation[];
  history: HistoryEvent[];
  stats: ScenarioStats;
  /** What the runner actually did, one line per step (times in virtual ms). */
  log: string[];
}

export interface RunScenarioOptions {
  /** Options for generating the scenario when a seed is given. */
  scenario?: ScenarioOptions;
  /**
   * Test hook: transforms the recorded history before it is judged (to show the pipeline
   * reports a broken history). The result's `history` is the transformed one.
   */
  mutateHistory?: (events: HistoryEvent[]) => HistoryEvent[];
}

type ProcessState = 'joining' | 'member' | 'leaving' | 'left' | 'crashed' | 'failed';

interface Process {
  readonly address: Address;
  state: ProcessState;
  group: Group | null;
  /** Messages this address multicast so far (payloads are "address:n"). */
  sent: number;
  /** fbcast() calls not settled yet (queued during a view change). */
  unsent: number;
  delivered: number;
}

/**
 * Judges a recorded history as the runner does: the history checker, quiescent unless the
 * run ended wedged (see ScenarioStats.wedged), when only the safety properties apply.
 */
export function judgeHistory(events: readonly HistoryEvent[], quiescent = true): Violation[] {
  return checkHistory(events, { quiescent });
}

/** Runs the scenario of `seed` (or a given scenario) and judges it; never throws, always closes the network. */
export async function runScenario(seedOrScenario: number | Scenario, options: RunScenarioOptions = {}): Promise<ScenarioResult> {
  const startedReal = realClock.now();
  const scenario = typeof seedOrScenario === 'number' ? generateScenario(seedOrScenario, options.scenario) : seedOrScenario;
  const runner = new ScenarioRunner(scenario);
  try {
    await runner.run();
  } catch (error) {
    runner.violation('harness', `the runner threw: ${describeError(error)}`);
  } finally {
    await runner.network.close();
  }
  let history = runner.recorder.events;
  if (options.mutateHistory) history = options.mutateHistory([...history]);
  const violations = [...runner.violations];
  for (const error of runner.network.errors) {
    violations.push({ property: 'network-error', message: `an event callback threw: ${describeError(error)}` });
  }
  violations.push(...judgeHistory(history, runner.wedged === null));
  const stats = runner.finishStats(history, realClock.now() - startedReal);
  return { seed: scenario.seed, scenario, violations, history, stats, log: runner.log };
}

class ScenarioRunner {
  readonly network: SimulatedNetwork;
  readonly recorder = new HistoryRecorder();
  readonly violations: Violation[] = [];
  readonly log: string[] = [];
  private readonly processes = new Map<Address, Process>();
  /** Every address a wire was ever created for, in creation order. */
  private readonly addresses: Address[] = [];
  /** The last view each member incarnation installed, and the incarnations that exited. */
  private readonly views = new Map<MemberId, ViewRecord>();
  private readonly exited = new Set<MemberId>();
  private latestView: ViewRecord | null = null;
  /** 'send' events per view id, and what each incarnation delivered in its current view. */
  private readonly sendsInView = new Map<number, number>();
  private readonly deliveredInView = new Map<MemberId, number>();
  private readonly observer: GroupObserver;
  /** The partition in force: side index by address, or null. */
  private sides: Map<Address, 0 | 1> | null = null;
  private linkOverride: LinkOverride | null = null;
  private readonly random: Random;
  private faultsEnded = false;
  private readonly counts = {
    joinsStarted: 0, joinsSucceeded: 0, joinFailures: 0, leaves: 0, leaveTimeouts: 0, crashes: 0,
    partitions: 0, heals: 0, lossChanges: 0, skippedForMajority: 0, skippedNoCandidate: 0,
    exclusions: 0, rejoins: 0, convergeMs: -1, wedged: 0, admittedButTimedOut: 0, liveAtEnd: 0, finalViewSize: 0,
    calls: 0, callsQuorumMet: 0, clientRequests: 0, clientRequestsAnswered: 0,
  };
  /** Client processes, by number, once opened (or while opening). */
  private readonly clients = new Map<number, Promise<GroupConnection | null>>();
  /** Why the run ended wedged (see ScenarioStats.wedged), or null. */
  wedged: string | null = null;
  /** Incarnations the harness crashed or made leave. */
  private readonly removedByHarness = new Set<MemberId>();
  /** Every incarnation some installed view listed. */
  private readonly listed = new Set<MemberId>();

  constructor(private readonly scenario: Scenario) {
    this.network = new SimulatedNetwork({
      seed: scenario.seed,
      loss: scenario.network.loss,
      duplication: scenario.network.duplication,
      reorder: scenario.network.reorder,
      delayMs: scenario.network.delayMs,
    });
    // Runtime choices (which member, which side) come from the harness stream of the seed.
    this.random = seededRandom(this.network.random.int(0x1_0000_0000));
    const base = historyObserver(this.recorder);
    this.observer = {
      sent: (member, message) => {
        base.sent?.(member, message);
        this.sendsInView.set(message.viewId, (this.sendsInView.get(message.viewId) ?? 0) + 1);
      },
      delivered: (member, message) => {
        base.delivered?.(member, message);
        this.deliveredInView.set(member, (this.deliveredInView.get(member) ?? 0) + 1);
      },
      installed: (member, view) => {
        base.installed?.(member, view);
        const record: ViewRecord = { id: view.id, members: [...view.members] };
        this.views.set(member, record);
        for (const m of view.members) this.listed.add(m);
        this.deliveredInView.set(member, 0);
        if (this.latestView === null || view.id > this.latestView.id) this.latestView = record;
      },
      excluded: (member) => {
        base.excluded?.(member);
        this.exited.add(member);
        this.counts.exclusions++;
      },
      left: (member) => {
        base.left?.(member);
        this.exited.add(member);
      },
      served: base.served,
      replied: base.replied,
    };
  }

  violation(property: HarnessProperty, message: string): void {
    this.violations.push({ property, message });
  }

  private note(text: string): void {
    this.log.push(`t=${String(Math.round(this.network.now())).padStart(6)} ${text}`);
  }

  async run(): Promise<void> {
    for (const action of this.scenario.actions) {
      const wait = action.at - this.network.now();
      if (wait > 0) await this.network.sleep(wait);
      this.execute(action);
    }
    const rest = this.scenario.durationMs - this.network.now();
    if (rest > 0) await this.network.sleep(rest);
    await this.settle();
  }

  // --- the end of the run ----------------------------------------------------------------

  private async settle(): Promise<void> {
    this.faultsEnded = true;
    this.network.heal();
    this.sides = null;
    this.linkOverride = { loss: 0, duplication: 0, reorder: 0 };
    for (const from of this.addresses) for (const to of this.addresses) this.network.setLink(from, to, this.linkOverride);
    this.note('end of faults: heal, loss/duplication/reorder 0, no more sends');
    const since = this.network.now();
    const converged = await this.network.runUntil(() => this.converged(), { timeoutMs: this.scenario.settleMs });
    if (converged) {
      this.counts.convergeMs = Math.round(this.network.now() - since);
      this.note(`converged after ${this.counts.convergeMs} ms: ${this.describeLatest()}`);
    } else {
      this.note(`did not converge within ${this.scenario.settleMs} ms: ${this.describeProcesses()}`);
      const wedged = this.lostMajorityToHarness();
      if (wedged !== null) {
        this.wedged = wedged;
        this.counts.wedged = 1;
        this.note(`wedged, not a failure: ${wedged}; the history is checked without 'quiescent'`);
      } else {
        this.violation('liveness', `${this.scenario.settleMs} ms after the faults stopped the group had not converged: ${this.describeProcesses()}`);
      }
    }
    await this.network.sleep(this.scenario.tailMs);
    const live = [...this.processes.values()].filter((p) => p.state === 'member');
    this.counts.liveAtEnd = live.length;
    this.counts.finalViewSize = this.latestView?.members.length ?? 0;
  }

  /**
   * Whether the latest view lost its majority to crashes and leaves the harness caused: then
   * no primary view can follow it, and the group is dead by design, not by a bug. Members that
   * died otherwise (a joiner that timed out while listed) do not count as lost here.
   */
  private lostMajorityToHarness(): string | null {
    const lost = (view: ViewRecord): string | null => {
      const removed = view.members.filter((m) => this.removedByHarness.has(m));
      if (view.members.length - removed.length >= majorityOf(view.members.length)) return null;
      return `the harness crashed or removed ${removed.length} of the ${view.members.length} members of ` +
        `view ${view.id} [${view.members.join(', ')}] (${removed.join(', ')})`;
    };
    const view = this.latestView;
    if (view === null) return null;
    const latest = lost(view);
    if (latest !== null) return latest;
    // A live member still in an older view learns the newer one only from a member that
    // installed it, or by a view change among the older view's members: if the harness took
    // both away (the only installers crashed, and a majority of the older view), it is stuck
    // by design, as a Paxos acceptor is once a majority of acceptors is gone.
    for (const p of this.processes.values()) {
      if (p.state !== 'member') continue;
      const mine = this.views.get(p.group!.me);
      if (mine === undefined || mine.id >= view.id) continue;
      const installers = [...this.views].filter(([, v]) => v.id > mine.id).map(([member]) => member);
      if (installers.some((member) => !this.removedByHarness.has(member) && !this.exited.has(member))) continue;
      const stuck = lost(mine);
      if (stuck !== null) return `${p.group!.me} is behind in view ${mine.id} and no member that installed a later view is alive; ${stuck}`;
    }
    return null;
  }

  /**
   * Every live process is a member, all are in one view that holds exactly them, none has a
   * multicast waiting to be sent, and each delivered every message sent in that view.
   */
  private converged(): boolean {
    let view: ViewRecord | undefined;
    let live = 0;
    for (const p of this.processes.values()) {
      if (p.state === 'joining' || p.state === 'leaving') return false;
      if (p.state !== 'member') continue;
      live++;
      if (p.unsent > 0) return false;
      const me = p.group!.me;
      const mine = this.views.get(me);
      if (mine === undefined || this.exited.has(me)) return false;
      if (view === undefined) view = mine;
      else if (mine.id !== view.id) return false;
      if (!mine.members.includes(me)) return false;
      if ((this.deliveredInView.get(me) ?? 0) !== (this.sendsInView.get(mine.id) ?? 0)) return false;
    }
    return view === undefined || view.members.length === live;
  }

  private describeLatest(): string {
    return this.latestView ? `view ${this.latestView.id} [${this.latestView.members.join(', ')}]` : 'no view';
  }

  private describeProcesses(): string {
    const parts: string[] = [];
    for (const p of this.processes.values()) {
      if (p.state !== 'member' && p.state !== 'joining' && p.state !== 'leaving') continue;
      const me = p.group?.me;
      const view = me === undefined ? undefined : this.views.get(me);
      const where = me === undefined
        ? 'no group yet'
        : this.exited.has(me)
          ? `${me} exited`
          : view
            ? `${me} in view ${view.id} (${view.members.length} members), delivered ${this.deliveredInView.get(me) ?? 0} of ${this.sendsInView.get(view.id) ?? 0} sent in it`
            : `${me} has no view`;
      parts.push(`${p.address} ${p.state}: ${where}${p.unsent > 0 ? `, ${p.unsent} fbcast(s) not sent yet` : ''}`);
    }
    return `${parts.join('; ')}; latest ${this.describeLatest()}`;
  }

  // --- actions ---------------------------------------------------------------------------

  private execute(action: ScenarioAction): void {
    switch (action.kind) {
      case 'start':
        return this.join(action.address, action.seeds, true);
      case 'join':
        // Every address started so far, dead or alive: a fixed seed list, as a deployment has.
        // It always holds n1, the lowest address, so a joiner that hears nobody never forms a
        // second group of its own.
        return this.join(action.address, [...this.addresses], false);
      case 'fbcast':
        return this.fbcast(action.pick, action.count, action.order, action.safe);
      case 'leave':
        return this.leave(action.pick);
      case 'crash':
        return this.crash(action.pick);
      case 'partition':
        return this.partition(action.shuffle, action.fraction);
      case 'heal':
        this.counts.heals++;
        this.sides = null;
        this.network.heal();
        this.note('heal');
        return;
      case 'call':
        return this.call(action);
      case 'client':
        return this.clientRequest(action);
      case 'loss':
        this.counts.lossChanges++;
        this.linkOverride = { loss: action.loss };
        for (const from of this.addresses) for (const to of this.addresses) this.network.setLink(from, to, this.linkOverride);
        this.note(`loss -> ${action.loss}`);
        return;
    }
  }

  private join(address: Address, seeds: Address[], initial: boolean): void {
    const wire = this.network.wire(address);
    this.addresses.push(address);
    if (this.linkOverride) {
      for (const other of this.addresses) {
        this.network.setLink(address, other, this.linkOverride);
        this.network.setLink(other, address, this.linkOverride);
      }
    }
    if (this.sides) {
      // A process that appears during a partition is on one side of it, like everyone else.
      this.sides.set(address, this.random.next() < 0.5 ? 0 : 1);
      this.applyPartition();
    }
    const process: Process = { address, state: 'joining', group: null, sent: 0, unsent: 0, delivered: 0 };
    this.processes.set(address, process);
    this.counts.joinsStarted++;
    this.note(`${initial ? 'start' : 'join'} ${address}${seeds.length > 0 ? ` seeds [${seeds.join(', ')}]` : ' (forms the group)'}`);
    Group.join(GROUP_NAME, {
      wire,
      seeds,
      observer: this.observer,
      getState: () => ({ delivered: process.delivered }),
      // The state a joiner receives is what getState() returned at a member (or null if the
      // capture failed, which is reported as a group error); anything else is a bug.
      setState: (state) => {
        if (state === null) return;
        if (typeof state !== 'object' || typeof (state as { delivered?: unknown }).delivered !== 'number') {
          this.violation('group-error', `${address} received a malformed state from the group: ${JSON.stringify(state)}`);
        }
      },
    }).then(
      (group) => {
        if (process.state !== 'joining') return;
        process.state = 'member';
        process.group = group;
        this.counts.joinsSucceeded++;
        group.handle(TOPIC, () => {
          process.delivered++;
        });
        group.handle(CALL_TOPIC, (_payload, delivery) => delivery.rank);
        // A handler that makes its own synchronous call: its queue must not deadlock.
        group.handle(NESTED_TOPIC, async () => {
          try {
            const inner = await group.multicast(CALL_TOPIC, 'inner', { replies: 'majority', timeoutMs: 2_000 });
            this.checkReplies(inner, `nested call at ${group.me}`);
            return inner.replies.length;
          } catch (error) {
            this.callRejected(error, `nested call at ${group.me}`);
            return -1;
          }
        });
        group.on('error', (error) => {
          this.violation('group-error', `${group.me} emitted 'error': ${describeError(error)}`);
        });
        group.on('rejoined', () => {
          this.counts.rejoins++;
        });
        this.note(`${address} joined as ${group.me}`);
      },
      (error: unknown) => {
        if (process.state === 'joining') process.state = 'failed';
        if (error instanceof JoinTimeoutError) {
          this.counts.joinFailures++;
          const admitted = [...this.listed].filter((m) => addressOf(m) === address && !this.views.has(m));
          if (admitted.length > 0) this.counts.admittedButTimedOut++;
          this.note(`${address} join failed${admitted.length > 0 ? ` although ${admitted.join(', ')} is listed in an installed view` : ''}: ${describeError(error)}`);
        } else {
          this.violation('join-rejected', `Group.join at ${address} rejected: ${describeError(error)}`);
        }
      },
    );
  }

  /** Live processes that hold a Group, in address-creation order. */
  private members(): Process[] {
    return this.addresses.map((a) => this.processes.get(a)!).filter((p) => p.state === 'member' && p.group !== null);
  }

  private fbcast(pick: number, count: number, order: 'fifo' | 'causal' | 'total' | 'group', safe: boolean): void {
    if (this.faultsEnded) return;
    const candidates = this.members();
    if (candidates.length === 0) {
      this.counts.skippedNoCandidate++;
      this.note(`fbcast x${count}: nobody to send`);
      return;
    }
    const index = Math.floor(pick * candidates.length);
    const process = candidates[index]!;
    const group = process.group!;
    const first = process.sent + 1;
    // Derived from the pick, so the schedule stays a function of the seed: now and then the
    // burst runs in the causal context of another member (as if that member had called this
    // one), and now and then it ends with a flush() that must resolve.
    const variant = Math.floor(pick * 1e6);
    // A context is a property of the multicasts issued in it, not of the process: one handed
    // to a process whose earlier multicasts still wait in its outbox does not order those. The
    // history models a hand-over as a process-wide event, so hand one only to a process with
    // nothing waiting (docs/ordering.md).
    // Calls and relayed client requests wait in the same outbox: pendingMessages counts them all.
    const from = candidates.length > 1 && variant % 3 === 0 && process.unsent === 0 && group.pendingMessages === 0
      ? candidates[(index + 1) % candidates.length]!
      : null;
    let context: CausalContext | undefined;
    if (from) {
      context = from.group!.context();
      const token = `ctx-${++this.contextHandOvers}`;
      this.recorder.record({ kind: 'context-out', member: from.group!.me, token });
      this.recorder.record({ kind: 'context-in', member: group.me, token });
    }
    const send = (): void => {
      for (let i = 0; i < count; i++) {
        const payload = `${process.address}:${++process.sent}`;
        process.unsent++;
        group.multicast(TOPIC, payload, { order, safe }).then(() => {
          process.unsent--;
        }, (error: unknown) => {
          process.unsent--;
          if (error instanceof GroupClosedError) return;
          this.violation('fbcast-rejected', `fbcast of "${payload}" by ${process.address} rejected: ${describeError(error)}`);
        });
      }
    };
    if (context) CausalContext.run(context, send);
    else send();
    if (variant % 5 === 1) {
      process.unsent++;
      group.flush().then(() => {
        process.unsent--;
      }, (error: unknown) => {
        process.unsent--;
        if (error instanceof GroupClosedError) return;
        this.violation('fbcast-rejected', `flush() by ${process.address} rejected: ${describeError(error)}`);
      });
    }
    this.note(`${order}${safe ? ' safe' : ''} ${process.address}:${first}..${process.sent} from ${group.me}` +
      `${from ? ` in the context of ${from.group!.me}` : ''}${variant % 5 === 1 ? ', then flush()' : ''}`);
  }

  private contextHandOvers = 0;

  private call(action: Extract<ScenarioAction, { kind: 'call' }>): void {
    if (this.faultsEnded) return;
    const candidates = this.members();
    if (candidates.length === 0) {
      this.counts.skippedNoCandidate++;
      return;
    }
    const process = candidates[Math.floor(action.pick * candidates.length)]!;
    const group = process.group!;
    const what = `call ${++this.counts.calls} by ${group.me} (${action.order}, replies ${action.quorum}${action.nested ? ', nested' : ''})`;
    this.note(what);
    group.multicast(action.nested ? NESTED_TOPIC : CALL_TOPIC, what, { order: action.order, replies: action.quorum, timeoutMs: action.timeoutMs }).then(
      (replies) => {
        this.checkReplies(replies, what);
        if (replies.quorumMet) this.counts.callsQuorumMet++;
      },
      (error: unknown) => this.callRejected(error, what),
    );
  }

  private clientRequest(action: Extract<ScenarioAction, { kind: 'client' }>): void {
    if (this.faultsEnded) return;
    let connection = this.clients.get(action.client);
    if (!connection) {
      const address = `c${action.client}`;
      const seeds = this.addresses.filter((a) => this.processes.get(a)!.state === 'member');
      if (seeds.length === 0) return;
      connection = GroupConnection.open(GROUP_NAME, {
        wire: this.network.wire(address), seeds, mode: action.mode, observer: connectionObserver(this.recorder),
      }).catch((error: unknown) => {
        this.note(`client ${address} could not connect: ${describeError(error)}`);
        this.clients.delete(action.client);
        return null;
      });
      this.clients.set(action.client, connection);
    }
    const n = ++this.counts.clientRequests;
    void connection.then((client) => {
      if (!client || this.faultsEnded) return;
      const what = `client request ${n} by ${client.id} (${action.order}, replies ${action.quorum})`;
      this.note(what);
      client.multicast(CALL_TOPIC, what, { order: action.order, replies: action.quorum, timeoutMs: 3_000 }).then(
        (replies) => {
          if (!replies) {
            this.counts.clientRequestsAnswered++;
            return;
          }
          this.checkReplies(replies, what);
          if (replies.quorumMet) this.counts.clientRequestsAnswered++;
        },
        (error: unknown) => {
          if (error instanceof NotAcceptedError) return;
          this.callRejected(error, what);
        },
      );
    });
  }

  /** What a call's result must satisfy whatever the faults: it is consistent in itself. */
  private checkReplies(replies: Replies, what: string): void {
    const expected = new Set(replies.expected);
    const answered = new Set<MemberId>();
    for (const reply of replies.replies) {
      if (answered.has(reply.member)) this.violation('call-result', `${what}: two replies from ${reply.member}`);
      answered.add(reply.member);
      if (replies.expected.length > 0 && !expected.has(reply.member)) this.violation('call-result', `${what}: a reply from ${reply.member}, not in the view it waited on`);
      if (reply.error && reply.error.code !== 'DUPLICATE_REQUEST') this.violation('call-result', `${what}: ${reply.member} answered with an error: ${reply.error.message}`);
    }
    for (const member of [...replies.failed, ...replies.slow]) {
      if (answered.has(member)) this.violation('call-result', `${what}: ${member} answered and is also listed as failed or slow`);
    }
  }

  private callRejected(error: unknown, what: string): void {
    if (error instanceof GroupClosedError || error instanceof ExcludedError) return;
    this.violation('call-rejected', `${what} rejected: ${describeError(error)}`);
  }

  private leave(pick: number): void {
    const candidates = this.members();
    const process = this.choose(candidates, pick, 'leave');
    if (!process) return;
    const group = process.group!;
    const me = group.me;
    this.removedByHarness.add(me);
    process.state = 'leaving';
    this.counts.leaves++;
    this.note(`leave ${me}`);
    group.leave().then(
      () => {
        process.state = 'left';
        const current = group.me;
        if (this.views.has(current) && !this.exited.has(current)) {
          // The leave timed out before the member saw the view without it, and it stopped.
          // It did ask to leave, and the group may well have let it go as a leaver (its
          // promise counting towards the majority of that view change), so the history says
          // it left: recording a crash would make the primary-partition check count a
          // departed leaver against the majority.
          this.counts.leaveTimeouts++;
          this.exited.add(current);
          this.recorder.record({ kind: 'left', member: current });
          this.note(`leave of ${current} timed out: recorded as 'left'`);
        } else {
          this.note(`${current} left`);
        }
      },
      (error: unknown) => {
        process.state = 'left';
        this.violation('harness', `leave() of ${me} rejected: ${describeError(error)}`);
      },
    );
  }

  private crash(pick: number): void {
    const candidates = this.members();
    const process = this.choose(candidates, pick, 'crash');
    if (!process) return;
    const me = process.group!.me;
    this.removedByHarness.add(me);
    process.state = 'crashed';
    this.counts.crashes++;
    this.recordCrash(me);
    this.network.crash(process.address);
    this.note(`crash ${me}`);
  }

  private recordCrash(member: MemberId): void {
    if (this.exited.has(member)) return;
    this.exited.add(member);
    this.recorder.record({ kind: 'crash', member });
  }

  /**
   * Picks a process to remove (crash or leave) among those whose removal keeps a strict
   * majority of the latest view alive, connected and not leaving. A heuristic, on the safe side.
   */
  private choose(candidates: Process[], pick: number, what: string): Process | null {
    if (candidates.length === 0) {
      this.counts.skippedNoCandidate++;
      this.note(`${what}: no candidate`);
      return null;
    }
    const start = Math.floor(pick * candidates.length);
    for (let i = 0; i < candidates.length; i++) {
      const candidate = candidates[(start + i) % candidates.length]!;
      if (this.keepsMajorityWithout(candidate)) return candidate;
    }
    this.counts.skippedForMajority++;
    this.note(`${what}: skipped, no member can go without risking the majority of ${this.describeLatest()}`);
    return null;
  }

  private keepsMajorityWithout(removed: Process): boolean {
    const view = this.latestView;
    if (view === null) return false;
    const perSide = [0, 0];
    for (const member of view.members) {
      const p = this.processes.get(addressOf(member));
      if (!p || p === removed || p.state !== 'member' || p.group?.me !== member || this.exited.has(member)) continue;
      perSide[this.sides?.get(p.address) ?? 0]!++;
    }
    // A view change under way may take in every process now joining or rejoining (and keep
    // members that are crashing): the next view can be larger than this one, so its majority
    // is counted on the larger size, and the newcomers do not count as alive.
    let newcomers = 0;
    for (const p of this.processes.values()) {
      const active = p.state === 'joining' || p.state === 'member' || p.state === 'leaving';
      if (active && (p.group === null || !view.members.includes(p.group.me))) newcomers++;
    }
    return Math.max(perSide[0]!, perSide[1]!) >= majorityOf(view.members.length + newcomers);
  }

  private partition(shuffle: number, fraction: number): void {
    const live = this.addresses.filter((a) => {
      const state = this.processes.get(a)!.state;
      return state === 'member' || state === 'joining' || state === 'leaving';
    });
    if (live.length < 2) {
      this.counts.skippedNoCandidate++;
      this.note('partition: fewer than two live processes');
      return;
    }
    const order = [...live];
    const shuffler = seededRandom(shuffle);
    for (let i = order.length - 1; i > 0; i--) {
      const j = shuffler.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const cut = 1 + Math.floor(fraction * (order.length - 1));
    this.sides = new Map();
    // Dead addresses go to side 0; they neither send nor receive.
    for (const address of this.addresses) this.sides.set(address, 0);
    order.forEach((address, i) => this.sides!.set(address, i < cut ? 0 : 1));
    this.applyPartition();
    this.counts.partitions++;
    this.note(`partition [${order.slice(0, cut).join(', ')}] | [${order.slice(cut).join(', ')}]`);
  }

  private applyPartition(): void {
    const sides: Address[][] = [[], []];
    for (const [address, side] of this.sides!) sides[side]!.push(address);
    this.network.partition(...sides);
  }

  // --- results ---------------------------------------------------------------------------

  finishStats(history: readonly HistoryEvent[], realMs: number): ScenarioStats {
    let sends = 0;
    let deliveries = 0;
    const viewIds = new Set<number>();
    for (const event of history) {
      if (event.kind === 'send') sends++;
      else if (event.kind === 'deliver') deliveries++;
      else if (event.kind === 'view') viewIds.add(event.view.id);
    }
    const net = this.network.stats;
    return {
      virtualMs: Math.round(this.network.now()),
      realMs,
      events: this.network.clock.eventsRun,
      framesSent: net.sent,
      framesDropped: net.dropped,
      historyEvents: history.length,
      sends,
      deliveries,
      views: viewIds.size,
      initialMembers: this.scenario.initialMembers.length,
      ...this.counts,
    };
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
