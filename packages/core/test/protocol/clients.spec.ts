import { decodeFrame } from '../../src/protocol/frames.js';
import { GroupConnection } from '../../src/group-connection.js';
import { checkHistory } from '../../src/testing/checker/history-checker.js';
import { connectionObserver } from '../../src/testing/history-observer.js';
import { rawClientRequest } from '../support/raw-client.js';
import { closeAll, harness, type SimGroupHarness } from '../support/sim-group.js';

afterEach(closeAll);

function connect(h: SimGroupHarness, address: string, mode: 'relay' | 'direct', seeds = ['a']): Promise<GroupConnection> {
  return GroupConnection.open('g', { wire: h.net.wire(address), seeds, mode, observer: connectionObserver(h.recorder) });
}

describe('clients outside the group', () => {
  it('relay: a member multicasts the request in the order asked for and hands back the replies', async () => {
    const h = harness({ seed: 31, loss: 0.05 });
    const groups = await h.form(['a', 'b', 'c']);
    const seen: Record<string, unknown[]> = {};
    for (const g of groups) {
      seen[g.me] = [];
      g.handle('book', (seat, d) => {
        seen[g.me]!.push(seat);
        return `${d.rank}:${String(seat)}`;
      });
    }
    const client = await connect(h, 'client', 'relay');
    expect(client.view.members).toEqual(groups[0]!.view.members);
    const replies = await client.multicast('book', '12A', { order: 'total', replies: 'all' });
    expect(replies.quorumMet).toBe(true);
    expect(replies.values<string>().sort()).toEqual(['0:12A', '1:12A', '2:12A']);
    // An asynchronous request resolves once a member multicast it.
    await client.multicast('book', '12B', { order: 'total' });
    await h.net.runUntil(() => Object.values(seen).every((list) => list.length === 2), { timeoutMs: 5_000 });
    for (const list of Object.values(seen)) expect(list).toEqual(['12A', '12B']);
    expect(checkHistory(h.recorder.events)).toEqual([]);
    await client.close();
  });

  it('direct: the request goes straight to every member, labelled with the view; a stale label is refused and retried', async () => {
    const h = harness({ seed: 32, loss: 0.1 });
    const groups = await h.form(['a', 'b']);
    const runs = new Map<string, number>();
    const serve = (g: (typeof groups)[number]): void =>
      g.handle('ping', (n, d) => {
        runs.set(g.me, (runs.get(g.me) ?? 0) + 1);
        return { n, sender: d.sender, rank: d.rank };
      });
    groups.forEach(serve);
    const client = await connect(h, 'client', 'direct');
    const first = await client.multicast('ping', 1, { replies: 'all' });
    expect(first.quorumMet).toBe(true);
    expect(first.values()).toHaveLength(2);
    expect(first.values<{ sender: string }>().every((v) => v.sender === client.id)).toBe(true);
    // The client's view goes stale: c joins, and the client is not told in time (its pushes are cut).
    h.net.partition(['client'], ['a', 'b', 'c']);
    const c = await h.join('c', ['a']);
    serve(c);
    await h.settle(['a', 'b', 'c']);
    h.net.heal();
    expect(client.view.members).toHaveLength(2);
    const second = await client.multicast('ping', 2, { replies: 'all' });
    expect(second.quorumMet).toBe(true);
    expect(second.expected).toHaveLength(3);
    expect(second.viewId).toBe(c.view.id);
    expect([...runs.values()].reduce((x, y) => x + y, 0)).toBe(2 + 3);
    expect(checkHistory(h.recorder.events)).toEqual([]);
    await client.close();
  });

  it('learns new views without joining', async () => {
    const h = harness({ seed: 33 });
    await h.form(['a', 'b']);
    const client = await connect(h, 'client', 'relay');
    const views: number[] = [];
    client.on('view', (v) => views.push(v.members.length));
    await h.join('c', ['a']);
    await h.settle(['a', 'b', 'c']);
    await h.net.runUntil(() => client.view.members.length === 3, { timeoutMs: 5_000 });
    expect(views).toEqual([3]);
    h.crash('b');
    await h.net.runUntil(() => client.view.members.length === 2, { timeoutMs: 5_000 });
    expect(client.view.members).not.toContain(h.group('b').me);
    await client.close();
  });

  it('a request retried across a view change (its relaying member crashed) is executed once', async () => {
    const h = harness({ seed: 34 });
    const groups = await h.form(['a', 'b', 'c']);
    const runs = new Map<string, number>();
    for (const g of groups) {
      g.handle('charge', (amount, d) => {
        runs.set(g.me, (runs.get(g.me) ?? 0) + 1);
        // The relaying member (rank 0, tried first) dies right after the request is delivered,
        // before it can hand the replies back to the client.
        if (d.rank === 0) h.crash('a');
        return amount;
      });
    }
    const client = await connect(h, 'client', 'relay');
    const replies = await client.multicast('charge', 30, { replies: 'all', timeoutMs: 5_000 });
    // Each survivor ran it once, though the client asked twice (through a, then through b).
    expect(runs.get(groups[1]!.me)).toBe(1);
    expect(runs.get(groups[2]!.me)).toBe(1);
    expect(replies.values()).toEqual([30, 30]);
    // Whether b multicast the retry before or after the view without a was installed, a is
    // the only one that can have failed to answer.
    expect(replies.failed.every((m) => m === groups[0]!.me)).toBe(true);
    expect(replies.quorumMet).toBe(replies.failed.length === 0);
    expect(checkHistory(h.recorder.events)).toEqual([]);
    await client.close();
  });

  it('a joiner receives the keys of executed requests with the state, and does not run a retry of one', async () => {
    const h = harness({ seed: 36 });
    const groups = await h.form(['a', 'b']);
    const runs: string[] = [];
    const serve = (g: (typeof groups)[number]): void =>
      g.handle('add', () => {
        runs.push(g.me);
        return runs.length;
      });
    groups.forEach(serve);
    // A hand-made client that relays the same request (same key) twice, as a retrying client does.
    const raw = h.net.wire('raw');
    const results: unknown[] = [];
    raw.onFrame((_from, bytes) => {
      const frame = decodeFrame(bytes);
      if (frame.body.type === 'client-result') results.push(frame.body);
    });
    const request = (call: number): Uint8Array => rawClientRequest({ key: 'raw/c1#1', call, viewLabel: 0, topic: 'add', payload: '1' });
    raw.send('a', request(1));
    await h.net.runUntil(() => results.length === 1, { timeoutMs: 5_000 });
    expect(runs).toHaveLength(2);
    const c = await h.join('c', ['a']);
    serve(c);
    await h.settle(['a', 'b', 'c']);
    raw.send('b', request(2));
    await h.net.runUntil(() => results.length === 2, { timeoutMs: 5_000 });
    expect(runs).toHaveLength(2);
    const second = results[1] as { replies: { member: string; failed: boolean; payload: Uint8Array }[] };
    const fromJoiner = second.replies.find((r) => r.member === c.me)!;
    expect(fromJoiner.failed).toBe(true);
    expect(new TextDecoder().decode(fromJoiner.payload)).toContain('DUPLICATE_REQUEST');
    expect(second.replies.filter((r) => !r.failed)).toHaveLength(2);
  });

  it('rejects bad options with typed errors, and an unreachable group with CONNECT_TIMEOUT', async () => {
    const h = harness({ seed: 35 });
    await expect(GroupConnection.open('g', { wire: h.net.wire('x'), seeds: [] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(GroupConnection.open('g', { wire: h.net.wire('y'), seeds: ['nobody'], connectTimeoutMs: 500 })).rejects.toMatchObject({
      code: 'CONNECT_TIMEOUT',
    });
    await h.form(['a']);
    const client = await connect(h, 'client', 'direct');
    await expect(client.multicast('t', 1, { order: 'total' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(client.multicast('t', 1, { replies: -2 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await client.close();
    await expect(client.multicast('t', 1)).rejects.toMatchObject({ code: 'GROUP_CLOSED' });
  });
});
