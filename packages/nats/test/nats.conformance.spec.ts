/**
 * The shared wire conformance suite (packages/core/test/wire/conformance), unchanged, against
 * natsWire on a 3-server NATS cluster on 127.0.0.1: each fixture's wires connect to different
 * servers, so frames cross the routes. No crashablePeer: NATS has no connection per peer, so
 * there is no 'closed' to report (peer-down.spec.ts tests the 'refused' this wire does report).
 */
import { afterAll, beforeAll } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { wireConformance } from '../../core/test/wire/conformance/wire-conformance.js';
import { natsWire, type NatsWire } from '../src/index.js';
import { NatsCluster } from '../src/testing/index.js';

let cluster: NatsCluster;
beforeAll(async () => {
  cluster = await NatsCluster.start();
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
});

let fixtures = 0;
wireConformance('nats', async (count) => {
  // A prefix per fixture: nothing of one test reaches the next.
  const subjectPrefix = `conformance.f${++fixtures}`;
  const wires: NatsWire[] = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      natsWire({
        servers: cluster.serversFor(i),
        noRandomize: true,
        subjectPrefix,
        group: 'conformance',
      }),
    ),
  );
  // Interest travels between servers a moment after a subscription: wait until every server
  // knows every wire (the suite sends once and expects every frame; no protocol retransmits).
  await cluster.awaitInterest(wires.map((w) => `${subjectPrefix}.member.${w.address}`).concat(`${subjectPrefix}.group.conformance`));
  return {
    wires,
    unreachable: 'nobody-here',
    async until(predicate) {
      // Bounded: 800 polls of 5 ms at least, about 4 s (under Jest's 5 s per test).
      for (let i = 0; i < 800; i++) {
        if (predicate()) return true;
        await sleep(5);
      }
      return predicate();
    },
    cleanup: async () => {
      await Promise.all(wires.map((wire) => wire.close()));
    },
  };
});
