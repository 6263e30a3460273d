/**
 * 'after-exit': an incarnation that crashed, was excluded or left does nothing more: no
 * 'send', 'deliver' or 'view' event of it follows its first exit event. Reported once per
 * member, with the first such event and how many there were.
 */
import type { MemberId } from '../history.js';
import type { CheckerFactory } from './types.js';
import type { MemberState } from './context.js';

interface Offence {
  exitKind: string;
  exitIndex: number;
  first: string;
  count: number;
}

export const afterExitChecker: CheckerFactory = (report) => {
  const offences = new Map<MemberId, Offence>();
  const note = (member: MemberState, what: () => string): void => {
    const exit = member.exit;
    if (exit === undefined) return;
    const o = offences.get(member.id);
    if (o !== undefined) o.count++;
    else offences.set(member.id, { exitKind: exit.kind, exitIndex: exit.index, first: what(), count: 1 });
  };
  return {
    property: 'after-exit',
    onSend(event, _msg, sender, ctx) {
      if (sender.exit !== undefined) note(sender, () => `send of ${event.id} in view ${event.viewId} (event #${ctx.index})`);
    },
    onDeliver(event, _msg, member, ctx) {
      if (member.exit !== undefined) note(member, () => `delivery of ${event.id} in view ${event.viewId} (event #${ctx.index})`);
    },
    onView(event, member, ctx) {
      if (member.exit !== undefined) note(member, () => `install of view ${event.view.id} (event #${ctx.index})`);
    },
    finish() {
      for (const [member, o] of offences) {
        report(`${member} acted after its '${o.exitKind}' (event #${o.exitIndex}): ${o.count} event(s), the first a ${o.first}`);
      }
    },
  };
};
