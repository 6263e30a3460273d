import { Group } from '../../src/group.js';
import { JoinTimeoutError } from '../../src/errors.js';
import { checkHistory } from '../../src/testing/checker/history-checker.js';
import { closeAll, harness } from '../support/sim-group.js';

afterEach(closeAll);

describe('membership', () => {
  it('removes a crashed member within one second of virtual time', async () => {
    const h = harness({ seed: 3 });
    const [a] = await h.form(['a', 'b', 'c', 'd']);
    const crashedAt = h.net.now();
    h.crash('c');
    await h.net.runUntil(() => a!.view.members.length === 3, { timeoutMs: 10_000 });
    const detectionMs = h.net.now() - crashedAt;
    // Default timing: 600 ms of silence, then one view change (a few round trips).
    expect(detectionMs).toBeLessThan(1_000);
    expect(checkHistory(h.recorder.events, { quiescent: true })).toEqual([]);
  });

  it('completes a join in a few round trips', async () => {
    const h = harness({ seed: 4 });
    await h.form(['a', 'b', 'c']);
    const startedAt = h.net.now();
    await h.join('d', ['b']);
    // A join waits for the coordinator's next heartbeat tick (100 ms) plus two round trips.
    expect(h.net.now() - startedAt).toBeLessThan(250);
  });

  it('takes in concurrent joiners and agrees on every view', async () => {
    const h = harness({ seed: 5, loss: 0.05 });
    await h.form(['a']);
    await Promise.all(['b', 'c', 'd', 'e', 'f'].map((n) => h.join(n, ['a'])));
    expect(await h.settle(['a', 'b', 'c', 'd', 'e', 'f'])).toBe(true);
    expect(checkHistory(h.recorder.events, { quiescent: true })).toEqual([]);
  });

  it('fails a join with JoinTimeoutError when no member answers, instead of hanging', async () => {
    const h = harness({ seed: 6 });
    h.net.wire('nobody-home');
    const attempt = Group.join('g', { wire: h.net.wire('x'), seeds: ['nobody-home', 'y'], timing: { joinTimeoutMs: 2_000 } });
    await expect(attempt).rejects.toBeInstanceOf(JoinTimeoutError);
    await expect(attempt).rejects.toMatchObject({ code: 'JOIN_TIMEOUT' });
    expect(h.net.now()).toBeGreaterThanOrEqual(2_000);
    expect(h.net.now()).toBeLessThan(2_500);
  });

  it('lets the lowest of several seeds form the group when they start together', async () => {
    const h = harness({ seed: 8 });
    const seeds = ['s1', 's2', 's3'];
    await Promise.all(seeds.map((n) => h.join(n, seeds)));
    expect(await h.settle(seeds)).toBe(true);
    expect(h.group('s2').view.coordinator.startsWith('s1/')).toBe(true);
  });

  it('lets members leave gracefully, the coordinator and finally the last one too', async () => {
    const h = harness({ seed: 9, loss: 0.05 });
    const [a, b, c] = await h.form(['a', 'b', 'c']);
    await b!.leave();
    await h.net.runUntil(() => a!.view.members.length === 2 && c!.view.members.length === 2, { timeoutMs: 5_000 });
    expect(a!.view.members).toEqual([a!.me, c!.me]);
    await a!.leave();
    await h.net.runUntil(() => c!.view.members.length === 1, { timeoutMs: 5_000 });
    expect(c!.view.coordinator).toBe(c!.me);
    await c!.leave();
    const left = h.recorder.events.filter((e) => e.kind === 'left').map((e) => e.member);
    expect(left).toEqual([b!.me, a!.me, c!.me]);
    expect(checkHistory(h.recorder.events)).toEqual([]);
  });

  it('survives the coordinator crashing at every moment of a view change', async () => {
    // Crash d to start a view change, then crash the coordinator a at offsets that fall
    // before, during and after its prepare and accept phases.
    for (let offsetMs = 560; offsetMs <= 760; offsetMs += 10) {
      const h = harness({ seed: 100 + offsetMs, loss: 0.05 });
      const [, b, c, , e] = await h.form(['a', 'b', 'c', 'd', 'e']);
      for (let i = 0; i < 30; i++) void [b, c, e][i % 3]!.fbcast('t', i);
      h.crash('d');
      await h.net.sleep(offsetMs);
      h.crash('a');
      const ok = await h.net.runUntil(() => [b, c, e].every((g) => g!.view.members.length === 3 && g!.view.id === b!.view.id), {
        timeoutMs: 10_000,
      });
      expect({ offsetMs, ok }).toEqual({ offsetMs, ok: true });
      await h.net.sleep(500);
      expect({ offsetMs, violations: checkHistory(h.recorder.events, { quiescent: true }) }).toEqual({ offsetMs, violations: [] });
      await closeAll();
    }
  }, 60_000);

  it('blocks both sides of a 2|2 split: no side holds a majority', async () => {
    const h = harness({ seed: 12 });
    const groups = await h.form(['a', 'b', 'c', 'd']);
    const viewId = groups[0]!.view.id;
    h.net.partition(['a', 'b'], ['c', 'd']);
    await h.net.sleep(5_000);
    for (const g of groups) expect(g.view.id).toBe(viewId);
    h.net.heal();
    expect(await h.settle(['a', 'b', 'c', 'd'])).toBe(true);
    expect(checkHistory(h.recorder.events, { quiescent: true })).toEqual([]);
  });

  it('does not suspect members that are busy sending', async () => {
    const h = harness({ seed: 13 });
    const groups = await h.form(['a', 'b', 'c']);
    const viewId = groups[0]!.view.id;
    for (let i = 0; i < 3_000; i++) {
      for (const g of groups) void g.fbcast('load', i);
      if (i % 20 === 0) await h.net.sleep(1);
    }
    await h.net.sleep(1_000);
    for (const g of groups) expect(g.view.id).toBe(viewId);
  }, 30_000);
});
