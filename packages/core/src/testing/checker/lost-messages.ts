/**
 * Lost messages and orphans, for 'orphans' and for the checkers that must excuse orphans
 * (self-delivery, eventual-delivery: an orphan is discarded by all, its sender included).
 *
 * - A message a sent in view v is *lost* when view v has survivors (see survivors.ts) and
 *   none of them ever delivered a.
 * - A 'causal' or 'total' message b sent in view v is an *orphan* when some message a sent in
 *   the same view v, with send(a) → send(b) (causal-past.ts), is lost.
 * - Every later message of an orphan's sender in the same view is discarded with it, whatever
 *   its order: FIFO leaves no hole in a sender's sequence (`discarded()`).
 *
 * Per sender x, its sends are in view order, so the ones in view v are a range of its send
 * sequence, found by binary search; a prefix count of lost messages over x's sends answers
 * "is any of x's sends in v before its dep(b)[x]-th lost?" in O(1).
 * Time O(sends × survivors + ordered messages × members × log sends).
 */
import type { CausalPast } from './causal-past.js';
import { causalPastOf, isCausallyOrdered } from './causal-past.js';
import type { HistoryContext } from './context.js';
import type { SurvivorsByView } from './survivors.js';
import { survivorsOf } from './survivors.js';

export interface Orphan {
  /** The lost message it depends on (its number in the context). */
  readonly lost: number;
}

interface SenderFacts {
  /** View id of each of its sends (carried forward over a repeated id). */
  views: Int32Array;
  /** lostBefore[j] = how many of its first j sends are lost. */
  lostBefore: Int32Array;
}

function lowerBound(a: Int32Array, value: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class LostMessages {
  private readonly facts: (SenderFacts | undefined)[] = [];
  private orphanMap: Map<number, Orphan> | undefined;
  private discardedMap: Map<number, Orphan> | undefined;

  constructor(
    private readonly ctx: HistoryContext,
    readonly survivors: SurvivorsByView,
  ) {}

  /** Computed only once a 'causal'/'total' message needs it. */
  private pastCache: CausalPast | undefined;
  private get past(): CausalPast {
    return (this.pastCache ??= causalPastOf(this.ctx));
  }

  /** Message `msg` was sent in a view with survivors, and none of them delivered it. */
  isLost(msg: number): boolean {
    const send = this.ctx.sends[msg];
    if (send === undefined) return false;
    const survivors = this.survivors.get(send.viewId);
    if (survivors === undefined || survivors.length === 0) return false;
    for (const s of survivors) if (s.member.delivered.has(msg)) return false;
    return true;
  }

  private senderFacts(x: number): SenderFacts {
    let f = this.facts[x];
    if (f !== undefined) return f;
    const sent = this.ctx.memberList[x]?.sent ?? [];
    const views = new Int32Array(sent.length);
    const lostBefore = new Int32Array(sent.length + 1);
    let view = -0x80000000;
    for (let j = 0; j < sent.length; j++) {
      const a = sent[j]!;
      const own = this.ctx.senderNumber[a] === x && this.ctx.seq[a] === j;
      if (own) view = this.ctx.sends[a]?.viewId ?? view;
      views[j] = view;
      lostBefore[j + 1] = lostBefore[j]! + (own && this.isLost(a) ? 1 : 0);
    }
    this.facts[x] = f = { views, lostBefore };
    return f;
  }

  private anyLostCache: boolean | undefined;
  /** Whether any message at all is lost (if none, there are no orphans and happened-before is not needed). */
  private get anyLost(): boolean {
    if (this.anyLostCache === undefined) {
      this.anyLostCache = false;
      for (let m = 0; m < this.ctx.messageIds.length; m++) {
        if (this.isLost(m)) {
          this.anyLostCache = true;
          break;
        }
      }
    }
    return this.anyLostCache;
  }

  /** For a 'causal'/'total' message b: a lost message of its own view that happened before it, if any. */
  lostDependency(b: number): number | undefined {
    const send = this.ctx.sends[b];
    if (send === undefined || !isCausallyOrdered(send.order) || !this.anyLost) return undefined;
    const v = send.viewId;
    if ((this.survivors.get(v)?.length ?? 0) === 0) return undefined;
    const memberCount = this.ctx.memberList.length;
    for (let x = 0; x < memberCount; x++) {
      const k = this.past.dependency(b, x);
      if (k === 0) continue;
      const f = this.senderFacts(x);
      const lo = lowerBound(f.views, v);
      const hi = Math.min(k, lowerBound(f.views, v + 1));
      if (hi <= lo || f.lostBefore[hi]! - f.lostBefore[lo]! === 0) continue;
      for (let j = lo; j < hi; j++) {
        if (f.lostBefore[j + 1]! > f.lostBefore[j]!) return this.ctx.memberList[x]!.sent[j];
      }
    }
    return undefined;
  }

  /** Every orphan of the history, by message number. */
  orphans(): ReadonlyMap<number, Orphan> {
    if (this.orphanMap !== undefined) return this.orphanMap;
    const map = new Map<number, Orphan>();
    for (let b = 0; b < this.ctx.messageIds.length; b++) {
      const lost = this.lostDependency(b);
      if (lost !== undefined) map.set(b, { lost });
    }
    return (this.orphanMap = map);
  }

  /** Orphans, and every later message of an orphan's sender in the same view. */
  discarded(): ReadonlyMap<number, Orphan> {
    if (this.discardedMap !== undefined) return this.discardedMap;
    const map = new Map(this.orphans());
    if (map.size > 0) {
      for (const member of this.ctx.memberList) {
        let since: { viewId: number; lost: number } | null = null;
        for (const msg of member.sent) {
          const viewId = this.ctx.sends[msg]?.viewId;
          if (viewId === undefined) continue;
          if (since !== null && since.viewId !== viewId) since = null;
          const orphan = map.get(msg);
          if (orphan !== undefined) since ??= { viewId, lost: orphan.lost };
          else if (since !== null) map.set(msg, { lost: since.lost });
        }
      }
    }
    return (this.discardedMap = map);
  }
}

const cache = new WeakMap<HistoryContext, { withEnd?: LostMessages; withoutEnd?: LostMessages }>();

/**
 * Lost messages and orphans of the history (call after the pass). `includeEnd`: members alive
 * at the end count as survivors of their last view (a run that was allowed to settle).
 */
export function lostMessagesOf(ctx: HistoryContext, includeEnd: boolean): LostMessages {
  let entry = cache.get(ctx);
  if (entry === undefined) cache.set(ctx, (entry = {}));
  const make = (): LostMessages => new LostMessages(ctx, survivorsOf(ctx, includeEnd));
  if (includeEnd) return (entry.withEnd ??= make());
  return (entry.withoutEnd ??= make());
}

/** True when the history has at least one 'causal' or 'total' send (else there are no orphans). */
export function hasCausalSends(ctx: HistoryContext): boolean {
  for (const send of ctx.sends) if (send !== undefined && isCausallyOrdered(send.order)) return true;
  return false;
}
