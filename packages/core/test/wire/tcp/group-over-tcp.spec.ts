/**
 * The whole stack on real sockets: three Groups in this process, each on its own tcpWire on
 * loopback, with the real clock and the default timing (heartbeat 100 ms, suspect 600 ms).
 */
import { describe, expect, it } from '@jest/globals';
import { Group } from '../../../src/group.js';
import type { GroupView } from '../../../src/group.js';
import { tcpWire, type TcpWire } from '../../../src/wire/tcp/index.js';
import { eventually } from './helpers.js';

const FBCASTS = 300;
const ABCASTS = 300;
/** Polls of 5 ms: about 20 s at most, well inside the test's own limit. */
const PATIENCE = 4000;

describe('Group over tcpWire', () => {
  it('joins by seed address, delivers fbcasts and abcasts alike everywhere, and sees a leave', async () => {
    const wires: TcpWire[] = [];
    const groups: Group[] = [];
    try {
      for (let i = 0; i < 3; i++) wires.push(await tcpWire({ host: '127.0.0.1', port: 0 }));
      const [w1, w2, w3] = wires as [TcpWire, TcpWire, TcpWire];
      const first = await Group.join('tcp-group', { wire: w1, seeds: [] });
      groups.push(first);
      groups.push(await Group.join('tcp-group', { wire: w2, seeds: [w1.address] }));
      groups.push(await Group.join('tcp-group', { wire: w3, seeds: [w1.address] }));
      expect(await eventually(() => groups.every((g) => g.view.members.length === 3 && g.view.id === first.view.id), PATIENCE)).toBe(true);
      expect(first.view.members.map((m) => m.split('/')[0]).sort()).toEqual(wires.map((w) => w.address).sort());

      const fifo = groups.map(() => new Map<string, number[]>());
      const total = groups.map(() => [] as string[]);
      const views = groups.map(() => [] as GroupView[]);
      groups.forEach((group, k) => {
        group.handle('fifo', (payload, delivery) => {
          const list = fifo[k]!.get(delivery.sender) ?? [];
          list.push(payload as number);
          fifo[k]!.set(delivery.sender, list);
        });
        group.handle('total', (payload) => {
          total[k]!.push(payload as string);
        });
        group.on('view', (view) => {
          views[k]!.push(view);
        });
      });

      // Every member sends, interleaved, without waiting for one another.
      const sends: Promise<void>[] = [];
      for (let i = 0; i < FBCASTS; i++) sends.push(groups[i % 3]!.fbcast('fifo', i));
      for (let i = 0; i < ABCASTS; i++) sends.push(groups[i % 3]!.abcast('total', `${i % 3}:${i}`));
      await Promise.all(sends);
      const delivered = (k: number): number => [...fifo[k]!.values()].reduce((n, l) => n + l.length, 0);
      expect(await eventually(() => groups.every((_g, k) => delivered(k) === FBCASTS && total[k]!.length === ABCASTS), PATIENCE)).toBe(
        true,
      );

      // fbcast: each sender's messages in the order it sent them, at every member.
      groups.forEach((group, sender) => {
        const mine = Array.from({ length: FBCASTS }, (_, i) => i).filter((i) => i % 3 === sender);
        for (let k = 0; k < 3; k++) expect(fifo[k]!.get(group.me)).toEqual(mine);
      });
      // abcast: one order, the same at every member, and each message exactly once.
      expect(total[1]).toEqual(total[0]);
      expect(total[2]).toEqual(total[0]);
      expect(new Set(total[0]).size).toBe(ABCASTS);

      // The third member leaves: the other two install a view without it.
      const leaver = groups[2]!;
      const leaverId = leaver.me;
      await leaver.leave();
      expect(await eventually(() => [0, 1].every((k) => groups[k]!.view.members.length === 2), PATIENCE)).toBe(true);
      for (const k of [0, 1]) {
        expect(groups[k]!.view.members).not.toContain(leaverId);
        expect(views[k]!.at(-1)!.members).toEqual(groups[k]!.view.members);
      }
      expect(groups[0]!.view.id).toBe(groups[1]!.view.id);
    } finally {
      for (const group of groups) await group.leave();
      await Promise.all(wires.map((wire) => wire.close()));
    }
  }, 90_000);
});
