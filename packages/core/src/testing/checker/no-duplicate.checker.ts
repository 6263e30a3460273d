/** 'no-duplicate': a member delivers a message id at most once. */
import { hasDelivered } from './context.js';
import type { CheckerFactory } from './types.js';

export const noDuplicateChecker: CheckerFactory = (report) => ({
  property: 'no-duplicate',
  onDeliver(event, message, member, ctx) {
    if (hasDelivered(message, member.id)) {
      report(`${member.id} delivered ${message.id} (from ${event.sender}) again in view ${event.viewId} (event #${ctx.index})`);
    }
  },
});
