/** A tiny DSL for hand-built histories in the checker tests. */
import type { DeliveryOrder, HistoryEvent, MemberId } from '../../../src/testing/history.js';

/** The optional fields of a 'send'. */
export interface SendOptions {
  order?: DeliveryOrder;
  safe?: boolean;
}

export class HistoryBuilder {
  readonly events: HistoryEvent[] = [];

  /** Each of `installers` (default: every member) installs view `id` with `members`. */
  view(id: number, members: readonly MemberId[], installers: readonly MemberId[] = members): this {
    for (const m of installers) this.events.push({ kind: 'view', member: m, view: { id, members: [...members] } });
    return this;
  }

  send(member: MemberId, id: string, viewId: number, payload = `payload of ${id}`, options: SendOptions = {}): this {
    this.events.push({ kind: 'send', member, id, viewId, payload, ...options });
    return this;
  }

  /** A send with the given order (and `safe`), default payload. */
  sendWith(member: MemberId, id: string, viewId: number, options: SendOptions): this {
    return this.send(member, id, viewId, undefined, options);
  }

  cbcast(member: MemberId, id: string, viewId: number): this {
    return this.sendWith(member, id, viewId, { order: 'causal' });
  }

  abcast(member: MemberId, id: string, viewId: number): this {
    return this.sendWith(member, id, viewId, { order: 'total' });
  }

  gbcast(member: MemberId, id: string, viewId: number): this {
    return this.sendWith(member, id, viewId, { order: 'group' });
  }

  contextOut(member: MemberId, token: string): this {
    this.events.push({ kind: 'context-out', member, token });
    return this;
  }

  contextIn(member: MemberId, token: string): this {
    this.events.push({ kind: 'context-in', member, token });
    return this;
  }

  /** `from` hands its causal context to `to` (an RPC request or reply) under `token`. */
  handOver(from: MemberId, to: MemberId, token: string): this {
    return this.contextOut(from, token).contextIn(to, token);
  }

  deliver(member: MemberId, id: string, sender: MemberId, viewId: number, payload = `payload of ${id}`): this {
    this.events.push({ kind: 'deliver', member, id, sender, viewId, payload });
    return this;
  }

  /** `member`'s application takes `ids` (its handler runs on them), in that order. */
  handled(member: MemberId, ...ids: string[]): this {
    for (const id of ids) this.events.push({ kind: 'handled', member, id });
    return this;
  }

  /** `sender` sends `id` in `viewId` (with `options`) and every one of `members` delivers it, in that order. */
  multicast(sender: MemberId, id: string, viewId: number, members: readonly MemberId[], options: SendOptions = {}): this {
    this.send(sender, id, viewId, undefined, options);
    for (const m of members) this.deliver(m, id, sender, viewId);
    return this;
  }

  /** `caller` gets `from`'s reply to `id`, naming view `viewId`. */
  reply(caller: MemberId, from: MemberId, id: string, viewId: number): this {
    this.events.push({ kind: 'reply', member: caller, from, id, viewId });
    return this;
  }

  /**
   * `member` executes a client's direct request `id` in view `viewId`, or, with `message`, the
   * relayed request `id` on delivering the multicast `message`.
   */
  serve(member: MemberId, id: string, viewId: number, message?: string): this {
    this.events.push({ kind: 'serve', member, id, viewId, ...(message !== undefined ? { message } : {}) });
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

  /** `member` reports the messages `ids` it sent and cannot confirm the survivors delivered. */
  unconfirmed(member: MemberId, ids: readonly string[]): this {
    this.events.push({ kind: 'unconfirmed', member, ids: [...ids] });
    return this;
  }

  blocked(member: MemberId, code = 'NO_QUORUM'): this {
    this.events.push({ kind: 'blocked', member, code });
    return this;
  }

  unblocked(member: MemberId): this {
    this.events.push({ kind: 'unblocked', member });
    return this;
  }
}

export const A = 'a/1';
export const B = 'b/1';
export const C = 'c/1';
export const D = 'd/1';
export const E = 'e/1';

/** The lecture's processes: p asks q and r to multicast; t only receives. */
export const P = 'p/1';
export const Q = 'q/1';
export const R = 'r/1';
export const T = 't/1';
/** A process outside the group (a gateway): it passes causal contexts on, never installs a view. */
export const GATEWAY = 'gateway/1';
