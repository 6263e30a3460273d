/**
 * 'group-position': a 'group' message (gbcast) g cuts the delivery sequence of its view at
 * the same point at every member that delivers it. For any two members p, q that deliver g
 * in view v (their installed view at the delivery):
 *   - before: the set of messages p delivered in v before g equals the set q delivered in v
 *     before g (every kind of message counts);
 *   - after: when both also finished v (installed a next view, or — with `quiescent` — are
 *     alive at the end in v), the sets delivered in v after g are equal too. A member that
 *     crashed, left or was excluded during v after g delivered only a prefix of the rest:
 *     only its "before" set is compared.
 * That g is delivered in the same view everywhere is 'view-synchrony'.
 *
 * Sets are compared by the context's order-independent fingerprints: at g's delivery the
 * member's fingerprint of v so far is copied (the "before" set); at its next view the
 * "after" set is the fingerprint of all of v minus that minus g. O(1) per gbcast delivery;
 * only when two fingerprints differ does a second pass collect the ids to name them.
 */
import type { MemberId } from '../history.js';
import type { HistoryContext, MemberState, SetFingerprint } from './context.js';
import { sameFingerprint } from './context.js';
import type { CheckerFactory } from './types.js';
import { listSome } from './types.js';

interface Cut {
  msg: number;
  member: MemberState;
  viewId: number;
  /** Event index of the delivery of g. */
  at: number;
  before: SetFingerprint;
  after: SetFingerprint | undefined;
}

interface Mismatch {
  side: 'before' | 'after';
  a: Cut;
  b: Cut;
}

/** Per (member, view): the distinct ids it delivered in that view and where (same counting as the context). */
function collectDeliveries(
  events: HistoryContext['events'],
  wanted: ReadonlyMap<MemberId, ReadonlySet<number>>,
): Map<string, { ids: string[]; at: number[] }> {
  const out = new Map<string, { ids: string[]; at: number[] }>();
  const current = new Map<MemberId, number>();
  const seen = new Map<MemberId, Set<string>>();
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    const views = wanted.get(event.member);
    if (views === undefined) continue;
    if (event.kind === 'view') current.set(event.member, event.view.id);
    if (event.kind !== 'deliver') continue;
    let already = seen.get(event.member);
    if (already === undefined) seen.set(event.member, (already = new Set()));
    if (already.has(event.id)) continue;
    already.add(event.id);
    const viewId = current.get(event.member);
    if (viewId === undefined || !views.has(viewId)) continue;
    const key = `${event.member} ${viewId}`;
    let list = out.get(key);
    if (list === undefined) out.set(key, (list = { ids: [], at: [] }));
    list.ids.push(event.id);
    list.at.push(i);
  }
  return out;
}

export const groupPositionChecker: CheckerFactory = (report, options) => {
  const cuts: Cut[] = [];
  /** [member number] -> its cuts in its current view, waiting for the end of the view. */
  const open: (Cut[] | undefined)[] = [];

  const close = (member: MemberState, ctx: HistoryContext): void => {
    const list = open[member.index];
    if (list === undefined || list.length === 0) return;
    const all = member.deliveredInView;
    for (const cut of list) {
      cut.after = {
        count: all.count - cut.before.count - 1,
        h1: (all.h1 - cut.before.h1 - ctx.hash1[cut.msg]!) >>> 0,
        h2: (all.h2 - cut.before.h2 - ctx.hash2[cut.msg]!) >>> 0,
      };
    }
    list.length = 0;
  };

  return {
    property: 'group-position',
    onDeliver(_event, msg, member, ctx) {
      if (member.view === undefined || member.delivered.has(msg) || ctx.sends[msg]?.order !== 'group') return;
      const cut: Cut = { msg, member, viewId: member.view.id, at: ctx.index, before: { ...member.deliveredInView }, after: undefined };
      cuts.push(cut);
      (open[member.index] ??= []).push(cut);
    },
    onView(_event, member, ctx) {
      close(member, ctx);
    },
    finish(ctx) {
      if (cuts.length === 0) return;
      if (options.quiescent === true) {
        for (const member of ctx.memberList) if (member.exit === undefined) close(member, ctx);
      }
      const firstBefore = new Map<string, Cut>();
      const firstAfter = new Map<string, Cut>();
      const mismatches: Mismatch[] = [];
      for (const cut of cuts) {
        const key = `${cut.msg} ${cut.viewId}`;
        const ref = firstBefore.get(key);
        if (ref === undefined) firstBefore.set(key, cut);
        else if (!sameFingerprint(ref.before, cut.before)) mismatches.push({ side: 'before', a: ref, b: cut });
        if (cut.after === undefined) continue;
        const refAfter = firstAfter.get(key);
        if (refAfter === undefined) firstAfter.set(key, cut);
        else if (refAfter.after !== undefined && !sameFingerprint(refAfter.after, cut.after))
          mismatches.push({ side: 'after', a: refAfter, b: cut });
      }
      if (mismatches.length === 0) return;

      const wanted = new Map<MemberId, Set<number>>();
      for (const m of mismatches) {
        for (const cut of [m.a, m.b]) {
          let views = wanted.get(cut.member.id);
          if (views === undefined) wanted.set(cut.member.id, (views = new Set()));
          views.add(cut.viewId);
        }
      }
      const deliveries = collectDeliveries(ctx.events, wanted);
      const side = (cut: Cut, which: 'before' | 'after'): Set<string> => {
        const list = deliveries.get(`${cut.member.id} ${cut.viewId}`);
        const out = new Set<string>();
        if (list === undefined) return out;
        for (let i = 0; i < list.ids.length; i++) {
          if (which === 'before' ? list.at[i]! < cut.at : list.at[i]! > cut.at) out.add(list.ids[i]!);
        }
        return out;
      };
      const only = (x: Set<string>, y: Set<string>): string => {
        const ids = [...x].filter((id) => !y.has(id));
        return ids.length === 0 ? 'nothing' : `${ids.length} ${listSome(ids)}`;
      };
      for (const m of mismatches) {
        const sa = side(m.a, m.side);
        const sb = side(m.b, m.side);
        const onlyA = only(sa, sb);
        const onlyB = only(sb, sa);
        if (onlyA === 'nothing' && onlyB === 'nothing') continue; // a fingerprint collision
        const g = ctx.messageIds[m.a.msg];
        report(
          `gbcast ${g} (from ${ctx.sends[m.a.msg]?.member ?? '?'}) is not at the same position in view ${m.a.viewId} at ` +
            `${m.a.member.id} (event #${m.a.at}) and ${m.b.member.id} (event #${m.b.at}): ${m.side} it, ` +
            `only ${m.a.member.id} delivered ${onlyA}; only ${m.b.member.id} delivered ${onlyB}`,
        );
      }
    },
  };
};
