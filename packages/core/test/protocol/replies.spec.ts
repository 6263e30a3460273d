import { Replies } from '../../src/protocol/reply/replies.js';
import { checkHistory } from '../../src/testing/checker/history-checker.js';
import { closeAll, harness } from '../support/sim-group.js';

afterEach(closeAll);

describe('synchronous multicast: reply quorums', () => {
  it("'all' gets one reply from each member of the view, with rank and view size", async () => {
    const h = harness({ seed: 11, loss: 0.1 });
    const [a, b, c] = await h.form(['a', 'b', 'c']);
    for (const g of [a!, b!, c!]) g.handle('whoami', (_p, d) => ({ me: g.me, rank: d.rank, size: d.viewSize }));
    const replies = await a!.multicast('whoami', null, { replies: 'all' });
    expect(replies).toBeInstanceOf(Replies);
    expect(replies.quorumMet).toBe(true);
    expect(replies.replies).toHaveLength(3);
    expect(replies.failed).toEqual([]);
    expect(replies.slow).toEqual([]);
    expect(replies.viewId).toBe(a!.view.id);
    const byMember = new Map(replies.replies.map((r) => [r.member, r.value as { me: string; rank: number; size: number }]));
    for (const g of [a!, b!, c!]) {
      expect(byMember.get(g.me)).toEqual({ me: g.me, rank: g.view.members.indexOf(g.me), size: 3 });
    }
    expect(checkHistory(h.recorder.events)).toEqual([]);
  });

  it.each([
    ['first', 1],
    ['majority', 3],
    [2, 2],
  ] as const)('replies %s resolves once %i replies arrived, the rest listed as not answered', async (quorum, needed) => {
    const h = harness({ seed: 12 });
    const groups = await h.form(['a', 'b', 'c', 'd', 'e']);
    // Members answer after rank * 50 ms of virtual time, so the order of arrival is known.
    for (const g of groups)
      g.handle('q', (_p, d) => new Promise((resolve) => h.net.clock.setTimer(d.rank * 50 + 1, () => resolve(d.rank))));
    const replies = await groups[0]!.multicast('q', null, { replies: quorum });
    expect(replies.quorumMet).toBe(true);
    expect(replies.replies).toHaveLength(needed);
    expect(replies.values<number>().sort()).toEqual([...Array(needed).keys()]);
    expect(replies.slow).toHaveLength(5 - needed);
  });

  it("'all' stops waiting for a member that crashes before it replies, and says so", async () => {
    const h = harness({ seed: 13 });
    const [a, b, c] = await h.form(['a', 'b', 'c']);
    a!.handle('q', () => 'a');
    b!.handle('q', () => 'b');
    // c delivers the request but never answers: it crashes while "working".
    c!.handle(
      'q',
      () =>
        new Promise(() => {
          h.crash('c');
        }),
    );
    const replies = await a!.multicast('q', null, { replies: 'all', timeoutMs: 60_000 });
    expect(replies.values<string>().sort()).toEqual(['a', 'b']);
    expect(replies.failed).toEqual([c!.me]);
    expect(replies.slow).toEqual([]);
    expect(replies.quorumMet).toBe(false);
    expect(h.net.now()).toBeLessThan(60_000);
    expect(checkHistory(h.recorder.events)).toEqual([]);
  });

  it.each([
    ['first', true],
    [3, true],
    ['majority', true],
    [4, false],
    ['all', false],
  ] as const)(
    'replies %s with two of five members crashing before they reply: quorum met %s, the crashed listed as failed',
    async (quorum, met) => {
      const h = harness({ seed: 20, loss: 0.05 });
      const groups = await h.form(['a', 'b', 'c', 'd', 'e']);
      groups[0]!.handle('q', () => 'a');
      groups[1]!.handle('q', () => 'b');
      groups[2]!.handle('q', () => new Promise(() => h.crash('c')));
      groups[3]!.handle('q', () => new Promise(() => h.crash('d')));
      groups[4]!.handle('q', () => 'e');
      const replies = await groups[0]!.multicast('q', null, { replies: quorum, timeoutMs: 60_000 });
      expect(replies.quorumMet).toBe(met);
      expect(h.net.now()).toBeLessThan(60_000);
      if (!met) {
        // Nobody is left who could answer: the call ends with the crashed members named.
        expect(replies.values<string>().sort()).toEqual(['a', 'b', 'e']);
        expect([...replies.failed].sort()).toEqual([groups[2]!.me, groups[3]!.me].sort());
      }
      expect(checkHistory(h.recorder.events)).toEqual([]);
    },
  );

  it('a member that is too slow is named in slow once the timeout strikes', async () => {
    const h = harness({ seed: 14 });
    const [a, b] = await h.form(['a', 'b']);
    a!.handle('q', () => 'fast');
    b!.handle('q', () => new Promise((resolve) => h.net.clock.setTimer(5_000, () => resolve('late'))));
    const started = h.net.now();
    const replies = await a!.multicast('q', null, { replies: 'all', timeoutMs: 1_000 });
    expect(h.net.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(replies.values()).toEqual(['fast']);
    expect(replies.slow).toEqual([b!.me]);
    expect(replies.quorumMet).toBe(false);
  });

  it('a handler that throws becomes an error reply; a topic without a handler answers NO_HANDLER', async () => {
    const h = harness({ seed: 15 });
    const [a, b, c] = await h.form(['a', 'b', 'c']);
    a!.handle('q', () => 1);
    b!.handle('q', () => {
      throw Object.assign(new Error('boom'), { code: 'E_BOOM' });
    });
    const errors: unknown[] = [];
    c!.on('unhandled', (p) => errors.push(p));
    const replies = await a!.multicast('q', 'x', { replies: 'all' });
    expect(replies.values()).toEqual([1]);
    const byMember = new Map(replies.errors.map((r) => [r.member, r.error]));
    expect(byMember.get(b!.me)).toEqual({ name: 'Error', code: 'E_BOOM', message: 'boom' });
    expect(byMember.get(c!.me)?.code).toBe('NO_HANDLER');
    expect(errors).toEqual(['x']);
  });

  it('rejects bad reply options with a typed error', async () => {
    const h = harness({ seed: 16 });
    const [a] = await h.form(['a']);
    await expect(a!.multicast('q', null, { replies: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(a!.multicast('q', null, { replies: 'most' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(a!.multicast('q', null, { replies: 'all', timeoutMs: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('a handler that makes its own synchronous call, to the same group, gets its replies (no deadlock)', async () => {
    const h = harness({ seed: 17, loss: 0.05 });
    const groups = await h.form(['a', 'b', 'c']);
    for (const g of groups) {
      g.handle('inner', (_p, d) => d.rank);
      // Every member, while handling 'outer', asks the whole group again and answers with the sum.
      g.handle('outer', async () => {
        const inner = await g.multicast('inner', null, { replies: 'all' });
        return inner.values<number>().reduce((x, y) => x + y, 0);
      });
    }
    const replies = await groups[1]!.abcast('outer', null, { replies: 'all' });
    expect(replies.quorumMet).toBe(true);
    expect(replies.values()).toEqual([3, 3, 3]);
  });

  it('synchronous calls leave packing on for the asynchronous traffic around them', async () => {
    const h = harness({ seed: 18 });
    const [a, b] = await h.form(['a', 'b']);
    let got = 0;
    b!.handle('async', () => {
      got++;
    });
    b!.handle('q', () => 'ok');
    a!.handle('q', () => 'ok');
    const framesBefore = h.net.stats.sent;
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) sends.push(a!.fbcast('async', i));
    sends.push(a!.multicast('q', null, { replies: 'all' }));
    for (let i = 0; i < 200; i++) sends.push(a!.fbcast('async', i));
    await Promise.all(sends);
    await h.net.runUntil(() => got === 400, { timeoutMs: 5_000 });
    // 401 multicasts issued in one turn travel as a handful of frames, not one each.
    expect(h.net.stats.sent - framesBefore).toBeLessThan(50);
  });

  it('gather merges the parts in rank order and names the missing ranks', async () => {
    const h = harness({ seed: 19 });
    const groups = await h.form(['a', 'b', 'c']);
    for (const g of groups) g.handle('part', (_p, d) => [d.rank * 10, d.rank * 10 + 1]);
    const replies = await groups[0]!.multicast('part', null, { replies: 'all' });
    expect(replies.gather()).toEqual([0, 1, 10, 11, 20, 21]);
    expect(replies.gather<number[]>((parts) => [parts.flat().length])).toEqual([6]);
    expect(replies.missingRanks).toEqual([]);
  });
});
