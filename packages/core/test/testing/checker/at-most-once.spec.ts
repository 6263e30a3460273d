import { jest } from '@jest/globals';
import { GroupConnection } from '../../../src/group-connection.js';
import { ExecutedRequests } from '../../../src/protocol/reply/executed-requests.js';
import { checkHistory } from '../../../src/testing/checker/history-checker.js';
import { connectionObserver } from '../../../src/testing/history-observer.js';
import { closeAll, harness } from '../../support/sim-group.js';
import { A, B, C, HistoryBuilder } from './history-builder.js';

const check = (events: Parameters<typeof checkHistory>[0]) => checkHistory(events, { properties: ['at-most-once'] });

describe('at-most-once (hand-made histories)', () => {
  it('passes one execution per member and key, whichever way it ran', () => {
    const events = new HistoryBuilder()
      .view(1, [A, B, C])
      .multicast(A, 'm1', 1, [A, B, C])
      .serve(A, 'k#1', 1, 'm1')
      .serve(B, 'k#1', 1, 'm1')
      .serve(C, 'k#2', 1)
      .serve(C, 'k#1', 1, 'm1').events;
    expect(check(events)).toEqual([]);
  });

  it('catches a direct request run twice at one member', () => {
    const events = new HistoryBuilder().view(1, [A, B]).serve(A, 'k#1', 1).serve(B, 'k#1', 1).serve(A, 'k#1', 2).events;
    const vs = check(events);
    expect(vs).toHaveLength(1);
    expect(vs[0]!.message).toContain(
      `${A} executed client request k#1 more than once: as a direct request (event #2), then as a direct request in view 2 (event #4)`,
    );
  });

  it('catches a relayed request run on delivering two multicasts of its key, and a delivery plus a direct run', () => {
    const events = new HistoryBuilder()
      .view(1, [A, B])
      .multicast(A, 'm1', 1, [A, B])
      .multicast(B, 'm2', 1, [A, B])
      .serve(A, 'k#1', 1, 'm1')
      .serve(A, 'k#1', 1, 'm2')
      .serve(B, 'k#1', 1, 'm1')
      .serve(B, 'k#1', 1).events;
    const vs = check(events);
    expect(vs).toHaveLength(2);
    expect(vs[0]!.message).toContain('on delivering m1');
    expect(vs[0]!.message).toContain('then on delivering m2');
    expect(vs[1]!.message).toContain(`${B} executed client request k#1 more than once: on delivering m1`);
    expect(vs[1]!.message).toContain('then as a direct request');
  });
});

describe('at-most-once (recorded runs): turning request deduplication off is caught', () => {
  afterEach(async () => {
    jest.restoreAllMocks();
    await closeAll();
  });

  /** The relaying member's result never reaches the client: it retries through the next member. */
  async function relayedRetry(): Promise<ReturnType<typeof checkHistory>> {
    const h = harness({ seed: 34 });
    const groups = await h.form(['a', 'b', 'c']);
    const runs: string[] = [];
    for (const g of groups)
      g.handle('charge', (amount) => {
        runs.push(g.me);
        return amount;
      });
    const client = await GroupConnection.open('g', {
      wire: h.net.wire('client'),
      seeds: ['a'],
      mode: 'relay',
      observer: connectionObserver(h.recorder),
    });
    h.net.setLink('a', 'client', { loss: 1 });
    const replies = await client.multicast('charge', 30, { replies: 'all', timeoutMs: 5_000 });
    expect(replies.quorumMet).toBe(true);
    await h.net.sleep(500);
    await client.close();
    return checkHistory(h.recorder.events);
  }

  /** Direct requests on a lossy, duplicating network: members get them again. */
  async function directRetries(): Promise<ReturnType<typeof checkHistory>> {
    const h = harness({ seed: 35, loss: 0.3, duplication: 0.2 });
    const groups = await h.form(['a', 'b', 'c']);
    for (const g of groups) g.handle('charge', (amount) => amount);
    const client = await GroupConnection.open('g', {
      wire: h.net.wire('client'),
      seeds: ['a'],
      mode: 'direct',
      observer: connectionObserver(h.recorder),
    });
    for (let i = 0; i < 20; i++) await client.multicast('charge', i, { replies: 'all', timeoutMs: 5_000 });
    await h.net.sleep(500);
    await client.close();
    return checkHistory(h.recorder.events);
  }

  it('relay: the history holds with deduplication on, and breaks at-most-once with it off', async () => {
    expect(await relayedRetry()).toEqual([]);
    jest.spyOn(ExecutedRequests.prototype, 'has').mockReturnValue(false);
    const vs = await relayedRetry();
    expect(vs.length).toBeGreaterThan(0);
    expect(new Set(vs.map((v) => v.property))).toEqual(new Set(['at-most-once']));
    expect(vs[0]!.message).toMatch(/executed client request .* more than once: on delivering .* then on delivering/);
  });

  it('direct: the history holds with deduplication on, and breaks at-most-once with it off', async () => {
    expect(await directRetries()).toEqual([]);
    jest.spyOn(ExecutedRequests.prototype, 'outcomeOf').mockReturnValue(undefined);
    const vs = await directRetries();
    expect(vs.length).toBeGreaterThan(0);
    expect(new Set(vs.map((v) => v.property))).toEqual(new Set(['at-most-once']));
  });
});
