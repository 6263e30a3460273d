/**
 * 'handled': the application sees what the protocol delivered, in the same order, each once.
 * A 'deliver' event records where the protocol delivers; a 'handled' event where the
 * member's application takes the message (its handler, or the 'unhandled' event, runs: the
 * delivery queue of group.ts, perhaps much later). Per member, its handled ids must be its
 * delivered ids (first deliveries, in delivery order), each handled once:
 *
 * - a handled id the member had not delivered before (by then) is a violation;
 * - handling an id again is a violation;
 * - handling an id while an id the member delivered before it is still unhandled is a
 *   violation (out of order; a delivery skipped for good shows up this way too);
 * - the member may stop short (a prefix): its queue may not have drained when the history
 *   ends, or when it exited. With `quiescent`, a member alive at the end (no 'crash',
 *   'excluded' or 'left') must have handled everything it delivered. An excluded or departed
 *   member's queue drains after its exit, so its handled events after the exit are judged
 *   like any other; a crashed one's are ignored (a dead process runs no handler: a simulated
 *   one may still drain its queue).
 *
 * Judged only when the history has a 'handled' event at all: a recorder that does not tap
 * the handlers (older histories, hand-built ones) records none.
 *
 * Offences are reported once per member and kind, with the first one and the count (a
 * skipped delivery puts every later handled id out of order). One pass, O(1) per event; memory:
 * per member its sequence of first deliveries (4 bytes each) and a bitset of what it handled.
 * The end check is O(deliveries); naming an event in a report re-reads the history.
 */
import type { HistoryContext, MemberState } from './context.js';
import { MessageSet } from './context.js';
import type { CheckerFactory, HandledEvent } from './types.js';
import { listSome } from './types.js';

type OffenceKind = 'undelivered' | 'again' | 'order';

interface Offence {
  first: string;
  count: number;
}

interface Tracked {
  readonly member: MemberState;
  /** Message numbers of its first deliveries, in order (`length` of them used). */
  delivered: Int32Array;
  length: number;
  /** Message numbers it handled (each counted once). */
  readonly handled: MessageSet;
  /** Position in `delivered` of the first delivery not handled yet. */
  next: number;
  /** Its first 'crash' event, -1 before it. */
  crashedAt: number;
  readonly offences: Map<OffenceKind, Offence>;
}

/** Index of the first event of `kind` by `member` for `id` (only for naming one in a report). */
function firstEvent(ctx: HistoryContext, kind: 'deliver' | 'handled', member: string, id: string): number {
  const events = ctx.events;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.kind === kind && e.member === member && e.id === id) return i;
  }
  return -1;
}

export const handledChecker: CheckerFactory = (report, options) => {
  const tracked: (Tracked | undefined)[] = [];
  let anyHandled = false;

  const of = (member: MemberState): Tracked => {
    let t = tracked[member.index];
    if (t === undefined) {
      t = { member, delivered: new Int32Array(16), length: 0, handled: new MessageSet(), next: 0, crashedAt: -1, offences: new Map() };
      tracked[member.index] = t;
    }
    return t;
  };

  const offend = (t: Tracked, kind: OffenceKind, what: () => string): void => {
    const o = t.offences.get(kind);
    if (o !== undefined) o.count++;
    else t.offences.set(kind, { first: what(), count: 1 });
  };

  const skipHandled = (t: Tracked): void => {
    while (t.next < t.length && t.handled.has(t.delivered[t.next]!)) t.next++;
  };

  return {
    property: 'handled',
    onDeliver(_event, msg, member) {
      // The context applies the delivery after the checkers: not in `delivered` yet = first delivery.
      if (member.delivered.has(msg)) return;
      const t = of(member);
      if (t.length === t.delivered.length) {
        const grown = new Int32Array(t.length * 2);
        grown.set(t.delivered);
        t.delivered = grown;
      }
      t.delivered[t.length++] = msg;
      // Handled before it was delivered (reported then): nothing more is owed for it.
      skipHandled(t);
    },
    onExit(event, member, ctx) {
      if (event.kind !== 'crash') return;
      const t = of(member);
      if (t.crashedAt < 0) t.crashedAt = ctx.index;
    },
    onHandled(event: HandledEvent, msg, member, ctx) {
      anyHandled = true;
      const t = of(member);
      if (t.crashedAt >= 0) return;
      const at = ctx.index;
      if (msg >= 0 && t.handled.has(msg)) {
        offend(
          t,
          'again',
          () => `${event.id} again (event #${at}; first handled at event #${firstEvent(ctx, 'handled', member.id, event.id)})`,
        );
        return;
      }
      if (msg < 0 || !member.delivered.has(msg)) {
        offend(t, 'undelivered', () => `${event.id} (event #${at})`);
        if (msg >= 0) t.handled.add(msg);
        return;
      }
      t.handled.add(msg);
      if (t.delivered[t.next] === msg) {
        skipHandled(t);
        return;
      }
      // Delivered, not handled yet, and not the next one: an earlier delivery is still unhandled.
      offend(t, 'order', () => {
        const earlier = ctx.messageIds[t.delivered[t.next]!]!;
        return (
          `${event.id} (event #${at}; delivered at event #${firstEvent(ctx, 'deliver', member.id, event.id)}) before ` +
          `${earlier}, which it delivered earlier (event #${firstEvent(ctx, 'deliver', member.id, earlier)}) and had not handled`
        );
      });
    },
    finish(ctx) {
      if (!anyHandled) return;
      const quiescent = options.quiescent === true;
      for (const t of tracked) {
        if (t === undefined) continue;
        const id = t.member.id;
        const again = t.offences.get('again');
        if (again !== undefined) report(`${id} handled ${again.count} message(s) more than once; the first: ${again.first}`);
        const undelivered = t.offences.get('undelivered');
        if (undelivered !== undefined) {
          report(`${id} handled ${undelivered.count} message(s) it had not delivered (by then); the first: ${undelivered.first}`);
        }
        const order = t.offences.get('order');
        if (order !== undefined) {
          report(`${id} handled ${order.count} message(s) out of its delivery order; the first: ${order.first}`);
        }
        // A prefix is enough unless the run settled and the member is alive at the end.
        if (!quiescent || t.member.exit !== undefined || t.crashedAt >= 0) continue;
        const missing: string[] = [];
        for (let i = t.next; i < t.length; i++) {
          const msg = t.delivered[i]!;
          if (!t.handled.has(msg)) missing.push(ctx.messageIds[msg]!);
        }
        if (missing.length > 0) {
          report(
            `${id} (alive at the end of a quiescent run) never handled ${missing.length} of the ${t.length} message(s) ` +
              `it delivered, the first delivered at event #${firstEvent(ctx, 'deliver', id, missing[0]!)}: ${listSome(missing)}`,
          );
        }
      }
    },
  };
};
