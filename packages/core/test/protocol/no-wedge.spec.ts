import { Group } from '../../src/group.js';
import { checkHistory } from '../../src/testing/checker/history-checker.js';
import type { ExclusionReport } from '../../src/group-options.js';
import { closeAll, harness } from '../support/sim-group.js';

afterEach(closeAll);

describe('never wedge where going on is safe (simulated)', () => {
  it('a group of two: the survivor blocks, says why, settles calls by their timeout, and recovers when the crashed member restarts', async () => {
    const h = harness({ seed: 71 });
    const [a] = await h.form(['a', 'b']);
    const blocked: string[] = [];
    a!.on('blocked', (reason) => blocked.push(reason.code));
    a!.handle('q', () => 'ok');
    h.crash('b');
    await h.net.runUntil(() => a!.status.state === 'blocked', { timeoutMs: 5_000 });
    await h.net.sleep(1); // the event follows the status in the next turn
    expect(blocked).toEqual(['NO_QUORUM']);
    expect(a!.status.blocked).toMatchObject({ code: 'NO_QUORUM', reachable: [a!.me] });
    const startedAt = h.net.now();
    const replies = await a!.multicast('q', null, { order: 'total', replies: 'all', timeoutMs: 1_000 });
    expect(replies.quorumMet).toBe(false);
    expect(h.net.now() - startedAt).toBeLessThan(1_100);
    // b restarts at the same address: it stands in for its crashed incarnation.
    const b2 = await Group.join('g', { wire: h.net.wire('b'), seeds: ['a'], observer: h.observer() });
    await h.net.runUntil(() => a!.view.members.length === 2 && a!.view.members.includes(b2.me), { timeoutMs: 5_000 });
    expect(a!.status.state).toBe('member');
    const answer = await a!.multicast('q', null, { order: 'total', replies: 'all', timeoutMs: 1_000 });
    expect(answer.quorumMet).toBe(true);
    expect(answer.errors.map((r) => r.member)).toEqual([b2.me]); // b2 has no handler for q: an error reply
    expect(checkHistory(h.recorder.events, { quiescent: true })).toEqual([]);
  });

  it('tie-breaker: the half holding the lowest address goes on alone', async () => {
    const h = harness({ seed: 72 });
    const [a] = await h.form(['a', 'b'], { quorum: { policy: 'tie-breaker' } });
    h.crash('b');
    await h.net.runUntil(() => a!.view.members.length === 1, { timeoutMs: 5_000 });
    expect(a!.status.state).toBe('member');
    await a!.fbcast('x', 1);
    // Every property holds but the checker's primary partition, which counts strict majorities:
    // deciding with the half that holds the tie-breaker is what this policy opts into.
    expect(checkHistory(h.recorder.events, { quiescent: true }).filter((v) => v.property !== 'primary-partition')).toEqual([]);
  });

  it('any majority of the seeds forms the group when the lowest seed is down', async () => {
    const h = harness({ seed: 73 });
    h.net.wire('s1'); // never joins
    const seeds = ['s1', 's2', 's3'];
    const [s2, s3] = await Promise.all(['s2', 's3'].map((name) => h.join(name, seeds)));
    await h.settle(['s2', 's3']);
    expect(s2!.view.members).toEqual(s3!.view.members);
  });

  it('an excluded member reports what it sent that the survivors may not deliver', async () => {
    const h = harness({ seed: 74 });
    const [a, b, c] = await h.form(['a', 'b', 'c']);
    const reports: ExclusionReport[] = [];
    c!.on('excluded', (_view, report) => reports.push(report));
    h.net.partition(['a', 'b'], ['c']);
    for (let i = 0; i < 5; i++) void c!.fbcast('cut-off', i);
    await h.net.runUntil(() => a!.view.members.length === 2 && reports.length === 0, { timeoutMs: 10_000 });
    h.net.heal();
    await h.net.runUntil(() => reports.length === 1, { timeoutMs: 10_000 });
    expect(reports[0]!.unconfirmed.map((m) => m.payload)).toEqual([0, 1, 2, 3, 4]);
    expect(reports[0]!.reason).toBe('suspected');
    await h.net.runUntil(() => a!.view.members.length === 3 && b!.view.members.length === 3, { timeoutMs: 10_000 });
    expect(checkHistory(h.recorder.events, { quiescent: true })).toEqual([]);
  });

  it('the last member leaves at once (its install names an empty view, which is no forgery)', async () => {
    const h = harness({ seed: 75 });
    const [a] = await h.form(['a']);
    const startedAt = h.net.now();
    await a!.leave();
    expect(h.net.now() - startedAt).toBeLessThan(500);
    expect(a!.stats.framesRejected).toBe(0);
  });
});
