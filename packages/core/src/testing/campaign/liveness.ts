/**
 * The liveness rule of a run ("No wedge where going on is safe", DESIGN §1): once the
 * faults stopped (network healed, no loss, no more sends), within `settleMs` every live
 * process must be a member, all in one view that holds exactly them, with nothing waiting
 * to be sent and everything sent in that view delivered — except the members that cannot go
 * on by design, which must say so: each has reported 'blocked' (and not 'unblocked' since).
 *
 * A view cannot be followed by another by design when the harness took away its quorum:
 * fewer than a majority of its members are left once those the harness crashed or made
 * leave are taken out — unless restarted processes can stand in for the crashed ones (the
 * protocol's rule, protocol/membership/quorum-policy.ts): every member of the view is either not
 * removed or restarted at its address, and the restarted ones are no majority on their own.
 * A restarted process counts if it was running (joining or a member) when the faults ended:
 * if its join times out after that, the network being healthy, the protocol failed it. A
 * group of two with one crash, then its restart, therefore must end with a view of both.
 * Members that died otherwise (a joiner that timed out while listed) count as alive here: a
 * group that wedges on them fails.
 *
 * The members that cannot go on:
 * - the group is dead: the latest view anyone installed cannot be followed. Every live
 *   member with a view must report 'blocked'; processes joining or rejoining (not members of
 *   any view) are left alone (their join times out, or retries).
 * - a member is behind: its view is older than the latest, no member that installed a later
 *   one is alive to tell it, and its own view cannot be followed. It must report 'blocked';
 *   the others must converge without it.
 */
import { addressOf, majorityOf, type MemberId } from '../../protocol/types.js';
import type { ViewRecord } from '../history.js';
import type { Cluster, Process } from './cluster.js';
import type { RunContext } from './run-context.js';

export interface SettleOutcome {
  /** Judge the history as quiescent (the group converged with nobody excused). */
  quiescent: boolean;
}

export class Liveness {
  constructor(
    private readonly run: RunContext,
    private readonly cluster: Cluster,
  ) {}

  /** Runs the settle phase (the faults have ended) and judges it. */
  async settle(): Promise<SettleOutcome> {
    const { network, scenario, counts } = this.run;
    for (const p of this.cluster.processes.values()) {
      if (p.generation > 1 && (p.state === 'joining' || p.state === 'member')) this.restartedAtEnd.set(p.address, p.group?.me ?? '');
    }
    const since = network.now();
    const settled = await network.runUntil(() => this.settled(), { timeoutMs: scenario.settleMs });
    const excused = this.excused();
    if (settled) {
      counts.convergeMs = Math.round(network.now() - since);
      if (excused.length === 0) {
        this.run.note(`converged after ${counts.convergeMs} ms: ${this.cluster.describeLatest()}`);
        return { quiescent: true };
      }
      counts.blockedAsExpected = 1;
      this.run.note(
        `settled after ${counts.convergeMs} ms, blocked as expected: ${excused.map((e) => `${e.member}: ${e.reason}`).join('; ')}; ` +
          `the history is checked without 'quiescent'`,
      );
      return { quiescent: false };
    }
    this.run.note(`did not converge within ${scenario.settleMs} ms: ${this.describeProcesses()}`);
    const silent = excused.filter((e) => !this.cluster.blocked.has(e.member));
    const prefix = `${scenario.settleMs} ms after the faults stopped the group had not converged`;
    if (silent.length > 0) {
      this.run.violation(
        'liveness',
        `${prefix}, and ${silent.length} member(s) that cannot go on never reported 'blocked': ` +
          `${silent.map((e) => `${e.member} (${e.reason})`).join('; ')}; ${this.describeProcesses()}`,
      );
    } else {
      this.run.violation('liveness', `${prefix} although it can go on by design: ${this.describeProcesses()}`);
    }
    // A member that cannot go on holds messages in flight: judge safety only then.
    return { quiescent: excused.length === 0 };
  }

  /**
   * Every live process converged (see the file comment), or cannot go on by design and
   * reports 'blocked'. Evaluated before every simulator event of the settle phase.
   */
  private settled(): boolean {
    const dead = this.latestDead();
    let view: ViewRecord | undefined;
    let live = 0;
    for (const p of this.cluster.processes.values()) {
      if (p.state === 'leaving') return false;
      if (p.state === 'joining') {
        if (dead !== null) continue;
        return false;
      }
      if (p.state !== 'member') continue;
      const me = p.group!.me;
      const mine = this.cluster.views.get(me);
      if (mine === undefined || this.cluster.exited.has(me)) {
        if (dead !== null) continue;
        return false;
      }
      if ((dead ?? this.behind(p, mine)) !== null) {
        if (!this.cluster.blocked.has(me)) return false;
        continue;
      }
      live++;
      if (p.unsent > 0) return false;
      if (view === undefined) view = mine;
      else if (mine.id !== view.id) return false;
      if (!mine.members.includes(me)) return false;
      if ((this.cluster.deliveredInView.get(me) ?? 0) !== (this.cluster.sendsInView.get(mine.id) ?? 0)) return false;
    }
    return view === undefined || view.members.length === live;
  }

  /** The live members in a view that cannot go on by design, and why. */
  private excused(): { member: MemberId; reason: string }[] {
    const dead = this.latestDead();
    const out: { member: MemberId; reason: string }[] = [];
    for (const p of this.cluster.processes.values()) {
      if (p.state !== 'member') continue;
      const me = p.group!.me;
      const mine = this.cluster.views.get(me);
      if (mine === undefined || this.cluster.exited.has(me)) continue;
      const reason = dead ?? this.behind(p, mine);
      if (reason !== null) out.push({ member: me, reason });
    }
    return out;
  }

  /** Why the latest view can never be followed by another, or null. */
  private latestDead(): string | null {
    const latest = this.cluster.latestView;
    return latest === null ? null : this.noQuorumByDesign(latest);
  }

  /**
   * Why live member `p`, in view `mine`, is stuck behind: a later view was installed, but no
   * member that installed one is alive to hand it on, and its own view cannot be followed.
   * Null if it is not.
   */
  private behind(p: Process, mine: ViewRecord): string | null {
    const latest = this.cluster.latestView;
    if (latest === null || mine.id >= latest.id) return null;
    for (const [member, view] of this.cluster.views) {
      if (view.id > mine.id && !this.cluster.removedByHarness.has(member) && !this.cluster.exited.has(member)) return null;
    }
    const stuck = this.noQuorumByDesign(mine);
    return stuck === null
      ? null
      : `${p.group!.me} is behind in view ${mine.id} and no member that installed a later view is alive; ${stuck}`;
  }

  /**
   * Why `view` can never be followed by another because of what the harness did (see the file
   * comment), or null if a quorum of it can still vote, stand-ins included.
   */
  private noQuorumByDesign(view: ViewRecord): string | null {
    const n = view.members.length;
    const removed = view.members.filter((m) => this.cluster.removedByHarness.has(m));
    const rest = n - removed.length;
    if (rest >= majorityOf(n)) return null;
    const standIns = removed.filter((m) => this.hasStandIn(m));
    if (standIns.length > 0 && standIns.length < majorityOf(n) && rest + standIns.length === n) return null;
    return (
      `the harness crashed or removed ${removed.length} of the ${n} members of view ${view.id} [${view.members.join(', ')}] (${removed.join(', ')})` +
      (standIns.length > 0
        ? `; only ${standIns.length} of them restarted (${standIns.map(addressOf).join(', ')}), which cannot stand in for all`
        : '')
    );
  }

  /**
   * A later process ran (joining or a member) at the address of `member`, which the harness
   * crashed, when the faults ended: from then on the harness does nothing, so what happens to
   * it (a join that times out in a healthy network) is the protocol's doing.
   */
  private hasStandIn(member: MemberId): boolean {
    const restarted = this.restartedAtEnd.get(addressOf(member));
    return restarted !== undefined && restarted !== member;
  }

  /** Address -> the incarnation its process ran at the end of the faults ('' while joining), for live restarted processes. */
  private readonly restartedAtEnd = new Map<string, string>();

  describeProcesses(): string {
    const c = this.cluster;
    const parts: string[] = [];
    for (const p of c.processes.values()) {
      if (p.state !== 'member' && p.state !== 'joining' && p.state !== 'leaving') continue;
      const me = p.group?.me;
      const view = me === undefined ? undefined : c.views.get(me);
      const where =
        me === undefined
          ? 'no group yet'
          : c.exited.has(me)
            ? `${me} exited`
            : view
              ? `${me} in view ${view.id} (${view.members.length} members), delivered ${c.deliveredInView.get(me) ?? 0} of ${c.sendsInView.get(view.id) ?? 0} sent in it`
              : `${me} has no view`;
      const blocked = me === undefined ? undefined : c.blocked.get(me);
      parts.push(
        `${p.address} ${p.state}${p.generation > 1 ? ` (restart ${p.generation - 1})` : ''}: ${where}` +
          `${blocked !== undefined ? `, blocked (${blocked})` : ''}${p.unsent > 0 ? `, ${p.unsent} fbcast(s) not sent yet` : ''}`,
      );
    }
    return `${parts.join('; ')}; latest ${c.describeLatest()}`;
  }
}
