/**
 * Crashes aimed at the moments that matter (targeted-schedule.ts draws when):
 *
 * - `crash-after-accept`: the acting coordinator crashes right after it sent 'accept' — the
 *   accepts in flight still arrive, so members hold an accepted value that nobody installs,
 *   and the next coordinator must adopt it. Seen on the wire: every frame a process sends
 *   passes the cluster's frame tap, which decodes it (codec/frame.ts) while the action is
 *   armed.
 * - `crash-around-safe`: a member sends safe messages; right after the first one is sent its
 *   sender crashes ('sent'), or right after some member delivers one, that member crashes
 *   ('delivered'): a safe message delivered anywhere must then reach every survivor.
 *
 * "Right after" is the next simulator event at the same virtual time (a 0 ms timer), so the
 * protocol step that sent or delivered completes first. Both keep the majority rule: a
 * target whose crash could cost the majority is spared (the arm stays for a later accept;
 * a safe arm ends).
 */
import { decodeFrame } from '../../protocol/frames.js';
import { addressOf, type MemberId } from '../../protocol/types.js';
import type { Address } from '../../wire/wire.js';
import { messageId } from '../history-observer.js';
import type { Cluster, Process } from './cluster.js';
import type { RunContext } from './run-context.js';
import type { ScenarioAction } from './scenario.js';
import type { Workload } from './workload.js';

interface SafeArm {
  readonly sender: MemberId;
  readonly when: 'sent' | 'delivered';
  readonly until: number;
  /** Ids of the safe messages of `sender` sent since the arm. */
  readonly ids: Set<string>;
}

export class TargetedCrashes {
  /** Virtual time until which an 'accept' crashes its sender; -1 when not armed. */
  private acceptUntil = -1;
  private safeArm: SafeArm | null = null;

  constructor(
    private readonly run: RunContext,
    private readonly cluster: Cluster,
    private readonly workload: Workload,
  ) {
    cluster.watch({
      sent: (member, message) => {
        const arm = this.safeArm;
        if (arm === null || member !== arm.sender || !message.safe || !this.live(arm)) return;
        arm.ids.add(messageId(message));
        if (arm.when === 'sent') this.crashSoon(member, 'sent', `right after it sent safe ${messageId(message)}`);
      },
      delivered: (member, message) => {
        const arm = this.safeArm;
        if (arm === null || arm.when !== 'delivered' || !this.live(arm) || !arm.ids.has(messageId(message))) return;
        this.crashSoon(member, 'delivered', `right after it delivered safe ${messageId(message)}`);
      },
    });
  }

  /** The 'crash-after-accept' action: arm the tap for `windowMs`. */
  armAccept(action: Extract<ScenarioAction, { kind: 'crash-after-accept' }>): void {
    this.run.counts.acceptCrashActions++;
    if (this.run.faultsEnded) return;
    this.acceptUntil = this.run.network.now() + action.windowMs;
    this.cluster.frameTap = (from, frame) => this.onFrame(from, frame);
    this.run.note(`armed: crash the next coordinator that sends 'accept' (until t=${Math.round(this.acceptUntil)})`);
  }

  /** The 'crash-around-safe' action: a burst of safe messages, and the arm that follows it. */
  safeBurst(action: Extract<ScenarioAction, { kind: 'crash-around-safe' }>): void {
    this.run.counts.safeCrashActions++;
    if (this.run.faultsEnded) return;
    const candidates = this.cluster.members();
    if (candidates.length === 0) {
      this.run.counts.skippedNoCandidate++;
      this.run.note(`safe x${action.count} then crash: nobody to send`);
      return;
    }
    const process = candidates[Math.floor(action.pick * candidates.length)]!;
    const first = process.sent + 1;
    this.safeArm = { sender: process.group!.me, when: action.when, until: this.run.network.now() + action.windowMs, ids: new Set() };
    this.workload.burst(process, action.count, action.order, true);
    this.run.note(
      `${action.order} safe ${process.address}:${first}..${process.sent} from ${process.group!.me}, ` +
        `armed: crash ${action.when === 'sent' ? 'it right after the first is sent' : 'the first member that delivers one, right after'}`,
    );
  }

  private live(arm: SafeArm): boolean {
    if (this.run.network.now() <= arm.until && !this.run.faultsEnded) return true;
    if (this.safeArm === arm) this.safeArm = null;
    return false;
  }

  private onFrame(from: Address, bytes: Uint8Array): void {
    if (this.acceptUntil < 0) return;
    if (this.run.network.now() > this.acceptUntil || this.run.faultsEnded) {
      this.disarmAccept();
      return;
    }
    let kind: string;
    let sender: MemberId;
    try {
      const frame = decodeFrame(bytes);
      kind = frame.body.type;
      sender = frame.from;
    } catch {
      return;
    }
    if (kind !== 'accept') return;
    const process = this.memberAt(from, sender);
    if (process === null) return;
    if (!this.cluster.keepsMajorityWithout(process)) return;
    this.disarmAccept();
    this.run.network.clock.setTimer(0, () => {
      if (this.memberAt(from, sender) !== process || !this.cluster.keepsMajorityWithout(process)) {
        this.run.note(`crash after accept of ${sender}: spared, it is gone or its crash could cost the majority now`);
        return;
      }
      this.run.counts.acceptCrashes++;
      this.cluster.crashProcess(process, "crash right after it sent 'accept':");
    });
  }

  private disarmAccept(): void {
    this.acceptUntil = -1;
    this.cluster.frameTap = null;
  }

  /** Crashes `member` at the next event, if it is still the live member there and may go. */
  private crashSoon(member: MemberId, when: 'sent' | 'delivered', why: string): void {
    this.safeArm = null;
    this.run.network.clock.setTimer(0, () => {
      const process = this.memberAt(addressOf(member), member);
      if (process === null) return;
      if (!this.cluster.keepsMajorityWithout(process)) {
        this.run.counts.skippedForMajority++;
        this.run.note(`crash ${why}: spared, its crash could cost the majority of ${this.cluster.describeLatest()}`);
        return;
      }
      if (when === 'sent') this.run.counts.safeCrashesSent++;
      else this.run.counts.safeCrashesDelivered++;
      this.cluster.crashProcess(process, `crash ${why}:`);
    });
  }

  /** The live member process at `address` if it runs incarnation `member`, else null. */
  private memberAt(address: Address, member: MemberId): Process | null {
    const process = this.cluster.processes.get(address);
    if (process === undefined || process.state !== 'member' || process.group?.me !== member) return null;
    return process;
  }
}
