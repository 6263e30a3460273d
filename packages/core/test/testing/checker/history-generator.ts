/**
 * A deterministic generator of large VALID histories: members send and deliver with random
 * interleaving (each member delivers in the one global send order, so FIFO holds), across
 * three views — the second one a join, the third after a crash whose in-flight messages
 * still reach every survivor. Every queue is flushed before a view change and at the end.
 */
import { seededRandom } from '../../../src/env/random.js';
import type { DeliveryOrder, HistoryEvent, MemberId } from '../../../src/testing/history.js';

interface Queue {
  ids: { id: string; sender: MemberId; viewId: number; payload: string }[];
  head: number;
}

export function generateValidHistory(messages: number, seed = 1): HistoryEvent[] {
  const random = seededRandom(seed);
  const events: HistoryEvent[] = [];
  const n = ['n0/1', 'n1/1', 'n2/1', 'n3/1', 'n4/1'] as const;
  const views: MemberId[][] = [
    [n[0], n[1], n[2], n[3]],
    [n[0], n[1], n[2], n[3], n[4]],
    [n[0], n[1], n[2], n[4]],
  ];
  const queues = new Map<MemberId, Queue>();
  let next = 0;

  const deliverOne = (member: MemberId): void => {
    const q = queues.get(member);
    const item = q?.ids[q.head];
    if (q === undefined || item === undefined) return;
    q.head++;
    events.push({ kind: 'deliver', member, id: item.id, sender: item.sender, viewId: item.viewId, payload: item.payload });
  };
  const flush = (members: readonly MemberId[]): void => {
    for (const m of members) {
      const q = queues.get(m);
      while (q !== undefined && q.head < q.ids.length) deliverOne(m);
    }
  };

  views.forEach((members, v) => {
    const viewId = v + 1;
    for (const m of members) events.push({ kind: 'view', member: m, view: { id: viewId, members: [...members] } });
    for (const m of members) if (!queues.has(m)) queues.set(m, { ids: [], head: 0 });
    let alive = [...members];
    const quota = v === views.length - 1 ? messages - next : Math.floor(messages / views.length);
    const crashAt = viewId === 2 ? Math.floor(quota / 2) : -1;
    for (let k = 0; k < quota;) {
      if (k === crashAt && alive.includes(n[3])) {
        events.push({ kind: 'crash', member: n[3] });
        alive = alive.filter((m) => m !== n[3]);
      }
      if (random.next() < 0.2) {
        const sender = alive[random.int(alive.length)] ?? n[0];
        const item = { id: `m${next++}`, sender, viewId, payload: `p${k}` };
        events.push({ kind: 'send', member: sender, id: item.id, viewId, payload: item.payload });
        for (const m of alive) queues.get(m)?.ids.push(item);
        k++;
      } else {
        deliverOne(alive[random.int(alive.length)] ?? n[0]);
      }
    }
    flush(alive);
  });
  return events;
}

/** One multicast in flight in the ordered generator. */
interface Multicast {
  id: string;
  sender: MemberId;
  /** Sender number and its send sequence number (over the whole run). */
  from: number;
  seq: number;
  viewId: number;
  payload: string;
  order: DeliveryOrder;
  safe: boolean;
  /** dep[x] = how many sends of member x happened before this send (vector timestamp). */
  dep: Int32Array;
  /** Position among the view's 'total'/'group' messages, -1 for the others. */
  totalSeq: number;
}

export interface OrderedHistoryStats {
  sends: Record<DeliveryOrder, number>;
  safe: number;
  handOvers: number;
  viaGateway: number;
}

/**
 * A deterministic generator of large VALID histories with every delivery order, over the
 * same three views as generateValidHistory (a join, then a crash whose messages still reach
 * every survivor), plus causal contexts handed between members and through a gateway that
 * belongs to no group. Each member delivers like a real cbcast/abcast stack would: from the
 * first few messages waiting for it, any one whose predecessors it has delivered — FIFO from
 * its sender, every message its vector timestamp names (in this view: older views were
 * flushed), and for 'total' every earlier 'total'/'group' message of the view. So concurrent
 * messages are delivered in different orders at different members, but never a causal
 * successor first, and 'total' ones in one order. A 'group' message is a barrier: every alive
 * member first delivers all it has waiting, then the gbcast.
 */
export function generateOrderedHistory(messages: number, seed = 1): { events: HistoryEvent[]; stats: OrderedHistoryStats } {
  const random = seededRandom(seed);
  const events: HistoryEvent[] = [];
  const n = ['n0/1', 'n1/1', 'n2/1', 'n3/1', 'n4/1'] as const;
  const gateway = 'gw/1';
  const names: MemberId[] = [...n, gateway];
  const index = new Map(names.map((m, i) => [m, i]));
  const views: MemberId[][] = [
    [n[0], n[1], n[2], n[3]],
    [n[0], n[1], n[2], n[3], n[4]],
    [n[0], n[1], n[2], n[4]],
  ];
  const stats: OrderedHistoryStats = { sends: { fifo: 0, causal: 0, total: 0, group: 0 }, safe: 0, handOvers: 0, viaGateway: 0 };

  const clocks = names.map(() => new Int32Array(names.length));
  const sendCount = new Int32Array(names.length);
  /** Per member: its messages waiting for delivery (in send order), and per sender how many of this view it delivered. */
  const waiting = names.map((): Multicast[] => []);
  const deliveredInView = names.map(() => new Int32Array(names.length));
  const totalDelivered = new Int32Array(names.length);
  let base = new Int32Array(names.length);
  let totalSent = 0;
  let next = 0;
  let token = 0;

  const merge = (q: number, clock: Int32Array): void => {
    const c = clocks[q]!;
    for (let x = 0; x < c.length; x++) if (clock[x]! > c[x]!) c[x] = clock[x]!;
  };
  const deliverable = (q: number, m: Multicast): boolean => {
    const got = deliveredInView[q]!;
    if (got[m.from] !== m.seq - base[m.from]!) return false; // FIFO
    if (m.order === 'total' && totalDelivered[q] !== m.totalSeq) return false;
    if (m.order === 'causal' || m.order === 'total') {
      for (let x = 0; x < names.length; x++) if (x !== m.from && got[x]! < m.dep[x]! - base[x]!) return false;
    }
    return true;
  };
  const deliver = (q: number, m: Multicast): void => {
    events.push({ kind: 'deliver', member: names[q]!, id: m.id, sender: m.sender, viewId: m.viewId, payload: m.payload });
    deliveredInView[q]![m.from]!++;
    if (m.totalSeq >= 0) totalDelivered[q]!++;
    const own = m.dep.slice();
    own[m.from] = m.seq + 1;
    merge(q, own);
  };
  /** q delivers one of the first few messages waiting for it that it may deliver (the first one always may). */
  const deliverSome = (q: number): void => {
    const list = waiting[q]!;
    if (list.length === 0) return;
    const candidates: number[] = [];
    for (let i = 0; i < list.length && i < 8; i++) if (deliverable(q, list[i]!)) candidates.push(i);
    const i = candidates[random.int(candidates.length)] ?? 0;
    const [m] = list.splice(i, 1);
    if (m !== undefined) deliver(q, m);
  };
  const drain = (q: number): void => {
    while (waiting[q]!.length > 0) {
      const [m] = waiting[q]!.splice(0, 1);
      if (m !== undefined) deliver(q, m);
    }
  };
  const handOver = (from: number, to: number): void => {
    const t = `ctx${token++}`;
    events.push({ kind: 'context-out', member: names[from]!, token: t });
    events.push({ kind: 'context-in', member: names[to]!, token: t });
    const c = clocks[from]!.slice();
    c[from] = sendCount[from]!;
    merge(to, c);
  };
  const pickOrder = (): DeliveryOrder => {
    const r = random.next();
    return r < 0.35 ? 'fifo' : r < 0.7 ? 'causal' : r < 0.97 ? 'total' : 'group';
  };

  views.forEach((members, v) => {
    const viewId = v + 1;
    for (const m of members) events.push({ kind: 'view', member: m, view: { id: viewId, members: [...members] } });
    base = sendCount.slice();
    for (const m of members) {
      const q = index.get(m)!;
      deliveredInView[q]!.fill(0);
      totalDelivered[q] = 0;
    }
    totalSent = 0;
    let alive = members.map((m) => index.get(m)!);
    const quota = v === views.length - 1 ? messages - next : Math.floor(messages / views.length);
    const crashAt = viewId === 2 ? Math.floor(quota / 2) : -1;
    for (let k = 0; k < quota;) {
      if (k === crashAt && alive.includes(3)) {
        events.push({ kind: 'crash', member: n[3] });
        alive = alive.filter((q) => q !== 3);
      }
      const r = random.next();
      if (r < 0.15) {
        const s = alive[random.int(alive.length)]!;
        const order = pickOrder();
        const safe = random.next() < 0.1;
        const seq = sendCount[s]!++;
        const dep = clocks[s]!.slice();
        dep[s] = seq;
        clocks[s]![s] = seq + 1;
        const m: Multicast = {
          id: `m${next++}`,
          sender: names[s]!,
          from: s,
          seq,
          viewId,
          payload: `p${k}`,
          order,
          safe,
          dep,
          totalSeq: order === 'total' || order === 'group' ? totalSent++ : -1,
        };
        events.push({
          kind: 'send',
          member: m.sender,
          id: m.id,
          viewId,
          payload: m.payload,
          ...(order === 'fifo' && random.next() < 0.5 ? {} : { order }),
          ...(safe ? { safe } : {}),
        });
        stats.sends[order]++;
        if (safe) stats.safe++;
        if (order === 'group') {
          for (const q of alive) {
            drain(q);
            deliver(q, m);
          }
        } else {
          for (const q of alive) waiting[q]!.push(m);
        }
        k++;
      } else if (r < 0.18) {
        const from = alive[random.int(alive.length)]!;
        const to = alive[random.int(alive.length)]!;
        if (random.next() < 0.3) {
          handOver(from, index.get(gateway)!);
          handOver(index.get(gateway)!, to);
          stats.viaGateway++;
        } else if (from !== to) {
          handOver(from, to);
        }
        stats.handOvers++;
      } else {
        deliverSome(alive[random.int(alive.length)]!);
      }
    }
    for (const q of alive) drain(q);
  });
  return { events, stats };
}
