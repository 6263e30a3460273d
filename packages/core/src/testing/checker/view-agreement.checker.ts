/**
 * 'view-agreement': a view id names one view. Every member that installs view v installs the
 * same ranked member list, and it is in that list (no member lists twice).
 */
import type { CheckerFactory } from './types.js';
import { formatView } from './types.js';

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export const viewAgreementChecker: CheckerFactory = (report) => ({
  property: 'view-agreement',
  onView(event, _member, ctx) {
    const { view } = event;
    if (!view.members.includes(event.member)) {
      report(`${event.member} installed ${formatView(view.id, view.members)} (event #${ctx.index}) but is not in it`);
    }
    if (new Set(view.members).size !== view.members.length) {
      report(`${event.member} installed ${formatView(view.id, view.members)} (event #${ctx.index}), which lists a member twice`);
    }
    const first = ctx.views.get(view.id);
    if (first !== undefined && !sameMembers(first.view.members, view.members)) {
      report(
        `view ${view.id} differs: ${first.member} installed [${first.view.members.join(', ')}] (event #${first.index}) ` +
          `but ${event.member} installed [${view.members.join(', ')}] (event #${ctx.index})`,
      );
    }
  },
});
