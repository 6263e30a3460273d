/**
 * 'primary-partition': the group's history is one line of views, each of which keeps a
 * strict majority of the one before. For every view v such that view v + 1 was installed
 * (by anyone), more than half of v's members are in v + 1 or left gracefully (a 'left'
 * event anywhere in the history).
 */
import type { CheckerFactory } from './types.js';
import { formatView } from './types.js';

export const primaryPartitionChecker: CheckerFactory = (report) => ({
  property: 'primary-partition',
  finish(ctx) {
    const ids = [...ctx.views.keys()].sort((a, b) => a - b);
    for (const id of ids) {
      const v = ctx.views.get(id);
      const next = ctx.views.get(id + 1);
      if (v === undefined || next === undefined) continue;
      const inNext = new Set(next.view.members);
      let kept = 0;
      let leavers = 0;
      for (const m of v.view.members) {
        if (inNext.has(m)) kept++;
        else if (ctx.left.has(m)) leavers++;
      }
      const size = v.view.members.length;
      if (2 * (kept + leavers) <= size) {
        const needed = Math.floor(size / 2) + 1;
        report(
          `${formatView(id + 1, next.view.members)} keeps ${kept} of the ${size} members of ${formatView(id, v.view.members)}` +
            (leavers > 0 ? ` (+${leavers} that left gracefully)` : '') +
            `: a primary partition needs a strict majority (${needed})`,
        );
      }
    }
  },
});
