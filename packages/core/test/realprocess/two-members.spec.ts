/**
 * Issue 10, failures 3 and 5: a group of two and a crash. It used to stay in view {A,B}
 * forever, a total-order call hung for minutes and the restarted member could not get back in
 * (JoinTimeoutError). Now:
 * - without a quorum policy, the survivor detects the crash quickly and says it is blocked
 *   (status and 'blocked' event, NO_QUORUM); a call with timeoutMs settles by its deadline;
 *   the crashed member restarted at the same address stands in for its old incarnation and
 *   the group of two is back within a bound;
 * - with quorum { policy: 'tie-breaker' } the survivor holding the lowest address goes on
 *   alone, and the other one, alone, blocks.
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
  sleep,
  type RealMember,
} from './harness.js';
import type { Progress, QuorumPolicyName } from './types.js';

/** SIGKILL (connection closed) to the survivor's 'blocked' event or new view: the < 1 s target. */
const DETECT_BOUND_MS = 1_000;
const CALL_TIMEOUT_MS = 2_000;
const CALL_SLACK_MS = 500;
/** From spawning the restarted process to a group of two again. */
const RESTART_BOUND_MS = 10_000;

const addr = (port: number): string => `127.0.0.1:${port}`;

async function pair(
  cluster: Cluster,
  prefix: string,
  quorum: QuorumPolicyName | null,
): Promise<{ low: RealMember; high: RealMember; ports: number[] }> {
  const ports = await freePorts(2);
  const options = quorum ? { quorum: { policy: quorum } } : {};
  const low = await cluster.spawn(`${prefix}-low`, { port: ports[0]!, options }).joined();
  const high = await cluster.spawn(`${prefix}-high`, { port: ports[1]!, seeds: [addr(ports[0]!)], options }).joined();
  await Promise.all([low, high].map((m) => m.waitFor('view', (r) => (r.members as string[]).length === 2)));
  // Some traffic before the crash: 200 each, then quiet.
  for (const m of [low, high]) m.send(200, { order: 'mixed', burst: 20, pauseMs: 5 });
  await quiesce([low, high], 2, 5_000);
  return { low, high, ports };
}

/** The first 'blocked' event or view of `size` at `m` after log index `from`, whichever comes first. */
function firstReaction(m: RealMember, from: number, timeoutMs: number): Promise<{ kind: string; t: number } | null> {
  return Promise.any([
    m.waitFor('blocked', () => true, timeoutMs, from).then((r) => ({ kind: 'blocked', t: r.t })),
    m.waitFor('view', (r) => (r.members as string[]).length === 1, timeoutMs, from).then((r) => ({ kind: 'view of 1', t: r.t })),
  ]).catch(() => null);
}

describe('real processes: a group of two and a SIGKILL (issue 10.3, 10.5)', () => {
  const cluster = new Cluster('two');
  afterAll(() => cluster.cleanup());

  it('no quorum policy: the survivor detects the crash and reports blocked, a call settles by its timeout, the restarted member gets back in', async () => {
    const claims = new Claims();
    const { low: a, high: b, ports } = await pair(cluster, 'np', null);

    const from = a.log.length;
    b.kill('SIGKILL');
    const killedAt = b.killedAt!;
    const reaction = await firstReaction(a, from, DETECT_BOUND_MS + 1_000);
    const detectionMs = reaction ? Math.round(reaction.t - killedAt) : null;
    claims.that(
      `the survivor reacts (blocked) within ${DETECT_BOUND_MS} ms of the SIGKILL`,
      detectionMs !== null && detectionMs <= DETECT_BOUND_MS,
      { reaction, detectionMs },
    );
    claims.that('the survivor does not go on alone without a quorum policy', reaction?.kind !== 'view of 1', reaction);
    const blockedEvent = a.log.slice(from).find((r) => r.type === 'blocked');
    claims.that("the 'blocked' event says NO_QUORUM", blockedEvent?.code === 'NO_QUORUM', blockedEvent ?? 'no blocked event');
    const statusWhileBlocked = (await a.progress()).status;
    claims.that(
      "status is { state: 'blocked', blocked: { code: 'NO_QUORUM' } }",
      statusWhileBlocked?.state === 'blocked' && statusWhileBlocked.blocked?.code === 'NO_QUORUM',
      statusWhileBlocked,
    );

    // A synchronous call while blocked settles by its timeoutMs; asynchronous ones wait (and must
    // not be lost once the group is back).
    const callStarted = performance.now();
    const callResult = await a
      .call(CALL_TIMEOUT_MS, CALL_TIMEOUT_MS + CALL_SLACK_MS + 1_000)
      .catch((error: unknown) => ({ outcome: 'no answer', error: String(error), ms: Infinity }));
    const callMs = Math.round(performance.now() - callStarted);
    claims.that(
      `a replies:'all' call with timeoutMs ${CALL_TIMEOUT_MS} settles by ${CALL_TIMEOUT_MS + CALL_SLACK_MS} ms while blocked`,
      (callResult.ms as number) <= CALL_TIMEOUT_MS + CALL_SLACK_MS,
      callResult,
    );
    a.send(50, { order: 'total', burst: 0 });

    // b restarts at the same address.
    const restarted = cluster.spawn('np-high-2', { port: ports[1]!, seeds: [addr(ports[0]!)] });
    let recoveryMs: number | null = null;
    try {
      await restarted.joined(RESTART_BOUND_MS);
      await Promise.all(
        [a, restarted].map((m) =>
          m.waitFor(
            'view',
            (r) => (r.members as string[]).length === 2 && (r.members as string[]).includes(restarted.me),
            RESTART_BOUND_MS,
          ),
        ),
      );
      recoveryMs = Math.round(now() - restarted.spawnedAt);
    } catch (error) {
      claims.that(`the restarted member is back in a group of two within ${RESTART_BOUND_MS} ms`, false, String(error));
    }
    const unblocked = await a.waitFor('unblocked', () => true, 2_000, from).catch(() => null);
    claims.that("the survivor emits 'unblocked'", unblocked !== null);

    let final: Progress[] = [];
    if (recoveryMs !== null) {
      try {
        final = await quiesce([a, restarted], 2, 5_000);
      } catch (error) {
        claims.that('the pair settles', false, String(error));
      }
    }
    const logs = await Promise.all([a, restarted].filter((m) => m.alive).map((m) => m.dump().catch(() => null)));
    const history = mergeHistories([a, b, restarted]);
    const loss = lossReport(
      history,
      logs.filter((l) => l !== null),
      final[0]?.view.members ?? [a.me],
    );
    const violations = final.length > 0 ? checkHistory(history, { quiescent: true }) : [];
    figures('two-members/no-policy', {
      detectionMs,
      reaction: reaction?.kind ?? null,
      status: statusWhileBlocked,
      callMs,
      call: callResult,
      recoveryMsFromRestart: recoveryMs,
      recoveryMsFromKill: recoveryMs !== null ? Math.round(restarted.spawnedAt - killedAt + recoveryMs) : null,
      lostUnreported: loss.lostUnreported,
      resolved: loss.resolved,
      final: final.map(brief),
    });
    claims.that('no resolved multicast of the survivor lost unreported', loss.lostUnreported === 0, loss);
    claims.that('the history checker passes', violations.length === 0, violations.slice(0, 5));
    expect(claims.failed).toEqual([]);
  }, 40_000);

  it("quorum 'tie-breaker': when the higher address dies, the lowest goes on alone (calls answered)", async () => {
    const claims = new Claims();
    const { low, high } = await pair(cluster, 'tb', 'tie-breaker');
    const from = low.log.length;
    high.kill('SIGKILL');
    const view = await low.waitFor('view', (r) => (r.members as string[]).length === 1, DETECT_BOUND_MS + 1_000, from).catch(() => null);
    const goOnMs = view ? Math.round(view.t - high.killedAt!) : null;
    claims.that(
      `the low-address survivor installs a view of itself within ${DETECT_BOUND_MS} ms`,
      goOnMs !== null && goOnMs <= DETECT_BOUND_MS,
      { goOnMs },
    );
    const status = (await low.progress()).status;
    claims.that("its status is 'member', not blocked", status?.state === 'member' && !status.blocked, status);
    const call = await low
      .call(CALL_TIMEOUT_MS, CALL_TIMEOUT_MS + CALL_SLACK_MS + 1_000)
      .catch((error: unknown) => ({ outcome: 'no answer', error: String(error), ms: Infinity, quorumMet: false }));
    claims.that(
      "a replies:'all' call resolves with its own reply, quorum met",
      call.outcome === 'resolved' && call.quorumMet === true,
      call,
    );
    low.send(100, { order: 'total', burst: 0 });
    let final: Progress[] = [];
    try {
      final = await quiesce([low], 1, 3_000);
    } catch (error) {
      claims.that('the survivor settles alone', false, String(error));
    }
    const logs = [await low.dump()];
    const history = mergeHistories([low, high]);
    const loss = lossReport(history, logs, final[0]?.view.members ?? [low.me]);
    figures('two-members/tie-breaker-low-survives', { goOnMs, status, call, lostUnreported: loss.lostUnreported, final: final.map(brief) });
    claims.that('no resolved multicast of the survivor lost unreported', loss.lostUnreported === 0, loss);
    expect(claims.failed).toEqual([]);
  }, 30_000);

  it("quorum 'tie-breaker': when the lowest address dies, the other one blocks and does not go on alone", async () => {
    const claims = new Claims();
    const { low, high } = await pair(cluster, 'tb2', 'tie-breaker');
    const from = high.log.length;
    low.kill('SIGKILL');
    const blocked = await high.waitFor('blocked', () => true, DETECT_BOUND_MS + 1_000, from).catch(() => null);
    const detectionMs = blocked ? Math.round(blocked.t - low.killedAt!) : null;
    claims.that(
      `the high-address survivor reports blocked within ${DETECT_BOUND_MS} ms`,
      detectionMs !== null && detectionMs <= DETECT_BOUND_MS,
      { detectionMs, blocked },
    );
    const call = await high.call(1_000, 2_500).catch((error: unknown) => ({ outcome: 'no answer', error: String(error), ms: Infinity }));
    claims.that('a call with timeoutMs 1000 settles by 1500 ms', (call.ms as number) <= 1_500, call);
    await sleep(500);
    const progress = (await progressOf([high]))[0];
    claims.that(
      'it never installed a view of itself alone',
      !high.log.slice(from).some((r) => r.type === 'view' && (r.members as string[]).length === 1),
      progress ? brief(progress) : null,
    );
    claims.that(
      "its status is 'blocked' (NO_QUORUM)",
      progress?.status?.state === 'blocked' && progress.status.blocked?.code === 'NO_QUORUM',
      progress?.status,
    );
    figures('two-members/tie-breaker-low-dies', { detectionMs, call, status: progress?.status ?? null });
    expect(claims.failed).toEqual([]);
  }, 30_000);
});
