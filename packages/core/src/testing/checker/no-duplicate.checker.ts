/** 'no-duplicate': a member delivers a message id at most once. */
import type { CheckerFactory } from './types.js';

export const noDuplicateChecker: CheckerFactory = (report) => ({
  property: 'no-duplicate',
  onDeliver(event, msg, member, ctx) {
    if (member.delivered.has(msg)) {
      report(`${member.id} delivered ${event.id} (from ${event.sender}) again in view ${event.viewId} (event #${ctx.index})`);
    }
  },
});
