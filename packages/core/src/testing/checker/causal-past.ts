/**
 * Happened-before (→), derived from the history alone — never from protocol timestamps:
 *   - the events of one member are ordered as they appear in the history;
 *   - the 'send' of m → every 'deliver' of m (a delivery listed before the send is ignored:
 *     'integrity' reports it);
 *   - the 'context-out' with token t → every 'context-in' with token t (the first
 *     'context-out' of a token counts; a 'context-in' of an unknown token adds nothing).
 *
 * One pass with vector clocks over the members (numbered as in `ctx.memberList`, members and
 * processes outside the group alike): entry x of a clock counts the sends of member x that
 * happened before. A member's own entry is not kept in its clock array (it is its send
 * count); a message keeps a reference to its sender's clock array as it was at the send,
 * shared copy-on-write, so consecutive sends without a merge in between share one array.
 * Time O(events + merges × members), memory O(members² + distinct snapshots × members).
 *
 * Computed once per context, after the pass, for every checker that asks (causal, orphans,
 * self-delivery, eventual-delivery).
 */
import type { HistoryContext } from './context.js';

export interface CausalPast {
  /** How many sends of member number `x` happened before the send of message `msg` (0 if it has no send). */
  dependency(msg: number, x: number): number;
}

class VectorPast implements CausalPast {
  constructor(
    private readonly ctx: HistoryContext,
    /** Per message: its sender's clock array at the send (own entry meaningless). */
    private readonly snapshots: readonly (Int32Array | undefined)[],
  ) {}

  dependency(msg: number, x: number): number {
    const snap = this.snapshots[msg];
    if (snap === undefined) return 0;
    if (this.ctx.senderNumber[msg] === x) return this.ctx.seq[msg]!; // its earlier sends
    return snap[x] ?? 0;
  }
}

function compute(ctx: HistoryContext): CausalPast {
  const memberCount = ctx.memberList.length;
  const clocks: Int32Array[] = [];
  for (let i = 0; i < memberCount; i++) clocks.push(new Int32Array(memberCount));
  /** 1 when the member's clock array is referenced by a snapshot and must be copied before a change. */
  const shared = new Uint8Array(memberCount);
  const sendCount = new Int32Array(memberCount);
  const snapshots: (Int32Array | undefined)[] = new Array<Int32Array | undefined>(ctx.messageIds.length).fill(undefined);
  const tokens = new Map<string, { clock: Int32Array; owner: number; count: number }>();

  /** Member q takes in a clock whose owner had made `ownerCount` sends. */
  const merge = (q: number, snap: Int32Array, owner: number, ownerCount: number): void => {
    let clock = clocks[q]!;
    let writable = shared[q] === 0;
    for (let x = 0; x < memberCount; x++) {
      const v = x === owner ? ownerCount : snap[x]!;
      if (v > clock[x]!) {
        if (!writable) {
          clock = clock.slice();
          clocks[q] = clock;
          shared[q] = 0;
          writable = true;
        }
        clock[x] = v;
      }
    }
  };

  const events = ctx.events;
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    const member = ctx.members.get(event.member);
    if (member === undefined) continue;
    const p = member.index;
    switch (event.kind) {
      case 'send': {
        const msg = ctx.messageNumbers.get(event.id);
        if (msg !== undefined && ctx.sendIndex[msg] === i) {
          snapshots[msg] = clocks[p];
          shared[p] = 1;
        }
        sendCount[p]!++;
        break;
      }
      case 'deliver': {
        const msg = ctx.messageNumbers.get(event.id);
        if (msg === undefined) break;
        const at = ctx.sendIndex[msg]!;
        const snap = snapshots[msg];
        if (at < 0 || at > i || snap === undefined) break;
        merge(p, snap, ctx.senderNumber[msg]!, ctx.seq[msg]! + 1);
        break;
      }
      case 'context-out':
        if (!tokens.has(event.token)) {
          tokens.set(event.token, { clock: clocks[p]!, owner: p, count: sendCount[p]! });
          shared[p] = 1;
        }
        break;
      case 'context-in': {
        const t = tokens.get(event.token);
        if (t !== undefined) merge(p, t.clock, t.owner, t.count);
        break;
      }
      default:
        break;
    }
  }
  return new VectorPast(ctx, snapshots);
}

const cache = new WeakMap<HistoryContext, CausalPast>();

/** The happened-before relation of the whole history (call after the pass, e.g. in `finish`). */
export function causalPastOf(ctx: HistoryContext): CausalPast {
  let past = cache.get(ctx);
  if (past === undefined) {
    past = compute(ctx);
    cache.set(ctx, past);
  }
  return past;
}

/** True for the orders that promise causal delivery: 'causal' and 'total' (abcast is causal too). */
export function isCausallyOrdered(order: string | undefined): boolean {
  return order === 'causal' || order === 'total';
}
