/**
 * 'safe' (dynamic uniformity): if any member delivers a message sent with `safe: true` in
 * view v (its installed view at the delivery) — even one that crashes, leaves or is excluded
 * right after — then every survivor of v (survivors.ts: a member that installed v and then
 * v + 1; with `quiescent`, also a member alive at the end whose last view is v) delivered it
 * before leaving v.
 *
 * The pass records, per safe message, who delivered it where; after the pass each view in
 * which it was delivered is matched against that view's survivors:
 * O(safe deliveries + safe messages × survivors).
 */
import type { MemberId } from '../history.js';
import type { Survivor } from './survivors.js';
import { survivorsOf } from './survivors.js';
import type { CheckerFactory } from './types.js';
import { listSome } from './types.js';

interface SafeDeliveries {
  /** The first delivery in each view it was delivered in. */
  byView: Map<number, { member: MemberId; at: number }>;
  /** Member number -> event index of its first delivery. */
  at: Map<number, number>;
}

export const safeChecker: CheckerFactory = (report, options) => {
  const safe = new Map<number, SafeDeliveries>();
  return {
    property: 'safe',
    onDeliver(_event, msg, member, ctx) {
      if (member.view === undefined || member.delivered.has(msg) || ctx.sends[msg]?.safe !== true) return;
      let s = safe.get(msg);
      if (s === undefined) safe.set(msg, (s = { byView: new Map(), at: new Map() }));
      if (!s.byView.has(member.view.id)) s.byView.set(member.view.id, { member: member.id, at: ctx.index });
      s.at.set(member.index, ctx.index);
    },
    finish(ctx) {
      if (safe.size === 0) return;
      const survivors = survivorsOf(ctx, options.quiescent === true);
      const describe = (s: Survivor, viewId: number): string =>
        s.until === ctx.events.length
          ? `${s.member.id} (alive at the end in view ${viewId})`
          : `${s.member.id} (installed view ${viewId + 1} at event #${s.until})`;
      for (const [msg, deliveries] of safe) {
        for (const [viewId, first] of deliveries.byView) {
          const missing: string[] = [];
          for (const s of survivors.get(viewId) ?? []) {
            const at = deliveries.at.get(s.member.index);
            if (at === undefined || at > s.until) missing.push(describe(s, viewId));
          }
          if (missing.length === 0) continue;
          report(
            `safe message ${ctx.messageIds[msg]} (from ${ctx.sends[msg]?.member ?? '?'}) was delivered in view ${viewId} by ${first.member} ` +
              `(event #${first.at}) but ${missing.length} survivor(s) of view ${viewId} did not deliver it in that view: ${listSome(missing)}`,
          );
        }
      }
    },
  };
};
