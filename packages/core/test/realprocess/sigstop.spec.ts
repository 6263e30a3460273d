/**
 * Issue 10, failure 2 (and 5): a member SIGSTOPped for 3.5 s under traffic, then SIGCONTed.
 * It used to be excluded and rejoin while the multicasts it issued as it resumed all resolved
 * and were delivered by nobody else. Now: nothing resolved is lost in silence (delivered by a
 * survivor, or listed in its excluded report, and with resendUnconfirmed re-sent), the group is
 * back to three within a bound, and calls made meanwhile settle by their timeoutMs.
 */
import { checkHistory } from '../../src/testing/checker/history-checker.js';
import {
  brief,
  Claims,
  Cluster,
  figures,
  lossReport,
  mergeHistories,
  now,
  progressOf,
  quiesce,
  rejectionCodes,
  sleep,
  type RealMember,
} from './harness.js';
import type { Progress } from './types.js';

const STOP_MS = 3_500;
/** The default suspectTimeoutMs is 3000: the others may remove c only after about that long (less the last frame's age). */
const SUSPECT_FLOOR_MS = 2_800;
/** From SIGCONT until the three are in one view again. */
const RECOVERY_BOUND_MS = 10_000;
/** A call issued while the member is stopped settles within its timeoutMs plus this. */
const CALL_TIMEOUT_MS = 1_000;
const CALL_SLACK_MS = 600;
/** Traffic: each member issues PER_MEMBER mixed fbcast/cbcast/abcast, BURST every PAUSE_MS. */
const PER_MEMBER = 4_000;
const BURST = 20;
const PAUSE_MS = 20;

describe('real processes: SIGSTOP for 3.5 s under traffic, then SIGCONT (issue 10.2, 10.5)', () => {
  const cluster = new Cluster('sigstop');
  afterAll(() => cluster.cleanup());

  it('nothing resolved is lost unreported, the group is whole again within 10 s, calls settle by their timeout', async () => {
    const claims = new Claims();
    const options = { resendUnconfirmed: true };
    const a = await cluster.spawn('a', { options }).joined();
    const [b, c] = (await Promise.all(['b', 'c'].map((name) => cluster.spawn(name, { seeds: [a.address], options }).joined()))) as [
      RealMember,
      RealMember,
    ];
    const members = [a, b, c];
    await Promise.all(members.map((m) => m.waitFor('view', (r) => (r.members as string[]).length === 3)));

    for (const m of members) m.send(PER_MEMBER, { order: 'mixed', burst: BURST, pauseMs: PAUSE_MS });
    await sleep(1_000);

    // c stops mid-stream; a calls every 700 ms meanwhile.
    const cLogBefore = c.log.length;
    const stoppedAt = now();
    c.kill('SIGSTOP');
    const calls: Promise<{ ms: number; outcome: string; detail: unknown }>[] = [];
    let continuedAt: number;
    try {
      for (let i = 0; i < 5; i++) {
        calls.push(
          a.call(CALL_TIMEOUT_MS, CALL_TIMEOUT_MS + 5_000).then(
            (r) => ({ ms: r.ms as number, outcome: r.outcome as string, detail: r }),
            (error: unknown) => ({ ms: Infinity, outcome: 'no answer', detail: String(error) }),
          ),
        );
        await sleep(STOP_MS / 5);
      }
    } finally {
      c.kill('SIGCONT');
      continuedAt = now();
    }

    // Back to three: one view of 3 holding every process's current incarnation.
    let whole: Progress[] | null = null;
    const deadline = performance.now() + RECOVERY_BOUND_MS;
    for (let i = 0; i < RECOVERY_BOUND_MS / 100 + 1 && performance.now() < deadline; i++) {
      const progress = await progressOf(members, 1_000);
      if (
        progress.every((p) => p !== null) &&
        new Set(progress.map((p) => `${p!.view.id}`)).size === 1 &&
        progress.every((p) => p!.view.members.length === 3 && progress[0]!.view.members.includes(p!.me))
      ) {
        whole = progress as Progress[];
        break;
      }
      await sleep(100);
    }
    const recoveryMs = whole ? Math.round(now() - continuedAt) : null;
    claims.that(
      `the group is back to 3 members within ${RECOVERY_BOUND_MS} ms of SIGCONT`,
      whole !== null,
      (await progressOf(members)).map(brief),
    );

    const callResults = await Promise.all(calls);
    let final: Progress[];
    try {
      final = await quiesce(members, 3, 8_000);
    } catch (error) {
      claims.that('the traffic settles (all promises settled, one view of 3, deliveries still)', false, String(error));
      final = (await progressOf(members)).filter((p): p is Progress => p !== null);
    }

    const logs = await Promise.all(members.map((m) => m.dump()));
    const history = mergeHistories(members);
    const loss = lossReport(history, logs, final[0]?.view.members ?? []);
    const cEvents = c.log.slice(cLogBefore);
    const excludedAt = cEvents.find((r) => r.type === 'excluded')?.t;
    // When the others removed c (their first view of 2 after the SIGSTOP), if they did.
    const removedAt = a.log.find((r) => r.type === 'view' && r.t >= stoppedAt && (r.members as string[]).length === 2)?.t;
    const removedMs = removedAt !== undefined ? Math.round(removedAt - stoppedAt) : null;
    const violations = checkHistory(history, { quiescent: true });

    figures('sigstop', {
      stopMs: STOP_MS,
      recoveryMsAfterSigcont: recoveryMs,
      excluded: excludedAt !== undefined,
      removedByOthersMsAfterSigstop: removedMs,
      excludedLearnedMsAfterSigstop: excludedAt !== undefined ? Math.round(excludedAt - stoppedAt) : null,
      unconfirmedReported: logs.map((l) => l.excludedReports.map((r) => r.unconfirmed.length)),
      calls: callResults.map((r) => ({ ms: Math.round(r.ms), outcome: r.outcome })),
      resolved: loss.resolved,
      lostUnreported: loss.lostUnreported,
      reported: loss.reported,
      reportedNotDelivered: loss.reportedNotDelivered,
      rejectionCodes: rejectionCodes(logs),
      longestStallMs: Object.fromEntries(logs.map((l) => [l.name, l.maxStallMs])),
      final: final.map(brief),
    });
    for (const [i, call] of callResults.entries()) {
      claims.that(
        `call ${i} (timeoutMs ${CALL_TIMEOUT_MS}) issued while c is stopped settles by ${CALL_TIMEOUT_MS + CALL_SLACK_MS} ms`,
        call.ms <= CALL_TIMEOUT_MS + CALL_SLACK_MS,
        call.detail,
      );
    }
    claims.that(
      `a silent but connected member is not removed before suspectTimeoutMs (3000 ms; ${SUSPECT_FLOOR_MS} allowed)`,
      removedMs === null || removedMs >= SUSPECT_FLOOR_MS,
      { removedMs },
    );
    claims.that('a and b were never excluded', ![a, b].some((m) => m.log.some((r) => r.type === 'excluded')));
    claims.that('no resolved multicast lost unreported', loss.lostUnreported === 0, loss);
    claims.that('with resendUnconfirmed, every reported multicast is delivered after the rejoin', loss.reportedNotDelivered === 0, loss);
    claims.that(
      'an excluded member got a report',
      cEvents.filter((r) => r.type === 'excluded').every((r) => r.hadReport === true),
      cEvents.filter((r) => r.type === 'excluded'),
    );
    claims.that('the history checker passes', violations.length === 0, violations.slice(0, 5));
    expect(claims.failed).toEqual([]);
  }, 45_000);
});
