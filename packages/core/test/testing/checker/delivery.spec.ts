import { checkHistory } from '../../../src/testing/checker/history-checker.js';
import type { PropertyName, Violation } from '../../../src/testing/checker/history-checker.js';
import type { HistoryEvent } from '../../../src/testing/history.js';
import { A, B, C, D, GATEWAY, HistoryBuilder } from './history-builder.js';

const only = (p: PropertyName, events: readonly HistoryEvent[], quiescent = true): Violation[] =>
  checkHistory(events, { properties: [p], quiescent });
const all = (events: readonly HistoryEvent[], quiescent = true): Violation[] => checkHistory(events, { quiescent });

describe('safe', () => {
  it('passes when the survivors deliver what a crashed member delivered', () => {
    const events = new HistoryBuilder().view(1, [A, B, C]).multicast(C, 'm1', 1, [C, A, B], { safe: true }).crash(C).view(2, [A, B]).events;
    expect(all(events)).toEqual([]);
  });

  it('catches a survivor that moved on without it, naming the message, the deliverer and the survivor', () => {
    const events = new HistoryBuilder().view(1, [A, B, C]).multicast(C, 'm1', 1, [C, A], { safe: true }).crash(C).view(2, [A, B]).events;
    const vs = only('safe', events);
    expect(vs.map((v) => v.message)).toEqual([
      `safe message m1 (from ${C}) was delivered in view 1 by ${C} (event #4) but 1 survivor(s) of view 1 did not deliver it in that view: ` +
        `[${B} (installed view 2 at event #8)]`,
    ]);
  });

  it('counts a member that delivered and then left or was excluded like one that crashed', () => {
    for (const exit of ['left', 'excluded'] as const) {
      const h = new HistoryBuilder().view(1, [A, B, C]).multicast(A, 'm1', 1, [C], { safe: true });
      h[exit](C);
      expect(
        only('safe', h.view(2, [A, B]).events)
          .map((v) => v.message)
          .join(),
      ).toContain(`by ${C}`);
    }
  });

  it('does not require a member that joined in the next view', () => {
    const events = new HistoryBuilder().view(1, [A, B]).multicast(A, 'm1', 1, [A, B], { safe: true }).view(2, [A, B, D]).events;
    expect(all(events)).toEqual([]);
  });

  it('in the last view, requires the members alive at the end only when the run settled', () => {
    const events = new HistoryBuilder().view(1, [A, B, C]).multicast(C, 'm1', 1, [C], { safe: true }).crash(C).events;
    expect(only('safe', events, false)).toEqual([]);
    const vs = only('safe', events, true);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.message).toContain(
      `2 survivor(s) of view 1 did not deliver it in that view: [${A} (alive at the end in view 1), ${B} (alive at the end in view 1)]`,
    );
  });

  it('ignores messages that are not safe and safe messages nobody delivered', () => {
    const events = new HistoryBuilder()
      .view(1, [A, B, C])
      .multicast(C, 'm1', 1, [C])
      .sendWith(C, 'm2', 1, { safe: true, order: 'total' })
      .crash(C)
      .view(2, [A, B]).events;
    expect(only('safe', events)).toEqual([]);
  });
});

describe('orphans', () => {
  /** c sends m1 (only c gets it), hands its context to a, a cbcasts m2; c crashes. */
  const orphanStory = (deliverM2: readonly string[], order: 'causal' | 'total' | 'fifo' = 'causal'): HistoryBuilder =>
    new HistoryBuilder()
      .view(1, [A, B, C])
      .multicast(C, 'm1', 1, [C])
      .handOver(C, A, 'c-calls-a')
      .multicast(A, 'm2', 1, deliverM2, { order })
      .crash(C);

  it('passes when every survivor discards the orphan, its sender included (self-delivery excuses it)', () => {
    expect(all(orphanStory([]).view(2, [A, B]).events)).toEqual([]);
  });

  it('catches survivors that deliver it, naming the orphan, the lost message and the survivors', () => {
    const events = orphanStory([A]).view(2, [A, B]).events;
    const vs = all(events);
    // b did not deliver m2 either: view-synchrony also sees a and b differ.
    expect(vs.map((v) => v.property).sort()).toEqual(['orphans', 'view-synchrony']);
    const orphan = vs.find((v) => v.property === 'orphans');
    expect(orphan?.message).toBe(
      `m2 ('causal' from ${A}, view 1) is an orphan: its send (event #7) happened after the send of m1 (by ${C}, event #3), ` +
        `which no survivor of view 1 delivered; yet survivor(s) [${A}] delivered m2`,
    );
  });

  it('judges abcasts too, but not fifo messages', () => {
    expect(only('orphans', orphanStory([A, B], 'total').view(2, [A, B]).events)).toHaveLength(1);
    expect(only('orphans', orphanStory([A, B], 'fifo').view(2, [A, B]).events)).toEqual([]);
  });

  it('follows the dependency through a relay that crashed too, and through a gateway', () => {
    const h = new HistoryBuilder().view(1, [A, B, C, D]);
    h.multicast(D, 'm1', 1, [D, C]); // only d and c get m1
    h.multicast(C, 'm2', 1, [C, A]); // c's m2 follows m1; a gets m2 (so it is not lost), not m1
    h.handOver(C, GATEWAY, 'c-calls-gateway').handOver(GATEWAY, B, 'gateway-calls-b');
    h.multicast(B, 'm3', 1, [B, A], { order: 'causal' });
    h.crash(C).crash(D).view(2, [A, B], [A, B]);
    // No primary partition (2 of 4) — not this property's business.
    const vs = only('orphans', h.events);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.message).toContain('m3');
    expect(vs[0]?.message).toContain('after the send of m1');
  });

  it('does not relate messages of different views', () => {
    const h = new HistoryBuilder().view(1, [A, B, C]);
    h.multicast(C, 'm1', 1, [C]).handOver(C, A, 'c-calls-a').crash(C);
    h.view(2, [A, B]);
    h.multicast(A, 'm2', 2, [A, B], { order: 'causal' });
    expect(all(h.events)).toEqual([]);
  });

  it('in the last view, knows what is lost only when the run settled', () => {
    const events = orphanStory([A, B]).events;
    expect(only('orphans', events, false)).toEqual([]);
    expect(only('orphans', events, true)).toHaveLength(1);
  });

  it('does not count a message delivered by a survivor as lost', () => {
    const events = new HistoryBuilder()
      .view(1, [A, B, C])
      .multicast(C, 'm1', 1, [C, B])
      .handOver(C, A, 'c-calls-a')
      .multicast(A, 'm2', 1, [A, B], { order: 'causal' })
      .crash(C)
      .view(2, [A, B]).events;
    // a never delivers m1 although b does: view-synchrony's business, not an orphan.
    expect(only('orphans', events)).toEqual([]);
  });
});

describe('eventual-delivery', () => {
  const behind = (): HistoryBuilder => new HistoryBuilder().view(1, [A, B, C]).multicast(A, 'm1', 1, [A, C]).view(2, [A, C]);

  it('is checked only when the run was quiescent', () => {
    expect(only('eventual-delivery', behind().events, false)).toEqual([]);
  });

  it('catches a member alive at the end that never got a message of its view', () => {
    const vs = only('eventual-delivery', behind().multicast(C, 'm2', 2, [A, C]).events);
    expect(vs.map((v) => v.message)).toEqual([
      `${B} is alive at the end and installed view 1, but never delivered 1 message(s) sent in view 1 by members alive at the end: [m1]`,
    ]);
  });

  it('excuses messages whose sender crashed, left or was excluded', () => {
    for (const exit of ['crash', 'left', 'excluded'] as const) {
      const h = behind();
      h[exit](A);
      expect(only('eventual-delivery', h.events)).toEqual([]);
    }
  });

  it('excuses members that were not in the view (joiners) and processes outside the group', () => {
    const h = new HistoryBuilder().view(1, [A, B]).multicast(A, 'm1', 1, [A, B]);
    h.handOver(A, GATEWAY, 'a-calls-gateway');
    h.view(2, [A, B, C]).multicast(C, 'm2', 2, [C, A, B]);
    expect(all(h.events)).toEqual([]);
  });

  it('excuses an orphan that everybody discarded, its alive sender included', () => {
    const h = new HistoryBuilder().view(1, [A, B, C]);
    h.multicast(C, 'm1', 1, [C]).handOver(C, A, 'c-calls-a').sendWith(A, 'm2', 1, { order: 'causal' }).crash(C);
    expect(all(h.events)).toEqual([]);
  });
});

describe("orphans: a sender's later messages go with its orphan (FIFO leaves no hole)", () => {
  it("excuses, and requires discarding, a fifo message sent after its sender's orphan", async () => {
    const { checkHistory } = await import('../../../src/testing/checker/history-checker.js');
    const v1 = { id: 1, members: ['p/1', 'q/1', 'r/1'] };
    const v2 = { id: 2, members: ['q/1', 'r/1'] };
    const base = [
      { kind: 'view', member: 'p/1', view: v1 },
      { kind: 'view', member: 'q/1', view: v1 },
      { kind: 'view', member: 'r/1', view: v1 },
      // a is lost with p; q's cbcast b saw it (a context from p), q's fifo c follows b.
      { kind: 'send', member: 'p/1', id: 'a', viewId: 1, payload: 'a', order: 'causal' },
      { kind: 'deliver', member: 'p/1', id: 'a', sender: 'p/1', viewId: 1, payload: 'a' },
      { kind: 'context-out', member: 'p/1', token: 't' },
      { kind: 'context-in', member: 'q/1', token: 't' },
      { kind: 'send', member: 'q/1', id: 'b', viewId: 1, payload: 'b', order: 'causal' },
      { kind: 'send', member: 'q/1', id: 'c', viewId: 1, payload: 'c' },
      { kind: 'crash', member: 'p/1' },
    ] as const;
    const settled = [...base, { kind: 'view', member: 'q/1', view: v2 }, { kind: 'view', member: 'r/1', view: v2 }] as const;
    expect(checkHistory(settled as never, { quiescent: true })).toEqual([]);
    const delivered = [
      ...base,
      { kind: 'deliver', member: 'r/1', id: 'c', sender: 'q/1', viewId: 1, payload: 'c' },
      { kind: 'view', member: 'q/1', view: v2 },
      { kind: 'view', member: 'r/1', view: v2 },
    ] as const;
    expect(checkHistory(delivered as never, { quiescent: true }).map((v) => v.property)).toContain('orphans');
  });
});
