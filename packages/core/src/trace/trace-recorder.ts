/**
 * Records a run as a trace (trace-event.ts): a HistoryRecorder that also writes each event,
 * stamped, to a sink, and a GroupObserver that adds what only the protocol knows (holds in
 * the order stage, flushes). One recorder may serve every member of a process.
 *
 *   const trace = new TraceRecorder(traceFile('run.jsonl'));
 *   const group = await Group.join('g', { wire, seeds, observer: trace.observer() });
 *   …
 *   await trace.close();
 *
 * Nothing is recorded, and the protocol keeps no record for it, unless a recorder's observer
 * is given to Group.join.
 */
import { wallClock, type Clock } from '../env/clock.js';
import type { GroupObserver } from '../group-options.js';
import { HistoryRecorder, type DeliveryOrder, type HistoryEvent, type MemberId } from '../testing/history.js';
import { historyObserver, messageId } from '../testing/history-observer.js';
import { TRACE_VERSION, type TraceExtra, type TraceHeader, type TraceStamps, type VectorTimestamp } from './trace-event.js';

/** Where a trace's lines go (traceFile() writes them to a file). */
export interface TraceSink {
  /** One line of JSON, without its newline. */
  write(line: string): void;
  close?(): void | Promise<void>;
}

export interface TraceRecorderOptions {
  /** Where `t` comes from: a SimulatedNetwork (virtual time) or, by default, the wall clock. */
  clock?: Pick<Clock, 'now'>;
  /** What the header says `t` is; default 'wall', or 'virtual' when a clock is given. */
  clockKind?: TraceHeader['clock'];
  /** Also keep the history events in `events` (for checkHistory), as a HistoryRecorder does. Default false. */
  keepHistory?: boolean;
  title?: string;
}

/** Per member, what its vector timestamps and positions are counted from. */
interface MemberCount {
  viewId: number;
  members: readonly MemberId[];
  delivered: Map<MemberId, number>;
  sent: number;
  position: number;
}

/** Views of total or group messages kept below the newest installed (a laggard may still deliver them). */
const ORDER_VIEWS_KEPT = 2;

export class TraceRecorder extends HistoryRecorder {
  private readonly clock: Pick<Clock, 'now'>;
  private readonly keepHistory: boolean;
  private readonly counts = new Map<MemberId, MemberCount>();
  /** Total and group sends seen, by view: a delivery recorded without its order finds it here. */
  private readonly ordered = new Map<number, Map<string, DeliveryOrder>>();
  /** The order of the delivery being recorded, when the observer knows it. */
  private deliveryOrder: DeliveryOrder | undefined;
  private closed = false;

  constructor(
    private readonly sink: TraceSink,
    options: TraceRecorderOptions = {},
  ) {
    super();
    this.clock = options.clock ?? wallClock;
    this.keepHistory = options.keepHistory ?? false;
    const header: TraceHeader = {
      kind: 'trace',
      version: TRACE_VERSION,
      clock: options.clockKind ?? (options.clock ? 'virtual' : 'wall'),
      ...(options.title !== undefined ? { title: options.title } : {}),
    };
    sink.write(JSON.stringify(header));
  }

  override record(event: HistoryEvent): void {
    if (this.keepHistory) super.record(event);
    if (this.closed) return;
    const stamps = this.stamp(event);
    this.sink.write(
      JSON.stringify({
        t: stamps.t,
        ...event,
        ...(stamps.vt ? { vt: stamps.vt } : {}),
        ...(stamps.position !== undefined ? { position: stamps.position } : {}),
      }),
    );
  }

  /** Records what a history has no place for: a hold, a flush, a violation. */
  note(extra: TraceExtra): void {
    if (this.closed) return;
    this.sink.write(JSON.stringify({ t: this.now(), ...extra }));
  }

  /** The observer to give Group.join (GroupOptions.observer): history events, holds and flushes. */
  observer(): GroupObserver {
    const base = historyObserver(this);
    return {
      ...base,
      delivered: (member, message) => {
        this.deliveryOrder = message.order === 'announce' ? undefined : (message.order ?? 'fifo');
        try {
          base.delivered?.(member, message);
        } finally {
          this.deliveryOrder = undefined;
        }
      },
      held: (member, message, reason) =>
        this.note({ kind: 'held', member, id: messageId(message), sender: message.sender, viewId: message.viewId, reason }),
      flushing: (member, viewId) => this.note({ kind: 'flush', member, viewId }),
    };
  }

  /** Writes nothing more and closes the sink (a file sink writes what it buffered). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sink.close?.();
  }

  private now(): number {
    return Math.round(this.clock.now() * 1000) / 1000;
  }

  private stamp(event: HistoryEvent): TraceStamps {
    const t = this.now();
    switch (event.kind) {
      case 'view':
        this.counts.set(event.member, { viewId: event.view.id, members: event.view.members, delivered: new Map(), sent: 0, position: 0 });
        for (const viewId of this.ordered.keys()) if (viewId < event.view.id - ORDER_VIEWS_KEPT) this.ordered.delete(viewId);
        return { t };
      case 'send': {
        if (event.order === 'total' || event.order === 'group') {
          let orders = this.ordered.get(event.viewId);
          if (!orders) this.ordered.set(event.viewId, (orders = new Map()));
          orders.set(event.id, event.order);
        }
        const count = this.counts.get(event.member);
        if (!count || count.viewId !== event.viewId) return { t };
        count.sent++;
        return { t, vt: this.vector(count, event.member) };
      }
      case 'deliver': {
        const count = this.counts.get(event.member);
        if (!count || count.viewId !== event.viewId) return { t };
        count.delivered.set(event.sender, (count.delivered.get(event.sender) ?? 0) + 1);
        const order = this.deliveryOrder ?? this.ordered.get(event.viewId)?.get(event.id);
        const position = order === 'total' || order === 'group' ? ++count.position : undefined;
        return { t, vt: this.vector(count, null), ...(position !== undefined ? { position } : {}) };
      }
      case 'crash':
      case 'excluded':
      case 'left':
        this.counts.delete(event.member);
        return { t };
      default:
        return { t };
    }
  }

  /** The member's vector timestamp; `sender`'s own entry counts its sends. */
  private vector(count: MemberCount, sender: MemberId | null): VectorTimestamp {
    const vt: VectorTimestamp = {};
    for (const member of count.members) vt[member] = member === sender ? count.sent : (count.delivered.get(member) ?? 0);
    return vt;
  }
}

/** A sink that keeps the lines in memory (tests, or a caller that writes them itself). */
export function memoryTraceSink(): TraceSink & { readonly lines: string[]; text(): string } {
  const lines: string[] = [];
  return { lines, write: (line) => void lines.push(line), text: () => (lines.length === 0 ? '' : `${lines.join('\n')}\n`) };
}
