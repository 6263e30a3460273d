/**
 * What the parts of a run share (cluster.ts, workload.ts, targeted-crashes.ts, liveness.ts):
 * the network, the history being recorded, the calls' outcomes (judged after the run by
 * ../checker/call-checker.ts), the counters, the log and the violations the runner itself finds.
 */
import type { SimulatedNetwork } from '../../wire/simulated/simulated-network.js';
import type { RecordedCall } from '../checker/call-checker.js';
import type { Violation } from '../checker/history-checker.js';
import { HistoryRecorder } from '../history.js';
import type { Scenario } from './scenario.js';
import { newRunCounts, type RunCounts } from './stats.js';

export { describeError } from '../checker/types.js';

export const GROUP_NAME = 'campaign';
export const TOPIC = 't';
export const CALL_TOPIC = 'call';
export const NESTED_TOPIC = 'nested';
export const SCATTER_TOPIC = 'scatter';

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
  /**
   * Once the faults stopped, the live processes did not end up in one view holding them all,
   * and the group was not blocked for a documented reason (liveness.ts).
   */
  | 'liveness'
  /**
   * A frame of the hostile member (hostile-member.ts) acted on a member in a view: as itself or
   * in a member's name with numbers out of reach, it changed the member's view or made it
   * leave; or, of another epoch, it was not dropped (`stats.framesOtherEpoch`).
   */
  | 'hostile-frame'
  /** A member rejected (`stats.framesRejected`) a frame another member sent: its checks refuse honest traffic. */
  | 'frame-rejected'
  /** The runner itself threw. */
  | 'harness';

export class RunContext {
  readonly violations: Violation[] = [];
  /** How each synchronous call and client request ended, in the order they settled. */
  readonly calls: RecordedCall[] = [];
  /** What the runner actually did, one line per step (times in virtual ms). */
  readonly log: string[] = [];
  readonly counts: RunCounts = newRunCounts();
  /** Set at the end of the fault phase: no more sends, no more faults. */
  faultsEnded = false;

  constructor(
    readonly network: SimulatedNetwork,
    readonly scenario: Scenario,
    /** The run's history; a TraceRecorder when the run is traced (RunScenarioOptions.trace). */
    readonly recorder: HistoryRecorder = new HistoryRecorder(),
  ) {}

  violation(property: HarnessProperty, message: string): void {
    this.violations.push({ property, message });
  }

  recordCall(call: RecordedCall): void {
    this.calls.push(call);
  }

  note(text: string): void {
    this.log.push(`t=${String(Math.round(this.network.now())).padStart(6)} ${text}`);
  }
}
