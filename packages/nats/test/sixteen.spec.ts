/**
 * Sixteen members over NATS (all in this process, each with its own connection, spread over the
 * three servers of the cluster) deliver fifo, causal, total and group multicasts everywhere, and
 * the history checker passes. A frame for the whole group is published once on the group
 * subject, not fifteen times.
 */
import { describe, expect, it } from '@jest/globals';
import { clusterForSuite, expectAllDelivered, startSpread } from './support/cluster-suite.js';
import { sendMix, stopMembers, StampedRecorder, type Member } from './support/groups.js';

const MEMBERS = 16;
const PER_MEMBER = 40;

const natsCluster = clusterForSuite();

describe('a group of 16 over NATS', () => {
  it('delivers in every order at all 16 members; the history checker passes', async () => {
    const recorder = new StampedRecorder();
    let members: Member[] = [];
    try {
      members = await startSpread(MEMBERS, natsCluster(), { subjectPrefix: 'g16', group: 'sixteen', recorder });
      const sent = (await Promise.all(members.map((m, i) => sendMix(m, i, PER_MEMBER)))).flat();
      expect(sent).toHaveLength(MEMBERS * PER_MEMBER);
      await expectAllDelivered(members, sent.length, recorder, 60_000);
      const stats = members.map((m) => m.wire.stats);
      const groupFrames = stats.reduce((n, s) => n + s.groupFrames, 0);
      const publishes = stats.reduce((n, s) => n + s.publishes, 0);
      expect(groupFrames).toBeGreaterThan(0);
      console.log(
        `[nats 16] ${sent.length} multicasts, ${sent.length * MEMBERS} deliveries; frames on the group subject: ${groupFrames}; publishes: ${publishes}`,
      );
    } finally {
      await stopMembers(members);
    }
  }, 120_000); // 16 members in one process: minutes on a loaded machine
});
