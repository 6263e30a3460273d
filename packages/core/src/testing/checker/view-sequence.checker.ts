/**
 * 'view-sequence': views succeed one another by id + 1. Each member installs its first view
 * (the one it joined in) and then every next view, v + 1, v + 2, ..., skipping none and
 * never going back; and along the group's history a new view id is always the newest one
 * seen so far plus one.
 */
import type { CheckerFactory } from './types.js';

export const viewSequenceChecker: CheckerFactory = (report) => {
  let newest: number | undefined;
  return {
    property: 'view-sequence',
    onView(event, member, ctx) {
      const id = event.view.id;
      const prev = member.view;
      if (prev !== undefined) {
        if (id <= prev.id) {
          report(
            `${event.member} installed view ${id} (event #${ctx.index}) after view ${prev.id} (event #${member.viewIndex}): view ids must increase`,
          );
        } else if (id !== prev.id + 1) {
          const skipped = id - prev.id - 1 === 1 ? `view ${prev.id + 1}` : `views ${prev.id + 1}..${id - 1}`;
          report(`${event.member} installed view ${id} (event #${ctx.index}) right after view ${prev.id}: it skipped ${skipped}`);
        }
      }
      if (!ctx.views.has(id)) {
        if (newest !== undefined && id !== newest + 1) {
          report(
            `view ${id} was first installed (by ${event.member}, event #${ctx.index}) when the newest view was ${newest}: group view ids must go up by 1`,
          );
        }
        if (newest === undefined || id > newest) newest = id;
      }
    },
  };
};
