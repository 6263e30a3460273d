import type { Group } from '../../src/group.js';
import { GroupConnection } from '../../src/group-connection.js';
import { shareOf } from '../../src/protocol/reply/scatter.js';
import { checkHistory } from '../../src/testing/checker/history-checker.js';
import { connectionObserver } from '../../src/testing/history-observer.js';
import { closeAll, harness, type SimGroupHarness } from '../support/sim-group.js';

afterEach(closeAll);

function connect(h: SimGroupHarness, address: string, mode: 'relay' | 'direct', seeds = ['a']): Promise<GroupConnection> {
  return GroupConnection.open('g', { wire: h.net.wire(address), seeds, mode, observer: connectionObserver(h.recorder) });
}

const BOOK_LENGTH = 1_000;
const BOOK = Array.from({ length: BOOK_LENGTH }, (_, i) => i);

/** Member i of k answers for its part of the book, as the entries it holds. */
function servePart(group: Group, before: (rank: number) => Promise<void> | void = () => {}): void {
  group.handle('book.part', async (_query, delivery) => {
    await before(delivery.rank);
    const { start, end } = shareOf(delivery, BOOK_LENGTH);
    return BOOK.slice(start, end);
  });
}

describe('direct clients: what a call waits for and what its answer means (issue 11, finding 6)', () => {
  it("'all' waits for a live slow member, and lists only the crashed one as failed", async () => {
    const h = harness({ seed: 61 });
    const groups = await h.form(['a', 'b', 'c', 'd']);
    const [a, b, c, d] = groups as [Group, Group, Group, Group];
    for (const g of groups) {
      g.handle('work', (_payload, delivery) => {
        // c crashes in its handler; d answers after 2 s.
        if (g === c) return new Promise(() => h.crash('c'));
        if (g === d) return new Promise((resolve) => h.net.clock.setTimer(2_000, () => resolve(delivery.rank)));
        return delivery.rank;
      });
    }
    const client = await connect(h, 'client', 'direct');
    const started = h.net.now();
    const replies = await client.multicast('work', null, { replies: 'all', timeoutMs: 8_000 });
    const took = h.net.now() - started;
    expect(took).toBeGreaterThanOrEqual(2_000);
    expect(took).toBeLessThan(8_000);
    expect(replies.replies.map((r) => r.member).sort()).toEqual([a.me, b.me, d.me].sort());
    expect(replies.slow).toEqual([]);
    expect(replies.failed).toEqual([c.me]);
    // As a relayed call would say: c never answered, so 'all' was not met.
    expect(replies.quorumMet).toBe(false);
    expect(replies.expected).toEqual([a.me, b.me, c.me, d.me]);
    expect(checkHistory(h.recorder.events)).toEqual([]);
    await client.close();
  });

  for (const mode of ['relay', 'direct'] as const) {
    it(`${mode}: scatter-gather with a member crashing mid-query says which part is missing`, async () => {
      const h = harness({ seed: 62 });
      const groups = await h.form(['a', 'b', 'c', 'd']);
      for (const g of groups.slice(0, 3)) servePart(g);
      // d (rank 3) takes the query and crashes before it answers.
      groups[3]!.handle('book.part', () => new Promise(() => h.crash('d')));
      const client = await connect(h, 'client', mode);
      const replies = await client.multicast('book.part', null, { replies: 'all', timeoutMs: 8_000 });
      expect(replies.quorumMet).toBe(false);
      expect(replies.missingRanks).toEqual([3]);
      expect(replies.failed).toEqual([groups[3]!.me]);
      expect(replies.expected).toHaveLength(4);
      expect(replies.gather()).toEqual(BOOK.slice(0, 750));
      expect(checkHistory(h.recorder.events)).toEqual([]);
      await client.close();
    });
  }

  it('direct: members that ran one request in different views give a visibly incomplete answer, never overlapping parts', async () => {
    const h = harness({ seed: 63 });
    const groups = await h.form(['a', 'b', 'c']);
    for (const g of groups) servePart(g);
    const client = await connect(h, 'client', 'direct');
    const v1 = client.view;
    // Only a gets the request in view 1; b and c get it once d has joined (view 2).
    h.net.setLink('client', 'b', { loss: 1 });
    h.net.setLink('client', 'c', { loss: 1 });
    const call = client.multicast('book.part', null, { replies: 'all', timeoutMs: 8_000 });
    let settled = false;
    void call.then(() => {
      settled = true;
    });
    const d = await h.join('d', ['a']);
    servePart(d);
    await h.settle(['a', 'b', 'c', 'd']);
    expect(settled).toBe(false);
    h.net.clearLink('client', 'b');
    h.net.clearLink('client', 'c');
    const replies = await call;
    const byMember = new Map(replies.replies.map((r) => [r.member, r]));
    expect(byMember.get(groups[0]!.me)!.viewId).toBe(v1.id);
    expect(byMember.get(groups[1]!.me)!.viewId).toBe(d.view.id);
    // The call's view is the one it waited on (view 1: a's answer came in it): every member of
    // it answered, so the quorum is met, but b's and c's parts are of view 2's division (4
    // parts), so they fill no rank of view 1.
    expect(replies.viewId).toBe(v1.id);
    expect(replies.expected).toEqual(v1.members);
    expect(replies.quorumMet).toBe(true);
    expect(replies.missingRanks).toEqual([1, 2]);
    // gather() merges the parts of that one division only: no overlap, and the gaps are the missing ranks.
    const part = (rank: number, size: number): number[] => {
      const { start, end } = shareOf({ rank, viewSize: size }, BOOK_LENGTH);
      return BOOK.slice(start, end);
    };
    expect(replies.gather()).toEqual(part(0, 3));
    expect(byMember.get(groups[1]!.me)!.value).toEqual(part(1, 4));
    expect(checkHistory(h.recorder.events)).toEqual([]);
    await client.close();
  });

  it('relay: a retry delivered in a later view is answered from memory, naming the view each part ran in', async () => {
    const h = harness({ seed: 64 });
    const groups = await h.form(['a', 'b', 'c'], { getState: () => null, setState: () => undefined });
    let runs = 0;
    for (const g of groups)
      servePart(g, () => {
        runs++;
      });
    const client = await GroupConnection.open('g', {
      wire: h.net.wire('client'),
      seeds: ['a'],
      mode: 'relay',
      retryIntervalMs: 3_000,
      observer: connectionObserver(h.recorder),
    });
    const v1 = client.view;
    // a multicasts the request in view 1 and every member runs it, but the result never reaches
    // the client; d joins; the client retries through b, whose multicast is delivered in view 2.
    h.net.setLink('a', 'client', { loss: 1 });
    const call = client.multicast('book.part', null, { replies: 'all', timeoutMs: 8_000 });
    await h.net.runUntil(() => runs === 3, { timeoutMs: 2_000 });
    const d = await h.join('d', ['a'], { getState: () => null, setState: () => undefined });
    servePart(d, () => {
      runs++;
    });
    await h.settle(['a', 'b', 'c', 'd']);
    const replies = await call;
    expect(runs).toBe(3);
    expect(replies.viewId).toBe(d.view.id);
    const ran = new Map(replies.replies.map((r) => [r.member, r]));
    for (const g of groups) expect(ran.get(g.me)).toMatchObject({ viewId: v1.id, rank: v1.members.indexOf(g.me) });
    expect(ran.get(d.me)!.error?.code).toBe('DUPLICATE_REQUEST');
    // No part of view 2's division came back: the parts of view 1's are not passed off as them.
    expect(replies.missingRanks).toEqual([0, 1, 2, 3]);
    expect(replies.gather()).toEqual([]);
    expect(checkHistory(h.recorder.events)).toEqual([]);
    await client.close();
  });
});
