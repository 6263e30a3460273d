/**
 * Runs one scenario (see scenario.ts) against the real protocol stack on a SimulatedNetwork in
 * virtual time, records the history, and judges it: the history checker (quiescent), the call
 * checker (how each call ended), plus what neither can show — exceptions thrown inside
 * protocol code, 'error' events, multicasts rejected with anything but GroupClosedError, and
 * a group that did not converge once the faults stopped (liveness.ts).
 *
 * The parts: cluster.ts (processes and faults), workload.ts (multicasts, calls, clients),
 * targeted-crashes.ts (crashes at chosen protocol moments), hostile-member.ts (a key holder's
 * hostile frames, stale replays, and the checks of what members do with every frame they
 * receive), liveness.ts (the settle phase).
 */
import { realClock } from '../../env/clock.js';
import { seededRandom } from '../../env/random.js';
import { SimulatedNetwork } from '../../wire/simulated/simulated-network.js';
import { checkCalls } from '../checker/call-checker.js';
import { checkHistory, type Violation } from '../checker/history-checker.js';
import type { HistoryEvent } from '../history.js';
import { TraceRecorder, type TraceSink } from '../../trace/trace-recorder.js';
import { Cluster } from './cluster.js';
import { FrameChecks, HOSTILE_ADDRESS, HostileMember } from './hostile-member.js';
import { Liveness } from './liveness.js';
import { describeError, RunContext } from './run-context.js';
import { generateScenario, type Scenario, type ScenarioAction, type ScenarioOptions } from './scenario.js';
import type { ScenarioStats } from './stats.js';
import { TargetedCrashes } from './targeted-crashes.js';
import { Workload } from './workload.js';

export type { Violation } from '../checker/history-checker.js';
export type { ScenarioStats } from './stats.js';
export { CALL_TOPIC, describeError, GROUP_NAME, NESTED_TOPIC, TOPIC, type HarnessProperty } from './run-context.js';

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
  /**
   * Also record the run as a trace (../../trace/): the history with virtual times, vector
   * timestamps, holds and flushes, then every violation found, located where the checker
   * found it. The sink is closed when the run ends.
   */
  trace?: TraceSink;
}

/**
 * Judges a recorded history as the runner does: the history checker, quiescent unless some
 * member ended blocked (see ScenarioStats.blockedAsExpected), when messages may still be in
 * flight and only what holds at any moment is judged.
 */
export function judgeHistory(events: readonly HistoryEvent[], quiescent = true, locate = false): Violation[] {
  return checkHistory(events, { quiescent, locate });
}

/** Runs the scenario of `seed` (or a given scenario) and judges it; never throws, always closes the network. */
export async function runScenario(seedOrScenario: number | Scenario, options: RunScenarioOptions = {}): Promise<ScenarioResult> {
  const startedReal = realClock.now();
  const scenario = typeof seedOrScenario === 'number' ? generateScenario(seedOrScenario, options.scenario) : seedOrScenario;
  const runner = new ScenarioRunner(scenario, options.trace);
  try {
    await runner.run();
  } catch (error) {
    runner.context.violation('harness', `the runner threw: ${describeError(error)}`);
  } finally {
    await runner.context.network.close();
  }
  const { context } = runner;
  let history = context.recorder.events;
  if (options.mutateHistory) history = options.mutateHistory([...history]);
  const violations = [...context.violations];
  // How the calls ended, each as its caller saw it; a reply of the hostile member (in no view) must never count.
  violations.push(...checkCalls(context.calls, { hostile: [HOSTILE_ADDRESS] }));
  for (const error of context.network.errors) {
    violations.push({ property: 'network-error', message: `an event callback threw: ${describeError(error)}` });
  }
  // A trace points at the recorded history: a mutated one's indexes would point elsewhere.
  const locate = runner.trace !== null && !options.mutateHistory;
  violations.push(...judgeHistory(history, runner.quiescent, locate));
  if (runner.trace) {
    for (const { property, message, at } of violations)
      runner.trace.note({ kind: 'violation', property, message, ...(at !== undefined ? { at } : {}) });
    await runner.trace.close();
  }
  const stats = runner.finishStats(history, realClock.now() - startedReal);
  return { seed: scenario.seed, scenario, violations, history, stats, log: context.log };
}

class ScenarioRunner {
  readonly context: RunContext;
  /** The run's recorder when it is traced. */
  readonly trace: TraceRecorder | null;
  /** How the history is judged: quiescent unless the settle phase ended with members blocked. */
  quiescent = true;
  private readonly cluster: Cluster;
  private readonly workload: Workload;
  private readonly targeted: TargetedCrashes;
  private readonly liveness: Liveness;
  private readonly hostile: HostileMember;

  constructor(
    private readonly scenario: Scenario,
    traceSink?: TraceSink,
  ) {
    const network = new SimulatedNetwork({
      seed: scenario.seed,
      loss: scenario.network.loss,
      duplication: scenario.network.duplication,
      reorder: scenario.network.reorder,
      delayMs: scenario.network.delayMs,
    });
    this.trace = traceSink
      ? new TraceRecorder(traceSink, { clock: network, keepHistory: true, title: `campaign seed ${scenario.seed}` })
      : null;
    this.context = new RunContext(network, scenario, this.trace ?? undefined);
    // Runtime choices (which member, which side) come from the harness stream of the seed.
    this.cluster = new Cluster(this.context, seededRandom(network.random.int(0x1_0000_0000)));
    this.workload = new Workload(this.context, this.cluster);
    this.targeted = new TargetedCrashes(this.context, this.cluster, this.workload);
    this.liveness = new Liveness(this.context, this.cluster);
    // Every frame that reaches a member is checked: the hostile member's act on nothing, and
    // no member's is rejected.
    new FrameChecks(this.context, this.cluster);
    this.hostile = new HostileMember(
      this.context,
      this.cluster,
      scenario.actions.some((a) => a.kind === 'replay'),
    );
  }

  async run(): Promise<void> {
    const network = this.context.network;
    for (const action of this.scenario.actions) {
      const wait = action.at - network.now();
      if (wait > 0) await network.sleep(wait);
      this.execute(action);
    }
    const rest = this.scenario.durationMs - network.now();
    if (rest > 0) await network.sleep(rest);
    this.context.faultsEnded = true;
    this.cluster.endFaults();
    this.context.note('end of faults: heal, loss/duplication/reorder 0, no more sends');
    this.quiescent = (await this.liveness.settle()).quiescent;
    await network.sleep(this.scenario.tailMs);
    const counts = this.context.counts;
    counts.liveAtEnd = [...this.cluster.processes.values()].filter((p) => p.state === 'member').length;
    counts.finalViewSize = this.cluster.latestView?.members.length ?? 0;
  }

  private execute(action: ScenarioAction): void {
    const cluster = this.cluster;
    switch (action.kind) {
      case 'start':
        return cluster.start(action.address, action.seeds, true);
      case 'join':
        // Every address started so far, dead or alive: a fixed seed list, as a deployment has.
        // It always holds n1, the lowest address, so a joiner that hears nobody never forms a
        // second group of its own.
        return cluster.start(action.address, [...cluster.addresses], false);
      case 'restart':
        this.context.counts.restartActions++;
        return cluster.restart(action);
      case 'fbcast':
        return this.workload.fbcast(action.pick, action.count, action.order, action.safe);
      case 'leave':
        return cluster.leave(action.pick);
      case 'crash':
        if (action.tag !== undefined) this.context.counts.costlyCrashActions++;
        return cluster.crash(action);
      case 'crash-after-accept':
        return this.targeted.armAccept(action);
      case 'crash-around-safe':
        return this.targeted.safeBurst(action);
      case 'partition':
        return cluster.partition(action.shuffle, action.fraction);
      case 'heal':
        return cluster.heal();
      case 'loss':
        return cluster.setLoss(action.loss);
      case 'call':
        return this.workload.call(action);
      case 'client':
        return this.workload.clientRequest(action);
      case 'scatter':
        return this.workload.scatter(action);
      case 'hostile':
        return this.hostile.hostile(action);
      case 'replay':
        return this.hostile.replay(action);
    }
  }

  finishStats(history: readonly HistoryEvent[], realMs: number): ScenarioStats {
    let sends = 0;
    let deliveries = 0;
    const viewIds = new Set<number>();
    for (const event of history) {
      if (event.kind === 'send') sends++;
      else if (event.kind === 'deliver') deliveries++;
      else if (event.kind === 'view') viewIds.add(event.view.id);
    }
    const network = this.context.network;
    const net = network.stats;
    return {
      virtualMs: Math.round(network.now()),
      realMs,
      events: network.clock.eventsRun,
      framesSent: net.sent,
      framesDropped: net.dropped,
      historyEvents: history.length,
      sends,
      deliveries,
      views: viewIds.size,
      initialMembers: this.scenario.initialMembers.length,
      ...this.context.counts,
    };
  }
}
