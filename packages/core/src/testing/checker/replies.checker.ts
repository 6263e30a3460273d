/**
 * 'replies': every reply a caller received comes from a member that delivered the request
 * (or, for a client's direct request, executed it) in the view the reply names, and a caller
 * takes at most one reply per member and request. Judged at the end, not in history order:
 * a merged multi-process history orders only each member's own events.
 */
import type { CheckerFactory } from './types.js';

export const repliesChecker: CheckerFactory = (report) => {
  /** "member id" -> the view each was delivered (or served) in. */
  const handled = new Map<string, number>();
  const replies: { caller: string; from: string; id: string; viewId: number; index: number }[] = [];
  const seen = new Set<string>();
  return {
    property: 'replies',
    onDeliver(event) {
      handled.set(`${event.member} ${event.id}`, event.viewId);
    },
    onServe(event) {
      handled.set(`${event.member} ${event.id}`, event.viewId);
    },
    onReply(event, ctx) {
      const key = `${event.member} ${event.from} ${event.id}`;
      if (seen.has(key)) {
        report(`${event.member} took a second reply from ${event.from} to ${event.id} (event #${ctx.index})`);
        return;
      }
      seen.add(key);
      replies.push({ caller: event.member, from: event.from, id: event.id, viewId: event.viewId, index: ctx.index });
    },
    finish() {
      for (const reply of replies) {
        const viewId = handled.get(`${reply.from} ${reply.id}`);
        if (viewId === undefined) {
          report(
            `${reply.caller} got a reply from ${reply.from} to ${reply.id} (event #${reply.index}), which ${reply.from} never delivered`,
          );
        } else if (viewId !== reply.viewId) {
          report(
            `${reply.caller} got a reply from ${reply.from} to ${reply.id} naming view ${reply.viewId} (event #${reply.index}), but ${reply.from} delivered it in view ${viewId}`,
          );
        }
      }
    },
  };
};
