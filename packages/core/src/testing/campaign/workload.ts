/**
 * What the application does during a run: bursts of multicasts (every order, now and then
 * safe, now and then in another member's causal context, now and then followed by a flush()),
 * synchronous calls (nested ones too) and requests from clients outside the group. Each
 * outcome is checked as far as the runner can judge it alone (the history checker judges the
 * rest).
 */
import { CausalContext } from '../../context/causal-context.js';
import { ExcludedError, GroupClosedError, NotAcceptedError } from '../../errors.js';
import type { Group } from '../../group.js';
import { GroupConnection } from '../../group-connection.js';
import type { Replies } from '../../protocol/reply/replies.js';
import { shareOf } from '../../protocol/reply/scatter.js';
import { addressOf, type MemberId } from '../../protocol/types.js';
import { connectionObserver } from '../history-observer.js';
import type { Cluster, Process } from './cluster.js';
import { HOSTILE_ADDRESS } from './hostile-member.js';
import { CALL_TOPIC, describeError, GROUP_NAME, NESTED_TOPIC, SCATTER_TOPIC, TOPIC, type RunContext } from './run-context.js';
import type { ScenarioAction } from './scenario.js';
import { SCATTER_ITEMS } from './scatter-schedule.js';

export type MulticastOrder = 'fifo' | 'causal' | 'total' | 'group';

export class Workload {
  /** Client processes, by number, once opened (or while opening). */
  private readonly clients = new Map<number, Promise<GroupConnection | null>>();
  private contextHandOvers = 0;

  constructor(
    private readonly run: RunContext,
    private readonly cluster: Cluster,
  ) {
    cluster.onJoined = (process, group) => this.handle(process, group);
  }

  /** The handlers every member has. */
  private handle(process: Process, group: Group): void {
    group.handle(TOPIC, () => {
      process.delivered++;
    });
    group.handle(CALL_TOPIC, (_payload, delivery) => delivery.rank);
    // The split phone book: each member answers for its part, as the range of items it searched.
    group.handle(SCATTER_TOPIC, (items, delivery) => {
      const { start, end } = shareOf(delivery, items as number);
      return [start, end];
    });
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
  }

  /** The scenario's 'fbcast' action: a burst from the member `pick` chooses. */
  fbcast(pick: number, count: number, order: MulticastOrder, safe: boolean): void {
    if (this.run.faultsEnded) return;
    const candidates = this.cluster.members();
    if (candidates.length === 0) {
      this.run.counts.skippedNoCandidate++;
      this.run.note(`fbcast x${count}: nobody to send`);
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
    const send = (): void => this.burst(process, count, order, safe);
    if (from) {
      const context = from.group!.context();
      const token = `ctx-${++this.contextHandOvers}`;
      this.run.recorder.record({ kind: 'context-out', member: from.group!.me, token });
      // A multicast made in a context waits until its member has delivered what the context
      // names, and multicasts made meanwhile outside it go first (Group.send): the hand-over
      // takes effect when it is covered. So the burst waits for that, and the hand-over is
      // recorded in the same turn as the burst is issued, which keeps the history's
      // process-wide hand-over exact.
      // A process the harness crashed meanwhile sends nothing: its Group does not know it is
      // dead (the simulator stopped its wire and clock), so the harness must not act for it.
      const gone = (): boolean => process.group !== group || process.state === 'crashed' || group.status.state === 'closed';
      group.awaitContext(context).then(() => {
        if (gone()) return;
        if (process.unsent !== 0 || group.pendingMessages !== 0) {
          send();
          return;
        }
        this.run.recorder.record({ kind: 'context-in', member: group.me, token });
        CausalContext.run(context, send);
      }, () => {
        if (!gone()) send();
      });
    } else {
      send();
    }
    if (variant % 5 === 1) {
      process.unsent++;
      group.flush().then(() => {
        process.unsent--;
      }, (error: unknown) => {
        process.unsent--;
        if (error instanceof GroupClosedError) return;
        this.run.violation('fbcast-rejected', `flush() by ${process.address} rejected: ${describeError(error)}`);
      });
    }
    this.run.note(`${order}${safe ? ' safe' : ''} ${process.address}:${first}..${process.sent} from ${group.me}` +
      `${from ? ` in the context of ${from.group!.me}` : ''}${variant % 5 === 1 ? ', then flush()' : ''}`);
  }

  /** `count` multicasts from `process` back to back; payloads "address:n" are unique in the run. */
  burst(process: Process, count: number, order: MulticastOrder, safe: boolean): void {
    const group = process.group!;
    for (let i = 0; i < count; i++) {
      const payload = `${process.address}:${++process.sent}`;
      process.unsent++;
      group.multicast(TOPIC, payload, { order, safe }).then(() => {
        process.unsent--;
      }, (error: unknown) => {
        process.unsent--;
        if (error instanceof GroupClosedError) return;
        this.run.violation('fbcast-rejected', `fbcast of "${payload}" by ${process.address} rejected: ${describeError(error)}`);
      });
    }
  }

  call(action: Extract<ScenarioAction, { kind: 'call' }>): void {
    if (this.run.faultsEnded) return;
    const candidates = this.cluster.members();
    if (candidates.length === 0) {
      this.run.counts.skippedNoCandidate++;
      return;
    }
    const process = candidates[Math.floor(action.pick * candidates.length)]!;
    const group = process.group!;
    const what = `call ${++this.run.counts.calls} by ${group.me} (${action.order}, replies ${action.quorum}${action.nested ? ', nested' : ''})`;
    this.run.note(what);
    group.multicast(action.nested ? NESTED_TOPIC : CALL_TOPIC, what, { order: action.order, replies: action.quorum, timeoutMs: action.timeoutMs }).then(
      (replies) => {
        this.checkReplies(replies, what);
        if (replies.quorumMet) this.run.counts.callsQuorumMet++;
      },
      (error: unknown) => this.callRejected(error, what),
    );
  }

  /** Client `client` (at "c<client>"), opened on first use; null if nobody is there to ask. */
  private connection(client: number, mode: 'relay' | 'direct'): Promise<GroupConnection | null> | null {
    let connection = this.clients.get(client);
    if (!connection) {
      const address = `c${client}`;
      const seeds = this.cluster.addresses.filter((a) => this.cluster.processes.get(a)!.state === 'member');
      if (seeds.length === 0) return null;
      connection = GroupConnection.open(GROUP_NAME, {
        wire: this.run.network.wire(address), seeds, mode, observer: connectionObserver(this.run.recorder),
      }).catch((error: unknown) => {
        this.run.note(`client ${address} could not connect: ${describeError(error)}`);
        this.clients.delete(client);
        return null;
      });
      this.clients.set(client, connection);
    }
    return connection;
  }

  clientRequest(action: Extract<ScenarioAction, { kind: 'client' }>): void {
    if (this.run.faultsEnded) return;
    const connection = this.connection(action.client, action.mode);
    if (!connection) return;
    const n = ++this.run.counts.clientRequests;
    void connection.then((client) => {
      if (!client || this.run.faultsEnded) return;
      const what = `client request ${n} by ${client.id} (${action.order}, replies ${action.quorum})`;
      this.run.note(what);
      client.multicast(CALL_TOPIC, what, { order: action.order, replies: action.quorum, timeoutMs: 3_000 }).then(
        (replies) => {
          if (!replies) {
            this.run.counts.clientRequestsAnswered++;
            return;
          }
          this.checkReplies(replies, what);
          if (replies.quorumMet) this.run.counts.clientRequestsAnswered++;
        },
        (error: unknown) => {
          if (error instanceof NotAcceptedError) return;
          this.callRejected(error, what);
        },
      );
    });
  }

  /** A scatter-gather query from a client: complete, or visibly incomplete. */
  scatter(action: Extract<ScenarioAction, { kind: 'scatter' }>): void {
    if (this.run.faultsEnded) return;
    const connection = this.connection(action.client, action.mode);
    if (!connection) return;
    const n = ++this.run.counts.scatters;
    void connection.then((client) => {
      if (!client || this.run.faultsEnded) return;
      const what = `scatter-gather ${n} by ${client.id} (${action.mode}, replies ${action.quorum})`;
      this.run.note(what);
      client.multicast(SCATTER_TOPIC, SCATTER_ITEMS, { replies: action.quorum, timeoutMs: action.timeoutMs }).then(
        (replies) => {
          this.checkReplies(replies, what);
          if (this.checkScatter(replies, what, action.quorum)) this.run.counts.scattersComplete++;
        },
        (error: unknown) => this.callRejected(error, what),
      );
    });
  }

  /**
   * What a scatter-gather answer must be (docs/replies.md): `gather()` merges parts of one
   * division of the items — the one of the view the answer is judged in, each part the share of
   * its rank — with no overlap, and the gaps are exactly `missingRanks`. Complete (true) only
   * if nothing is missing; 'all' with `quorumMet` must be complete; `quorumMet` means every
   * reply ran in that view.
   */
  private checkScatter(replies: Replies, what: string, quorum: Extract<ScenarioAction, { kind: 'scatter' }>['quorum']): boolean {
    const size = replies.expected.length;
    // A 'first' (or k) call may end before its caller recorded the view: nothing to judge against.
    if (size === 0) return false;
    const missing = replies.missingRanks;
    const ranges = replies.gather<number[][]>((parts) => parts as unknown as number[][]);
    const covered = new Set<number>();
    const parts = replies.replies.filter((reply) => !reply.error && (reply.viewId === undefined || reply.viewId === replies.viewId));
    for (const reply of parts) {
      const share = shareOf({ rank: reply.rank, viewSize: size }, SCATTER_ITEMS);
      const value = reply.value as number[];
      if (!Array.isArray(value) || value[0] !== share.start || value[1] !== share.end) {
        this.run.violation('call-result', `${what}: ${reply.member} answered for [${String(value)}] as rank ${reply.rank} of view ${replies.viewId} (${size} members), whose share is [${share.start},${share.end}]`);
      }
      covered.add(reply.rank);
    }
    // The merged parts tile the items but for the missing ranks' shares, in order.
    let at = 0;
    for (let rank = 0; rank < size; rank++) {
      const share = shareOf({ rank, viewSize: size }, SCATTER_ITEMS);
      if (covered.has(rank) === missing.includes(rank)) {
        this.run.violation('call-result', `${what}: rank ${rank} of view ${replies.viewId} is ${covered.has(rank) ? 'answered and listed missing' : 'neither answered nor listed missing'}`);
      }
      if (!covered.has(rank)) continue;
      const range = ranges[at++];
      if (!range || range[0] !== share.start || range[1] !== share.end) {
        this.run.violation('call-result', `${what}: gather() gave [${String(range)}] where rank ${rank}'s share [${share.start},${share.end}] belongs`);
      }
    }
    if (at !== ranges.length) this.run.violation('call-result', `${what}: gather() merged ${ranges.length} parts for ${at} ranks answered`);
    const complete = missing.length === 0;
    // 'all' met, every reply a part run in the call's view: nothing can be missing.
    const oneView = replies.replies.every((reply) => !reply.error && (reply.viewId === undefined || reply.viewId === replies.viewId));
    if (replies.quorumMet && quorum === 'all' && oneView && !complete) {
      this.run.violation('call-result', `${what}: 'all' met in view ${replies.viewId}, but ranks ${missing.join(', ')} are missing`);
    }
    return complete;
  }

  /** What a call's result must satisfy whatever the faults: it is consistent in itself. */
  private checkReplies(replies: Replies, what: string): void {
    const expected = new Set(replies.expected);
    const answered = new Set<MemberId>();
    for (const reply of replies.replies) {
      if (answered.has(reply.member)) this.run.violation('call-result', `${what}: two replies from ${reply.member}`);
      answered.add(reply.member);
      // A direct request's member may have run it in another view than the one the answer is judged in.
      const inView = reply.viewId === undefined || reply.viewId === replies.viewId;
      if (inView && replies.expected.length > 0 && !expected.has(reply.member)) this.run.violation('call-result', `${what}: a reply from ${reply.member}, not in the view it waited on`);
      // The hostile member (hostile-member.ts) sends replies as itself: it is in no view.
      if (addressOf(reply.member) === HOSTILE_ADDRESS) this.run.violation('call-result', `${what}: a reply from the hostile member ${reply.member}, in no view, was counted`);
      if (reply.error && reply.error.code !== 'DUPLICATE_REQUEST') this.run.violation('call-result', `${what}: ${reply.member} answered with an error: ${reply.error.message}`);
    }
    for (const member of [...replies.failed, ...replies.slow]) {
      if (answered.has(member)) this.run.violation('call-result', `${what}: ${member} answered and is also listed as failed or slow`);
    }
  }

  private callRejected(error: unknown, what: string): void {
    if (error instanceof GroupClosedError || error instanceof ExcludedError) return;
    this.run.violation('call-rejected', `${what} rejected: ${describeError(error)}`);
  }
}
