import { checkHistory } from '../../../src/testing/checker/history-checker.js';
import type { Violation } from '../../../src/testing/checker/history-checker.js';
import type { HistoryEvent } from '../../../src/testing/history.js';
import { closeAll, harness } from '../../support/sim-group.js';
import { A, B, C, HistoryBuilder } from './history-builder.js';

const judge = (events: readonly HistoryEvent[], quiescent = true): Violation[] =>
  checkHistory(events, { properties: ['handled'], quiescent });

/** View 1 of a, b, c; a multicasts m1, m2, m3, which everyone delivers in that order. */
const threeMessages = (): HistoryBuilder =>
  new HistoryBuilder()
    .view(1, [A, B, C])
    .multicast(A, 'm1', 1, [A, B, C])
    .multicast(A, 'm2', 1, [A, B, C])
    .multicast(A, 'm3', 1, [A, B, C]);

describe('handled', () => {
  describe('passes', () => {
    it('when every member handles what it delivered, in order, the handler runs lagging behind', () => {
      const events = new HistoryBuilder()
        .view(1, [A, B])
        .multicast(A, 'm1', 1, [A, B])
        .handled(A, 'm1')
        .multicast(B, 'm2', 1, [B, A])
        .handled(B, 'm1')
        .multicast(A, 'm3', 1, [A, B])
        .handled(B, 'm2', 'm3')
        .handled(A, 'm2', 'm3').events;
      expect(checkHistory(events, { quiescent: true })).toEqual([]);
    });

    it('a prefix when the run did not settle', () => {
      const events = threeMessages().handled(A, 'm1', 'm2').handled(B, 'm1').events;
      expect(judge(events, false)).toEqual([]);
    });

    it('a prefix, even at quiescence, for a member that crashed, was excluded or left', () => {
      const events = threeMessages().handled(A, 'm1', 'm2', 'm3').handled(B, 'm1').crash(B).excluded(C).view(2, [A]).events;
      expect(judge(events)).toEqual([]);
      const left = threeMessages().handled(A, 'm1', 'm2', 'm3').handled(B, 'm1', 'm2', 'm3').left(C).view(2, [A, B]).events;
      expect(judge(left)).toEqual([]);
    });

    it('an excluded or departed member handling after its exit (its queue drains), in order', () => {
      const events = threeMessages()
        .handled(A, 'm1', 'm2', 'm3')
        .excluded(B)
        .left(C)
        .view(2, [A])
        .handled(B, 'm1', 'm2')
        .handled(C, 'm1', 'm2', 'm3').events;
      expect(judge(events)).toEqual([]);
    });

    it("ignores a crashed member's handler runs after its crash (a simulated process may drain its queue)", () => {
      const events = threeMessages()
        .handled(A, 'm1', 'm2', 'm3')
        .handled(B, 'm1', 'm2', 'm3')
        .handled(C, 'm1')
        .crash(C)
        .handled(C, 'm3', 'm3', 'ghost').events;
      expect(judge(events)).toEqual([]);
    });

    it('is not judged on a history without any handled event (a recorder that does not tap the handlers)', () => {
      expect(judge(threeMessages().events)).toEqual([]);
    });

    it('counts a repeated delivery once (no-duplicate judges the repeat)', () => {
      const events = threeMessages()
        .deliver(B, 'm2', A, 1)
        .handled(A, 'm1', 'm2', 'm3')
        .handled(B, 'm1', 'm2', 'm3')
        .handled(C, 'm1', 'm2', 'm3').events;
      expect(judge(events)).toEqual([]);
    });
  });

  describe('reports', () => {
    it('a delivery a member alive at the end of a quiescent run never handled', () => {
      const events = threeMessages().handled(A, 'm1', 'm2', 'm3').handled(B, 'm1', 'm2', 'm3').handled(C, 'm1').events;
      const vs = judge(events);
      expect(vs).toHaveLength(1);
      expect(vs[0]!.property).toBe('handled');
      expect(vs[0]!.message).toContain(`${C} (alive at the end of a quiescent run) never handled 2 of the 3 message(s)`);
      expect(vs[0]!.message).toContain('[m2, m3]');
      // The first one missing: c's delivery of m2 (3 views, then m1's send and 3 deliveries, m2's send, a's and b's deliveries).
      expect(vs[0]!.message).toContain('the first delivered at event #10');
      // Unsettled, c may still be handling them.
      expect(judge(events, false)).toEqual([]);
    });

    it('a member that handled nothing at all at quiescence', () => {
      const vs = judge(threeMessages().handled(A, 'm1', 'm2', 'm3').handled(B, 'm1', 'm2', 'm3').events);
      expect(vs.map((v) => v.message)).toEqual([
        expect.stringContaining(`${C} (alive at the end of a quiescent run) never handled 3 of the 3`),
      ]);
    });

    it('a message handled twice, quiescent or not', () => {
      const events = threeMessages().handled(A, 'm1', 'm2', 'm3').handled(B, 'm1', 'm2', 'm2', 'm3').handled(C, 'm1', 'm2', 'm3').events;
      for (const quiescent of [true, false]) {
        const vs = judge(events, quiescent);
        expect(vs).toHaveLength(1);
        expect(vs[0]!.message).toContain(`${B} handled 1 message(s) more than once; the first: m2 again`);
        expect(vs[0]!.message).toMatch(/first handled at event #\d+/);
      }
    });

    it('messages handled out of delivery order, quiescent or not', () => {
      const events = threeMessages().handled(A, 'm1', 'm2', 'm3').handled(B, 'm1', 'm3', 'm2').handled(C, 'm1', 'm2', 'm3').events;
      for (const quiescent of [true, false]) {
        const vs = judge(events, quiescent);
        expect(vs).toHaveLength(1);
        expect(vs[0]!.message).toContain(`${B} handled 1 message(s) out of its delivery order; the first: m3`);
        expect(vs[0]!.message).toContain('before m2, which it delivered earlier');
      }
    });

    it('a delivery skipped for good, even in a run that did not settle (only a prefix may be missing)', () => {
      const h = new HistoryBuilder().view(1, [A, B]);
      for (let i = 1; i <= 50; i++) h.multicast(A, `m${i}`, 1, [A, B]).handled(A, `m${i}`);
      for (let i = 1; i <= 50; i++) if (i !== 10) h.handled(B, `m${i}`);
      const unsettled = judge(h.events, false);
      expect(unsettled).toHaveLength(1);
      expect(unsettled[0]!.message).toContain(`${B} handled 40 message(s) out of its delivery order; the first: m11`);
      expect(unsettled[0]!.message).toContain('before m10');
      // Settled, the missing m10 is named too.
      const settled = judge(h.events);
      expect(settled).toHaveLength(2);
      expect(settled[1]!.message).toContain(`${B} (alive at the end of a quiescent run) never handled 1 of the 50 message(s)`);
      expect(settled[1]!.message).toContain('[m10]');
    });

    it('a message handled that the member never delivered, or before it delivered it', () => {
      const never = threeMessages().handled(A, 'm1', 'm2', 'm3').handled(B, 'm1', 'ghost', 'm2', 'm3').handled(C, 'm1', 'm2', 'm3').events;
      for (const quiescent of [true, false]) {
        const vs = judge(never, quiescent);
        expect(vs).toHaveLength(1);
        expect(vs[0]!.message).toContain(`${B} handled 1 message(s) it had not delivered (by then); the first: ghost (event #`);
      }
      // c handles m2 before its delivery: reported once; the later delivery owes nothing more.
      const early = new HistoryBuilder()
        .view(1, [A, C])
        .send(A, 'm1', 1)
        .deliver(A, 'm1', A, 1)
        .handled(A, 'm1')
        .handled(C, 'm1')
        .deliver(C, 'm1', A, 1).events;
      const vs = judge(early);
      expect(vs).toHaveLength(1);
      expect(vs[0]!.message).toContain(`${C} handled 1 message(s) it had not delivered (by then); the first: m1 (event #5)`);
    });

    it('a message sent by another member that this one never delivered', () => {
      const events = new HistoryBuilder().view(1, [A, B]).multicast(A, 'm1', 1, [A]).handled(A, 'm1').handled(B, 'm1').events;
      const vs = judge(events, false);
      expect(vs).toHaveLength(1);
      expect(vs[0]!.message).toContain(`${B} handled 1 message(s) it had not delivered (by then); the first: m1`);
    });

    it("a crashed member's handler runs before its crash", () => {
      const events = threeMessages().handled(A, 'm1', 'm2', 'm3').handled(B, 'm1', 'm2', 'm3').handled(C, 'm2').crash(C).events;
      expect(judge(events).map((v) => v.message)).toEqual([expect.stringContaining(`${C} handled 1 message(s) out of its delivery order`)]);
    });
  });
});

describe('handled, in a simulated group', () => {
  afterEach(closeAll);

  it('records where each handler ran, lagging behind the protocol; the whole history holds every property at quiescence', async () => {
    const h = harness({ seed: 71, loss: 0.02, reorder: 0.1 });
    const [a, b, c] = await h.form(['a', 'b', 'c']);
    const seen = new Map<string, string[]>([
      ['a', []],
      ['b', []],
      ['c', []],
    ]);
    for (const [name, group] of [
      ['a', a!],
      ['b', b!],
      ['c', c!],
    ] as const) {
      // c's handler is slow: its queue lags behind what the protocol delivers.
      group.handle('e', async (x) => {
        if (name === 'c') await h.net.sleep(3);
        seen.get(name)!.push(x as string);
      });
    }
    const orders = ['fifo', 'causal', 'total'] as const;
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 60; i++) {
      const sender = [a!, b!, c!][i % 3]!;
      sends.push(sender.multicast('e', `x${i}`, { order: orders[i % 3]! }));
      // A topic nobody handles: the 'unhandled' event takes it, which counts as handled.
      if (i % 20 === 0) sends.push(sender.multicast('nobody', `y${i}`));
      if (i % 7 === 0) await h.net.sleep(1);
    }
    await Promise.all(sends);
    await h.net.sleep(1_000);
    await Promise.all([a!.drained(), b!.drained(), c!.drained()]);

    const events = h.recorder.events;
    const members = [a!.me, b!.me, c!.me];
    for (const member of members) {
      const delivered = events.flatMap((e) => (e.kind === 'deliver' && e.member === member ? [e.id] : []));
      const handled = events.flatMap((e) => (e.kind === 'handled' && e.member === member ? [e.id] : []));
      expect(delivered.length).toBeGreaterThanOrEqual(63);
      expect(handled).toEqual(delivered);
    }
    // c's slow handler: some of its handled events come after later deliveries (the lag shows).
    const cEvents = events.filter((e) => e.member === c!.me && (e.kind === 'deliver' || e.kind === 'handled'));
    expect(cEvents.some((e, i) => e.kind === 'deliver' && cEvents[i + 1]?.kind === 'deliver')).toBe(true);
    for (const name of ['a', 'b', 'c']) expect(seen.get(name)).toHaveLength(60);

    expect(checkHistory(events, { quiescent: true })).toEqual([]);
    // Drop one handled event of c: the checker sees the handler that never ran.
    const i = events.findIndex((e) => e.kind === 'handled' && e.member === c!.me && e.id.endsWith('#20'));
    const broken = [...events.slice(0, i), ...events.slice(i + 1)];
    expect(i).toBeGreaterThan(0);
    const vs = checkHistory(broken, { quiescent: true });
    expect(new Set(vs.map((v) => v.property))).toEqual(new Set(['handled']));
    expect(vs.map((v) => v.message).join('\n')).toContain(`${c!.me} (alive at the end of a quiescent run) never handled 1 of`);
  }, 30_000);
});
