/**
 * Sixteen members over NATS (all in this process, each with its own connection, spread over the
 * three servers of the cluster) deliver fifo, causal, total and group multicasts everywhere, and
 * the history checker passes. A frame for the whole group is published once on the group
 * subject, not fifteen times.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { NatsCluster } from './support/nats-cluster.js';
import { eventually, merge, sendMix, startMembers, stopMembers, StampedRecorder, violations, type Member } from './support/groups.js';

const MEMBERS = 16;
const PER_MEMBER = 40;

let cluster: NatsCluster;
beforeAll(async () => {
  cluster = await NatsCluster.start();
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
  expect(cluster?.livePids() ?? []).toEqual([]);
});

describe('a group of 16 over NATS', () => {
  it('delivers in every order at all 16 members; the history checker passes', async () => {
    const recorder = new StampedRecorder();
    let members: Member[] = [];
    try {
      members = await startMembers(MEMBERS, { servers: (i) => cluster.serversFor(i % 3), subjectPrefix: 'g16', group: 'sixteen', recorder });
      const sent = (await Promise.all(members.map((m, i) => sendMix(m, i, PER_MEMBER)))).flat();
      expect(sent).toHaveLength(MEMBERS * PER_MEMBER);
      expect(await eventually(() => members.every((m) => m.delivered.length === sent.length), 30_000)).toBe(true);
      const ordered = (m: Member): string[] => m.delivered.filter((p) => Number(p.split('-')[1]) % 4 >= 2);
      for (const m of members) {
        expect(new Set(m.delivered).size).toBe(sent.length);
        expect(ordered(m)).toEqual(ordered(members[0]!));
      }
      expect(violations(merge(recorder.lines))).toEqual([]);
      const stats = members.map((m) => m.wire.stats);
      const groupFrames = stats.reduce((n, s) => n + s.groupFrames, 0);
      const publishes = stats.reduce((n, s) => n + s.publishes, 0);
      expect(groupFrames).toBeGreaterThan(0);
      console.log(`[nats 16] ${sent.length} multicasts, ${sent.length * MEMBERS} deliveries; frames on the group subject: ${groupFrames}; publishes: ${publishes}`);
    } finally {
      await stopMembers(members);
    }
  }, 60_000);
});
