/**
 * 'survivor-delivery' (liveness, only for a run that was allowed to settle: `quiescent`):
 * at the end of the history, the members still alive (no crash, exclusion or leave) whose
 * last installed view is the same delivered the same set of messages in that view.
 */
import type { MemberState } from './context.js';
import { sameFingerprint } from './context.js';
import type { SetMismatch } from './delivered-sets.js';
import { describeMismatches } from './delivered-sets.js';
import type { CheckerFactory } from './types.js';

export const survivorDeliveryChecker: CheckerFactory = (report, options) => ({
  property: 'survivor-delivery',
  finish(ctx) {
    if (options.quiescent !== true) return;
    const firstInView = new Map<number, MemberState>();
    const mismatches: SetMismatch[] = [];
    for (const member of ctx.members.values()) {
      if (member.exit !== undefined || member.view === undefined) continue;
      const ref = firstInView.get(member.view.id);
      if (ref === undefined) firstInView.set(member.view.id, member);
      else if (!sameFingerprint(ref.deliveredInView, member.deliveredInView))
        mismatches.push({ viewId: member.view.id, a: ref.id, b: member.id });
    }
    for (const message of describeMismatches(
      ctx.events,
      mismatches,
      (m, onlyA, onlyB) =>
        `at the end of a quiescent run, ${m.a} and ${m.b} are alive in view ${m.viewId} but delivered different messages in it: ` +
        `only ${m.a} delivered ${onlyA}; only ${m.b} delivered ${onlyB}`,
    )) {
      report(message);
    }
  },
});
