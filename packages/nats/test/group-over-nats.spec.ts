/**
 * The whole stack over NATS: five Groups in this process, each on its own natsWire connected to
 * a different server of a 3-server cluster on 127.0.0.1 (members 0 and 3 on n1, 1 and 4 on n2,
 * 2 on n3), default timing. Every member multicasts in every order (fifo, causal, total, group);
 * the history checker judges the run. Then the same with n2 SIGKILLed mid-stream: its members
 * fail over to another server, nobody is excluded, nothing is lost.
 */
import { describe, expect, it } from '@jest/globals';
import { clusterForSuite, expectAllDelivered, startSpread } from './support/cluster-suite.js';
import { sendMix, stopMembers, StampedRecorder, type Member } from './support/groups.js';

const MEMBERS = 5;
const PER_MEMBER = 80;

const natsCluster = clusterForSuite();

describe('Group over natsWire, 5 members on 3 NATS servers', () => {
  it('delivers fifo, causal, total and group multicasts everywhere; the history checker passes', async () => {
    const cluster = natsCluster();
    const recorder = new StampedRecorder();
    let members: Member[] = [];
    try {
      members = await startSpread(MEMBERS, cluster, { subjectPrefix: 'g5', group: 'five', recorder });
      expect(members.map((m) => m.wire.stats.server)).toEqual([0, 1, 2, 3, 4].map((i) => cluster.servers[i % 3]!.url));
      const sent = await Promise.all(members.map((m, i) => sendMix(m, i, PER_MEMBER)));
      const total = sent.flat().length;
      expect(total).toBe(MEMBERS * PER_MEMBER);
      // Total and group order: one sequence everywhere; fifo per sender (the checker).
      await expectAllDelivered(members, total, recorder, 20_000);
      // Frames to several members went out once, on the group subject.
      for (const m of members) expect(m.wire.stats.groupFrames).toBeGreaterThan(0);
    } finally {
      await stopMembers(members);
    }
  }, 60_000);

  it('survives a NATS server SIGKILLed mid-stream: its members fail over, nobody is excluded, nothing is lost', async () => {
    const cluster = natsCluster();
    const recorder = new StampedRecorder();
    let members: Member[] = [];
    try {
      members = await startSpread(MEMBERS, cluster, { subjectPrefix: 'failover', group: 'failover', recorder });
      const viewId = members[0]!.group.view.id;
      const membersAtStart = [...members[0]!.group.view.members];
      const excluded: string[] = [];
      for (const m of members) m.group.on('excluded', () => excluded.push(m.group.me));
      // Each member sends 200 in bursts of 10 every ~5 ms (about 0.5 s of traffic); n2 dies after ~150 ms.
      const sending = Promise.all(members.map((m, i) => sendMix(m, i, 200)));
      await new Promise((resolve) => setTimeout(resolve, 150));
      const killedAt = performance.now();
      await cluster.kill(1);
      const sent = await sending;
      const total = sent.flat().length;
      expect(total).toBe(MEMBERS * 200);
      await expectAllDelivered(members, total, recorder, 20_000);
      const settledMs = performance.now() - killedAt;
      // Members 1 and 4 were on n2: they lost their connection and reconnected elsewhere.
      for (const i of [1, 4]) {
        expect(members[i]!.wire.stats.disconnects).toBeGreaterThanOrEqual(1);
        expect(members[i]!.wire.stats.reconnects).toBeGreaterThanOrEqual(1);
        expect(members[i]!.wire.stats.server).not.toBe(cluster.servers[1]!.url);
      }
      expect(excluded).toEqual([]);
      // Views do change (a gbcast is ordered by the view-change machinery), but never their members.
      const installed = recorder.lines.flatMap((l) => (l.event.kind === 'view' && l.event.view.id >= viewId ? [l.event.view.members] : []));
      for (const view of installed) expect([...view].sort()).toEqual([...membersAtStart].sort());
      console.log(
        `[nats failover] ${total} multicasts, all delivered by all ${MEMBERS} ${settledMs.toFixed(0)} ms after the kill; ` +
          `reconnects: ${members.map((m) => m.wire.stats.reconnects).join(',')}; held packets published: ${members.map((m) => m.wire.stats.heldPublished).join(',')}`,
      );
    } finally {
      await stopMembers(members);
      await cluster.restart(1);
    }
  }, 60_000);
});
