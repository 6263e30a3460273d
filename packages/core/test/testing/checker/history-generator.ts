/**
 * A deterministic generator of large VALID histories: members send and deliver with random
 * interleaving (each member delivers in the one global send order, so FIFO holds), across
 * three views — the second one a join, the third after a crash whose in-flight messages
 * still reach every survivor. Every queue is flushed before a view change and at the end.
 */
import { seededRandom } from '../../../src/env/random.js';
import type { HistoryEvent, MemberId } from '../../../src/testing/history.js';

interface Queue {
  ids: { id: string; sender: MemberId; viewId: number; payload: string }[];
  head: number;
}

export function generateValidHistory(messages: number, seed = 1): HistoryEvent[] {
  const random = seededRandom(seed);
  const events: HistoryEvent[] = [];
  const n = ['n0/1', 'n1/1', 'n2/1', 'n3/1', 'n4/1'] as const;
  const views: MemberId[][] = [[n[0], n[1], n[2], n[3]], [n[0], n[1], n[2], n[3], n[4]], [n[0], n[1], n[2], n[4]]];
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
    for (let k = 0; k < quota; ) {
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
