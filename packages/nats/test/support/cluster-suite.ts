/**
 * What the group tests over a NATS cluster share: the cluster of a test file (started before
 * its tests, stopped after them, no server left), members spread over its servers, and the
 * checks of a run that multicast in every order (see sendMix).
 */
import { afterAll, beforeAll, expect } from '@jest/globals';
import { NatsCluster, type NatsClusterOptions } from '../../src/testing/index.js';
import { eventually, merge, startMembers, violations, type Member, type StampedRecorder } from './groups.js';

/** The file's cluster (3 servers unless told): started in beforeAll, stopped in afterAll, every PID gone. */
export function clusterForSuite(options: NatsClusterOptions = {}): () => NatsCluster {
  let cluster: NatsCluster | undefined;
  beforeAll(async () => {
    cluster = await NatsCluster.start(options);
  }, 30_000);
  afterAll(async () => {
    await cluster?.stop();
    expect(cluster?.livePids() ?? []).toEqual([]);
  });
  return () => {
    if (!cluster) throw new Error('the NATS cluster did not start (see beforeAll)');
    return cluster;
  };
}

/** `count` members in one view, member i on server i mod size first (failing over to the next ones). */
export function startSpread(
  count: number,
  cluster: NatsCluster,
  group: { subjectPrefix: string; group: string; recorder: StampedRecorder },
): Promise<Member[]> {
  return startMembers(count, { servers: (i) => cluster.serversFor(i % cluster.servers.length), ...group });
}

/**
 * Every member delivers every one of the `sent` multicasts once (within `timeoutMs`), the total
 * and group ones (sendMix: k mod 4 is 2 or 3) in one sequence everywhere, and the history
 * checker finds nothing in what `recorder` holds.
 */
export async function expectAllDelivered(
  members: readonly Member[],
  sent: number,
  recorder: StampedRecorder,
  timeoutMs: number,
): Promise<void> {
  await eventually(() => members.every((m) => m.delivered.length >= sent), timeoutMs);
  // On failure, the diff says who fell short and in which view (an exclusion under load shows).
  const state = (m: Member): string =>
    `${m.delivered.length} delivered, view ${m.group.view.id} of ${m.group.view.members.length}, ${m.group.status.state}`;
  const view = members[0]!.group.view.id;
  expect(members.map(state)).toEqual(members.map(() => `${sent} delivered, view ${view} of ${members.length}, member`));
  const ordered = (m: Member): string[] => m.delivered.filter((p) => Number(p.split('-')[1]) % 4 >= 2);
  for (const m of members) {
    expect(m.delivered).toHaveLength(sent);
    expect(new Set(m.delivered).size).toBe(sent);
    expect(ordered(m)).toEqual(ordered(members[0]!));
  }
  expect(violations(merge(recorder.lines))).toEqual([]);
}
