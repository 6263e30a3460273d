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
import type { MemberId } from '../../protocol/types.js';
import { connectionObserver } from '../history-observer.js';
import type { Cluster, Process } from './cluster.js';
import { CALL_TOPIC, describeError, GROUP_NAME, NESTED_TOPIC, TOPIC, type RunContext } from './run-context.js';
import type { ScenarioAction } from './scenario.js';

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
    let context: CausalContext | undefined;
    if (from) {
      context = from.group!.context();
      const token = `ctx-${++this.contextHandOvers}`;
      this.run.recorder.record({ kind: 'context-out', member: from.group!.me, token });
      this.run.recorder.record({ kind: 'context-in', member: group.me, token });
    }
    const send = (): void => this.burst(process, count, order, safe);
    if (context) CausalContext.run(context, send);
    else send();
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

  clientRequest(action: Extract<ScenarioAction, { kind: 'client' }>): void {
    if (this.run.faultsEnded) return;
    let connection = this.clients.get(action.client);
    if (!connection) {
      const address = `c${action.client}`;
      const seeds = this.cluster.addresses.filter((a) => this.cluster.processes.get(a)!.state === 'member');
      if (seeds.length === 0) return;
      connection = GroupConnection.open(GROUP_NAME, {
        wire: this.run.network.wire(address), seeds, mode: action.mode, observer: connectionObserver(this.run.recorder),
      }).catch((error: unknown) => {
        this.run.note(`client ${address} could not connect: ${describeError(error)}`);
        this.clients.delete(action.client);
        return null;
      });
      this.clients.set(action.client, connection);
    }
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

  /** What a call's result must satisfy whatever the faults: it is consistent in itself. */
  private checkReplies(replies: Replies, what: string): void {
    const expected = new Set(replies.expected);
    const answered = new Set<MemberId>();
    for (const reply of replies.replies) {
      if (answered.has(reply.member)) this.run.violation('call-result', `${what}: two replies from ${reply.member}`);
      answered.add(reply.member);
      if (replies.expected.length > 0 && !expected.has(reply.member)) this.run.violation('call-result', `${what}: a reply from ${reply.member}, not in the view it waited on`);
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
