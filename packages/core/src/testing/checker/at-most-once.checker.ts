/**
 * 'at-most-once': a client request is executed at most once per member, however often it is
 * retried (through another member, after a stale view label, after a lost reply, or as a
 * duplicated frame). A member takes charge of a request key in one of two ways, each recorded
 * by a 'serve' event (history.ts):
 *
 * - a direct request: the member runs it (or, having joined after it ran elsewhere, answers
 *   that its effect is in the state it received) — a 'serve' without `message`;
 * - a relayed request: the member runs it on delivering the multicast that carries its key
 *   — a 'serve' with `message`, the id of that multicast. A retry relayed through another
 *   member is another multicast with the same key: the member delivers it too, and only
 *   answers.
 *
 * So per member and key there is at most one 'serve' event, of either kind: two direct serves,
 * two delivery executions (two multicasts of one key, both run), or a delivery execution and
 * a direct serve are each a violation. A member is an incarnation: a rejoined process is
 * another member (it learns the keys with the state it receives, so it normally answers too;
 * the state transfer's own correctness is not judged here).
 *
 * Histories without 'serve' events (no clients, or older recorders) pass. One pass, O(1) per
 * event; memory: one entry per (member, key) served.
 */
import type { CheckerFactory, ServeEvent } from './types.js';

interface FirstServe {
  readonly index: number;
  readonly message: string | undefined;
}

function how(message: string | undefined): string {
  return message === undefined ? 'as a direct request' : `on delivering ${message}`;
}

export const atMostOnceChecker: CheckerFactory = (report) => {
  const served = new Map<string, FirstServe>();
  return {
    property: 'at-most-once',
    onServe(event: ServeEvent, ctx) {
      const key = `${event.member}\u0000${event.id}`;
      const first = served.get(key);
      if (first === undefined) {
        served.set(key, { index: ctx.index, message: event.message });
        return;
      }
      report(
        `${event.member} executed client request ${event.id} more than once: ${how(first.message)} (event #${first.index}), ` +
          `then ${how(event.message)} in view ${event.viewId} (event #${ctx.index})`,
      );
    },
  };
};
