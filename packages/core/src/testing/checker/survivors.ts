/**
 * The survivors of each view, for the checkers that ask "did the members that lived through
 * view v deliver m?" (safe, orphans, self-delivery, eventual-delivery).
 *
 * A survivor of view v is a member that installed v and then, as its next view, v + 1 (the
 * same members view-synchrony compares). With `includeEnd`, a member that is still alive at
 * the end of the history (no crash, exclusion or leave) counts as a survivor of its last
 * installed view too — only meaningful when the run was allowed to settle. A process that
 * never installs a view (one that only passes causal contexts) survives nothing.
 */
import type { HistoryContext, MemberState } from './context.js';

export interface Survivor {
  readonly member: MemberState;
  /** Event index at which it installed the next view, or `events.length` for one alive at the end in this view. */
  readonly until: number;
}

export type SurvivorsByView = ReadonlyMap<number, readonly Survivor[]>;

function compute(ctx: HistoryContext, includeEnd: boolean): SurvivorsByView {
  const byView = new Map<number, Survivor[]>();
  const add = (viewId: number, survivor: Survivor): void => {
    const list = byView.get(viewId);
    if (list === undefined) byView.set(viewId, [survivor]);
    else list.push(survivor);
  };
  const current = new Map<MemberState, number>();
  const events = ctx.events;
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    if (event.kind !== 'view') continue;
    const member = ctx.members.get(event.member);
    if (member === undefined) continue;
    const prev = current.get(member);
    if (prev !== undefined && event.view.id === prev + 1) add(prev, { member, until: i });
    current.set(member, event.view.id);
  }
  if (includeEnd) {
    for (const member of ctx.memberList) {
      if (member.exit === undefined && member.view !== undefined) add(member.view.id, { member, until: events.length });
    }
  }
  return byView;
}

const cache = new WeakMap<HistoryContext, { withEnd?: SurvivorsByView; withoutEnd?: SurvivorsByView }>();

/** The survivors of every view that has any (call after the pass, e.g. in `finish`). */
export function survivorsOf(ctx: HistoryContext, includeEnd: boolean): SurvivorsByView {
  let entry = cache.get(ctx);
  if (entry === undefined) cache.set(ctx, (entry = {}));
  if (includeEnd) return (entry.withEnd ??= compute(ctx, true));
  return (entry.withoutEnd ??= compute(ctx, false));
}
