/**
 * What the application does during a run: bursts of multicasts (every order, now and then
 * safe, now and then in another member's causal context, now and then followed by a flush()),
 * synchronous calls (nested ones too) and requests from clients outside the group. It records
 * how each call ended; the call checker (../checker/call-checker.ts) judges those after the
 * run, the history checker the history.
 */
import { CausalContext } from '../../context/causal-context.js';
import { GroupClosedError } from '../../errors.js';
import type { Group } from '../../group.js';
import { GroupConnection } from '../../group-connection.js';
import { shareOf } from '../../protocol/reply/scatter.js';
import type { Order } from '../../validation/orders.js';
import { scatterComplete, type CallOutcome, type RecordedCall } from '../checker/call-checker.js';
import { connectionObserver } from '../history-observer.js';
import type { Cluster, Process } from './cluster.js';
import { CALL_TOPIC, describeError, GROUP_NAME, NESTED_TOPIC, SCATTER_TOPIC, TOPIC, type RunContext } from './run-context.js';
import type { ScenarioAction } from './scenario.js';
import { SCATTER_ITEMS } from './scatter-schedule.js';

export type MulticastOrder = Order;

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
        this.record(`nested call at ${group.me}`, { replies: inner });
        return inner.replies.length;
      } catch (error) {
        this.record(`nested call at ${group.me}`, { error });
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
    const from =
      candidates.length > 1 && variant % 3 === 0 && process.unsent === 0 && group.pendingMessages === 0
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
      group.awaitContext(context).then(
        () => {
          if (gone()) return;
          if (process.unsent !== 0 || group.pendingMessages !== 0) {
            send();
            return;
          }
          this.run.recorder.record({ kind: 'context-in', member: group.me, token });
          CausalContext.run(context, send);
        },
        () => {
          if (!gone()) send();
        },
      );
    } else {
      send();
    }
    if (variant % 5 === 1) {
      process.unsent++;
      group.flush().then(
        () => {
          process.unsent--;
        },
        (error: unknown) => {
          process.unsent--;
          if (error instanceof GroupClosedError) return;
          this.run.violation('fbcast-rejected', `flush() by ${process.address} rejected: ${describeError(error)}`);
        },
      );
    }
    this.run.note(
      `${order}${safe ? ' safe' : ''} ${process.address}:${first}..${process.sent} from ${group.me}` +
        `${from ? ` in the context of ${from.group!.me}` : ''}${variant % 5 === 1 ? ', then flush()' : ''}`,
    );
  }

  /** `count` multicasts from `process` back to back; payloads "address:n" are unique in the run. */
  burst(process: Process, count: number, order: MulticastOrder, safe: boolean): void {
    const group = process.group!;
    for (let i = 0; i < count; i++) {
      const payload = `${process.address}:${++process.sent}`;
      process.unsent++;
      group.multicast(TOPIC, payload, { order, safe }).then(
        () => {
          process.unsent--;
        },
        (error: unknown) => {
          process.unsent--;
          if (error instanceof GroupClosedError) return;
          this.run.violation('fbcast-rejected', `fbcast of "${payload}" by ${process.address} rejected: ${describeError(error)}`);
        },
      );
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
    group
      .multicast(action.nested ? NESTED_TOPIC : CALL_TOPIC, what, {
        order: action.order,
        replies: action.quorum,
        timeoutMs: action.timeoutMs,
      })
      .then(
        (replies) => {
          this.record(what, { replies });
          if (replies.quorumMet) this.run.counts.callsQuorumMet++;
        },
        (error: unknown) => this.record(what, { error }),
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
        wire: this.run.network.wire(address),
        seeds,
        mode,
        observer: connectionObserver(this.run.recorder),
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
          this.record(what, { replies }, { refusalAllowed: true });
          if (replies.quorumMet) this.run.counts.clientRequestsAnswered++;
        },
        (error: unknown) => this.record(what, { error }, { refusalAllowed: true }),
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
          this.record(what, { replies }, { scatter: { items: SCATTER_ITEMS, quorum: action.quorum } });
          if (scatterComplete(replies)) this.run.counts.scattersComplete++;
        },
        (error: unknown) => this.record(what, { error }, { scatter: { items: SCATTER_ITEMS, quorum: action.quorum } }),
      );
    });
  }

  /** How a call ended, for the call checker (../checker/call-checker.ts) to judge after the run. */
  private record(what: string, outcome: CallOutcome, more: { refusalAllowed?: boolean; scatter?: RecordedCall['scatter'] } = {}): void {
    this.run.recordCall({
      what,
      refusalAllowed: more.refusalAllowed ?? false,
      ...(more.scatter ? { scatter: more.scatter } : {}),
      outcome,
    });
  }
}
