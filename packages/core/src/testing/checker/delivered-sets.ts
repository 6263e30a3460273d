/**
 * The slow, exact side of delivered-set comparison: only when two fingerprints differ, a
 * second pass collects the actual ids that the members involved delivered in the views
 * involved, so the violation can name them.
 */
import type { HistoryEvent, MemberId } from '../history.js';
import { listSome } from './types.js';

/** One pair of members whose delivered sets in `viewId` differ (by fingerprint). */
export interface SetMismatch {
  viewId: number;
  a: MemberId;
  b: MemberId;
}

/**
 * For each wanted (member, view): the distinct ids the member delivered while that view was
 * its installed view, an id counting only at its first delivery by that member (the same
 * rule as the context's fingerprints).
 */
export function collectDeliveredSets(
  events: readonly HistoryEvent[],
  wanted: ReadonlyMap<MemberId, ReadonlySet<number>>,
): Map<MemberId, Map<number, Set<string>>> {
  const result = new Map<MemberId, Map<number, Set<string>>>();
  const current = new Map<MemberId, number>();
  const seen = new Map<MemberId, Set<string>>();
  for (const [member, views] of wanted) {
    const byView = new Map<number, Set<string>>();
    for (const v of views) byView.set(v, new Set());
    result.set(member, byView);
    seen.set(member, new Set());
  }
  for (const event of events) {
    if (event.kind === 'view') {
      if (wanted.has(event.member)) current.set(event.member, event.view.id);
    } else if (event.kind === 'deliver') {
      const byView = result.get(event.member);
      if (byView === undefined) continue;
      const already = seen.get(event.member);
      if (already === undefined || already.has(event.id)) continue;
      already.add(event.id);
      const viewId = current.get(event.member);
      if (viewId === undefined) continue;
      byView.get(viewId)?.add(event.id);
    }
  }
  return result;
}

/** Ids in `a` missing from `b`, in `a`'s order. */
function missing(a: ReadonlySet<string>, b: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const id of a) if (!b.has(id)) out.push(id);
  return out;
}

/**
 * Resolves mismatches to messages naming the differing ids (the first 5 each way), or
 * nothing for a pair whose sets turn out equal (a fingerprint collision).
 */
export function describeMismatches(
  events: readonly HistoryEvent[],
  mismatches: readonly SetMismatch[],
  describe: (m: SetMismatch, onlyA: string, onlyB: string) => string,
): string[] {
  if (mismatches.length === 0) return [];
  const wanted = new Map<MemberId, Set<number>>();
  const want = (member: MemberId, viewId: number): void => {
    let views = wanted.get(member);
    if (views === undefined) wanted.set(member, (views = new Set()));
    views.add(viewId);
  };
  for (const m of mismatches) {
    want(m.a, m.viewId);
    want(m.b, m.viewId);
  }
  const sets = collectDeliveredSets(events, wanted);
  const out: string[] = [];
  for (const m of mismatches) {
    const a = sets.get(m.a)?.get(m.viewId) ?? new Set<string>();
    const b = sets.get(m.b)?.get(m.viewId) ?? new Set<string>();
    const onlyA = missing(a, b);
    const onlyB = missing(b, a);
    if (onlyA.length === 0 && onlyB.length === 0) continue;
    out.push(
      describe(
        m,
        onlyA.length === 0 ? 'nothing' : `${onlyA.length} ${listSome(onlyA)}`,
        onlyB.length === 0 ? 'nothing' : `${onlyB.length} ${listSome(onlyB)}`,
      ),
    );
  }
  return out;
}
