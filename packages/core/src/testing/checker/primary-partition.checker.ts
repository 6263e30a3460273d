/**
 * 'primary-partition': the group's history is one line of views, each of which keeps a
 * strict majority of the one before. For every view v such that view v + 1 was installed
 * (by anyone), more than half of v's members are in v + 1 or left gracefully (a 'left'
 * event anywhere in the history).
 *
 * Stand-ins: a member of v that is not in v + 1 but whose address is, as another incarnation
 * (it crashed and restarted), may have been counted by a restarted process standing in for
 * it. That cannot fork the history only when the stand-ins could not have decided anything
 * on their own (fewer than a majority of v) and every other member of v is in v + 1 or left:
 * then any majority of v that decided earlier holds a member that remembers. Such a v + 1
 * is accepted.
 */
import type { MemberId } from '../history.js';
import type { CheckerFactory } from './types.js';
import { formatView } from './types.js';

/** "n2/17" -> "n2": the address part of a member id (the id itself if it has no '/'). */
function addressOf(member: MemberId): string {
  const slash = member.lastIndexOf('/');
  return slash < 0 ? member : member.slice(0, slash);
}

export const primaryPartitionChecker: CheckerFactory = (report) => ({
  property: 'primary-partition',
  finish(ctx) {
    const ids = [...ctx.views.keys()].sort((a, b) => a - b);
    for (const id of ids) {
      const v = ctx.views.get(id);
      const next = ctx.views.get(id + 1);
      if (v === undefined || next === undefined) continue;
      const inNext = new Set(next.view.members);
      const addressesInNext = new Set(next.view.members.map(addressOf));
      let kept = 0;
      let leavers = 0;
      let standIns = 0;
      for (const m of v.view.members) {
        if (inNext.has(m)) kept++;
        else if (ctx.left.has(m)) leavers++;
        else if (addressesInNext.has(addressOf(m))) standIns++;
      }
      const size = v.view.members.length;
      if (2 * (kept + leavers) > size) continue;
      if (standIns > 0 && 2 * standIns <= size && kept + leavers + standIns === size) continue;
      const needed = Math.floor(size / 2) + 1;
      report(
        `${formatView(id + 1, next.view.members)} keeps ${kept} of the ${size} members of ${formatView(id, v.view.members)}` +
          (leavers > 0 ? ` (+${leavers} that left gracefully)` : '') +
          (standIns > 0
            ? ` (+${standIns} restarted at the same address, which may stand in only when every other member stays and they are no majority)`
            : '') +
          `: a primary partition needs a strict majority (${needed})`,
      );
    }
  },
});
