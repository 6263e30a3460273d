/**
 * Issue 10, failure 4: three configured seeds, the lowest address down. Only the lowest seed
 * used to be allowed to form the group, so the other two (a majority) failed with
 * JoinTimeoutError. Now any majority of the configured seeds bootstraps the group; the lowest,
 * started later, joins that group (it does not form a second one).
 */
import { checkHistory } from '../../src/testing/checker/history-checker.js';
import {
  brief,
  Claims,
  Cluster,
  figures,
  freePorts,
  lossReport,
  mergeHistories,
  now,
  progressOf,
  quiesce,
  type RealMember,
} from './harness.js';
import type { Progress } from './types.js';

/** From spawning the two to both being in one view of two. */
const FORM_BOUND_MS = 8_000;
/** From spawning the lowest to a view of three at all. */
const LATE_JOIN_BOUND_MS = 8_000;

describe('real processes: bootstrap without the lowest-address seed (issue 10.4)', () => {
  const cluster = new Cluster('seeds');
  afterAll(() => cluster.cleanup());

  it('3 seeds configured, the lowest never started: the other two form the group; the lowest joins it later', async () => {
    const claims = new Claims();
    const ports = await freePorts(3);
    // Every process gets the same configuration: all three seed addresses, itself included.
    const seeds = ports.map((port) => `127.0.0.1:${port}`);
    const spawnedAt = now();
    const two = [cluster.spawn('mid', { port: ports[1]!, seeds }), cluster.spawn('top', { port: ports[2]!, seeds })];
    let formMs: number | null = null;
    try {
      await Promise.all(two.map((m) => m.joined(FORM_BOUND_MS)));
      await Promise.all(two.map((m) => m.waitFor('view', (r) => (r.members as string[]).length === 2, FORM_BOUND_MS)));
      formMs = Math.round(now() - spawnedAt);
    } catch (error) {
      claims.that(`the two form one group within ${FORM_BOUND_MS} ms`, false, String(error));
    }

    let late: RealMember | null = null;
    let lateJoinMs: number | null = null;
    let final: Progress[] = [];
    if (formMs !== null) {
      const views = await progressOf(two);
      claims.that(
        'the two are in one view',
        views.every((p) => p !== null && p.view.id === views[0]!.view.id && p.view.members.length === 2),
        views.map(brief),
      );
      for (const m of two) m.send(100, { order: 'mixed', burst: 0 });
      await quiesce(two, 2, 5_000).catch((error: unknown) => claims.that('the two settle', false, String(error)));

      // The lowest seed starts late, with the same configuration: it must join, not form its own group.
      late = cluster.spawn('low', { port: ports[0]!, seeds });
      try {
        await late.joined(LATE_JOIN_BOUND_MS);
        final = await quiesce([late, ...two], 3, LATE_JOIN_BOUND_MS);
        lateJoinMs = Math.round(now() - late.spawnedAt);
      } catch (error) {
        claims.that(
          `the lowest seed, started later, joins the same group (a view of 3) within ${LATE_JOIN_BOUND_MS} ms`,
          false,
          `${String(error)} ${JSON.stringify((await progressOf([late, ...two])).map(brief))}`,
        );
      }
    }
    const members = [...two, ...(late ? [late] : [])].filter((m) => m.alive);
    const logs = await Promise.all(members.map((m) => m.dump().catch(() => null)));
    const history = mergeHistories(members);
    const loss = lossReport(
      history,
      logs.filter((l) => l !== null),
      final[0]?.view.members ?? two.map((m) => m.me),
    );
    const violations = final.length > 0 ? checkHistory(history, { quiescent: true }) : [];
    figures('seeds/lowest-down', {
      formMs,
      lateJoinMs,
      lostUnreported: loss.lostUnreported,
      resolved: loss.resolved,
      final: final.map(brief),
    });
    claims.that('no resolved multicast lost unreported', loss.lostUnreported === 0, loss);
    claims.that('the history checker passes', violations.length === 0, violations.slice(0, 5));
    expect(claims.failed).toEqual([]);
  }, 30_000);
});
