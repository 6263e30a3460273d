import { decodeFrame, type Frame } from '../../src/protocol/frames.js';
import type { Group } from '../../src/group.js';
import { GroupConnection, type GroupConnectionOptions } from '../../src/group-connection.js';
import { checkHistory } from '../../src/testing/checker/history-checker.js';
import { connectionObserver } from '../../src/testing/history-observer.js';
import { rawClientRequest } from '../support/raw-client.js';
import { closeAll, harness, type SimGroupHarness } from '../support/sim-group.js';

afterEach(closeAll);

function connect(
  h: SimGroupHarness,
  address: string,
  mode: 'relay' | 'direct',
  options: Partial<GroupConnectionOptions> = {},
): Promise<GroupConnection> {
  return GroupConnection.open('g', { wire: h.net.wire(address), seeds: ['a'], mode, observer: connectionObserver(h.recorder), ...options });
}

function refusedAt(groups: readonly Group[]): number {
  return groups.reduce((sum, g) => sum + (g.stats as { clientRequestsRefused?: number }).clientRequestsRefused!, 0);
}

const BIG = 'x'.repeat(200 * 1024);

describe("client requests and the group's limits (issue 11, finding 7)", () => {
  for (const mode of ['relay', 'direct'] as const) {
    it(`${mode}: a request larger than the members' payloadBytesMax is refused with PAYLOAD_TOO_LARGE, run nowhere, and counted`, async () => {
      const h = harness({ seed: 71 });
      const groups = await h.form(['a', 'b', 'c'], { payloadBytesMax: 1_024 });
      const runs: string[] = [];
      for (const g of groups)
        g.handle('store', () => {
          runs.push(g.me);
          return 'ok';
        });
      const client = await connect(h, 'client', mode);
      await expect(client.multicast('store', BIG, { replies: 'all', timeoutMs: 3_000 })).rejects.toMatchObject({
        code: 'PAYLOAD_TOO_LARGE',
      });
      await expect(client.multicast('store', BIG)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      await h.net.sleep(1_000);
      expect(runs).toEqual([]);
      expect(refusedAt(groups)).toBeGreaterThanOrEqual(2);
      // A request within the limit still goes through.
      const small = await client.multicast('store', 'y', { replies: 'all', timeoutMs: 3_000 });
      expect(small.quorumMet).toBe(true);
      expect(runs).toHaveLength(3);
      expect(checkHistory(h.recorder.events)).toEqual([]);
      await client.close();
    });
  }

  it('direct: a member with a smaller limit than the others refuses alone; its refusal is an error reply and the quorum is not met', async () => {
    const h = harness({ seed: 72 });
    const [a, b] = await h.form(['a', 'b']);
    const c = await h.join('c', ['a'], { payloadBytesMax: 1_024 });
    await h.settle(['a', 'b', 'c']);
    const runs: string[] = [];
    for (const g of [a!, b!, c])
      g.handle('store', () => {
        runs.push(g.me);
        return 'ok';
      });
    const client = await connect(h, 'client', 'direct');
    const replies = await client.multicast('store', BIG, { replies: 'all', timeoutMs: 3_000 });
    expect(runs.sort()).toEqual([a!.me, b!.me].sort());
    expect(replies.values()).toEqual(['ok', 'ok']);
    expect(replies.errors.map((r) => [r.member, r.error!.code])).toEqual([[c.me, 'PAYLOAD_TOO_LARGE']]);
    expect(replies.quorumMet).toBe(false);
    expect(replies.missingRanks).toEqual([c.view.members.indexOf(c.me)]);
    expect(c.stats.clientRequestsRefused).toBe(1);
    expect(checkHistory(h.recorder.events)).toEqual([]);
    await client.close();
  });

  it("a client request for one of Cohort's own topics is refused (INVALID_ARGUMENT) and never delivered", async () => {
    const h = harness({ seed: 73 });
    const groups = await h.form(['a', 'b']);
    const raw = h.net.wire('raw');
    const answers: Frame['body'][] = [];
    raw.onFrame((_from, bytes) => answers.push(decodeFrame(bytes).body));
    const delivered: string[] = [];
    for (const g of groups) g.on('unhandled', (_payload, delivery) => delivered.push(delivery.topic));
    for (const [viewLabel, call] of [
      [0, 1],
      [groups[0]!.view.id, 2],
    ] as const) {
      raw.send('a', rawClientRequest({ key: `raw/c1#${call}`, call, viewLabel, topic: 'cohort:snapshot-done', payload: '"x"' }));
    }
    await h.net.sleep(1_000);
    expect(delivered).toEqual([]);
    const refusals = answers.filter((body) => body.type === 'client-reject');
    expect(refusals).toHaveLength(2);
    expect(refusals.every((body) => body.type === 'client-reject' && body.code === 'INVALID_ARGUMENT')).toBe(true);
    expect(groups[0]!.stats.clientRequestsRefused).toBe(2);
  });
});

describe("GroupConnection's own limits", () => {
  it('refuses a payload over its payloadBytesMax before sending anything', async () => {
    const h = harness({ seed: 74 });
    const groups = await h.form(['a', 'b']);
    const runs: string[] = [];
    for (const g of groups)
      g.handle('store', () => {
        runs.push(g.me);
        return 'ok';
      });
    for (const mode of ['relay', 'direct'] as const) {
      const client = await connect(h, `client-${mode}`, mode, { payloadBytesMax: 1_000 });
      await expect(client.multicast('store', 'x'.repeat(2_000), { replies: 'all' })).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      await client.close();
    }
    await h.net.sleep(500);
    expect(runs).toEqual([]);
    expect(refusedAt(groups)).toBe(0);
  });

  it('refuses a request beyond pendingRequestsMax open ones with BACKPRESSURE', async () => {
    const h = harness({ seed: 75 });
    const groups = await h.form(['a', 'b']);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    for (const g of groups) g.handle('slow', () => gate.then(() => 'done'));
    for (const mode of ['relay', 'direct'] as const) {
      const client = await connect(h, `client-${mode}`, mode, { pendingRequestsMax: 2 });
      const first = client.multicast('slow', 1, { replies: 'all', timeoutMs: 5_000 });
      const second = client.multicast('slow', 2, { replies: 'all', timeoutMs: 5_000 });
      await expect(client.multicast('slow', 3, { replies: 'all' })).rejects.toMatchObject({ code: 'BACKPRESSURE' });
      release();
      await expect(first).resolves.toMatchObject({ quorumMet: true });
      await expect(second).resolves.toMatchObject({ quorumMet: true });
      // Room again.
      await expect(client.multicast('slow', 4, { replies: 'all', timeoutMs: 5_000 })).resolves.toMatchObject({ quorumMet: true });
      await client.close();
    }
  });

  it('validates its options: INVALID_ARGUMENT, as a rejection of open()', async () => {
    const h = harness({ seed: 76 });
    await h.form(['a']);
    const bad: Partial<GroupConnectionOptions>[] = [
      { payloadBytesMax: 0 },
      { payloadBytesMax: 1.5 },
      { pendingRequestsMax: -1 },
      { pendingRequestsMax: 'many' as never },
      { retryIntervalMs: 0 },
      { viewRefreshMs: Number.NaN },
      { connectTimeoutMs: -1 },
      { mode: 'both' as never },
      { seeds: [''] },
      { seeds: [42 as never] },
      { seeds: 'a' as never },
      { observer: 5 as never },
    ];
    let n = 0;
    for (const options of bad) {
      const opened = (() => {
        try {
          return GroupConnection.open('g', { wire: h.net.wire(`bad-${++n}`), seeds: ['a'], ...options });
        } catch (error) {
          return Promise.resolve({ threw: error });
        }
      })();
      await expect(opened).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });
});
