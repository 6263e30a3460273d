/** A tiny DSL for hand-built histories in the checker tests. */
import type { HistoryEvent, MemberId } from '../../../src/testing/history.js';

export class HistoryBuilder {
  readonly events: HistoryEvent[] = [];

  /** Each of `installers` (default: every member) installs view `id` with `members`. */
  view(id: number, members: readonly MemberId[], installers: readonly MemberId[] = members): this {
    for (const m of installers) this.events.push({ kind: 'view', member: m, view: { id, members: [...members] } });
    return this;
  }

  send(member: MemberId, id: string, viewId: number, payload = `payload of ${id}`): this {
    this.events.push({ kind: 'send', member, id, viewId, payload });
    return this;
  }

  deliver(member: MemberId, id: string, sender: MemberId, viewId: number, payload = `payload of ${id}`): this {
    this.events.push({ kind: 'deliver', member, id, sender, viewId, payload });
    return this;
  }

  /** `sender` sends `id` in `viewId` and every one of `members` delivers it, in that order. */
  multicast(sender: MemberId, id: string, viewId: number, members: readonly MemberId[]): this {
    this.send(sender, id, viewId);
    for (const m of members) this.deliver(m, id, sender, viewId);
    return this;
  }

  crash(member: MemberId): this {
    this.events.push({ kind: 'crash', member });
    return this;
  }

  left(member: MemberId): this {
    this.events.push({ kind: 'left', member });
    return this;
  }

  excluded(member: MemberId): this {
    this.events.push({ kind: 'excluded', member });
    return this;
  }
}

export const A = 'a/1';
export const B = 'b/1';
export const C = 'c/1';
export const D = 'd/1';
export const E = 'e/1';
