import { checkHistory } from '../../../src/testing/checker/history-checker.js';
import type { Violation } from '../../../src/testing/checker/history-checker.js';
import type { HistoryEvent } from '../../../src/testing/history.js';
import { A, B, C, HistoryBuilder } from './history-builder.js';

const judge = (events: readonly HistoryEvent[], quiescent = true): Violation[] =>
  checkHistory(events, { properties: ['no-silent-loss'], quiescent });

/** View 1 of a, b, c; b multicasts m1 and m2, which only b itself delivers. */
const bSendsAlone = (): HistoryBuilder => new HistoryBuilder().view(1, [A, B, C]).multicast(B, 'm1', 1, [B]).multicast(B, 'm2', 1, [B]);

describe('no-silent-loss', () => {
  describe('an excluded sender', () => {
    it('must report what no survivor delivered, whether or not the run was quiescent', () => {
      const events = bSendsAlone().excluded(B).view(2, [A, C]).events;
      for (const quiescent of [true, false]) {
        const vs = judge(events, quiescent);
        expect(vs).toHaveLength(1);
        expect(vs[0]?.message).toContain(`${B} (excluded at event #`);
        expect(vs[0]?.message).toContain('sent 2 message(s)');
        expect(vs[0]?.message).toContain('[m1 (view 1), m2 (view 1)]');
        expect(vs[0]?.message).toContain('it reported none unconfirmed');
      }
    });

    it('passes when it reports them, before or after its exclusion', () => {
      expect(judge(bSendsAlone().unconfirmed(B, ['m1', 'm2']).excluded(B).view(2, [A, C]).events)).toEqual([]);
      expect(judge(bSendsAlone().excluded(B).view(2, [A, C]).unconfirmed(B, ['m2']).unconfirmed(B, ['m1']).events)).toEqual([]);
    });

    it('names only the messages its report leaves out', () => {
      const vs = judge(bSendsAlone().unconfirmed(B, ['m1', 'x']).excluded(B).view(2, [A, C]).events);
      expect(vs).toHaveLength(1);
      expect(vs[0]?.message).toContain('sent 1 message(s)');
      expect(vs[0]?.message).toContain('[m2 (view 1)]');
      expect(vs[0]?.message).toContain("its 'unconfirmed' reports (2 id(s)) do not name them");
    });

    it('owes nothing for what a survivor delivered', () => {
      const events = new HistoryBuilder()
        .view(1, [A, B, C])
        .multicast(B, 'm1', 1, [B, A, C])
        .multicast(B, 'm2', 1, [B, C])
        .excluded(B)
        .view(2, [A, C]).events;
      expect(judge(events)).toEqual([]);
    });

    it('is not saved by a delivery of a member that was excluded or crashed with it', () => {
      const events = new HistoryBuilder()
        .view(1, [A, B, C, 'd/1', 'e/1'])
        .multicast(B, 'm1', 1, [B, C, 'd/1'])
        .excluded(B)
        .excluded(C)
        .crash('d/1')
        .view(2, [A, 'e/1']).events;
      const vs = judge(events);
      expect(vs).toHaveLength(1);
      expect(vs[0]?.message).toContain('m1');
      expect(vs[0]?.message).toContain(B);
    });

    it('must report an orphan of its own too', () => {
      // c's m0 is lost in its crash; b sent the cbcast m1 in c's context: an orphan, discarded by all.
      const events = new HistoryBuilder()
        .view(1, [A, B, C, 'd/1'])
        .multicast(C, 'm0', 1, [C])
        .handOver(C, B, 'c-calls-b')
        .multicast(B, 'm1', 1, [B], { order: 'causal' })
        .crash(C)
        .excluded(B)
        .view(2, [A, 'd/1']).events;
      expect(
        judge(events)
          .map((v) => v.message)
          .join(),
      ).toContain('m1');
      expect(judge([...events, { kind: 'unconfirmed', member: B, ids: ['m1'] }])).toEqual([]);
    });

    it('is not judged while the view it was excluded from has no survivor in the history', () => {
      expect(judge(bSendsAlone().excluded(B).events, false)).toEqual([]);
    });
  });

  it("judges a leaver's messages: the flush that lets it go delivers them", () => {
    const lost = bSendsAlone().left(B).view(2, [A, C]).events;
    for (const quiescent of [true, false]) {
      const vs = judge(lost, quiescent);
      expect(vs).toHaveLength(1);
      expect(vs[0]?.message).toContain(`${B} (left at event #`);
    }
    const delivered = new HistoryBuilder().view(1, [A, B, C]).multicast(B, 'm1', 1, [B, A, C]).left(B).view(2, [A, C]).events;
    expect(judge(delivered)).toEqual([]);
  });

  it('never judges a sender with a crash event, even one that comes after another exit', () => {
    expect(judge(bSendsAlone().crash(B).view(2, [A, C]).events)).toEqual([]);
    expect(judge(bSendsAlone().excluded(B).view(2, [A, C]).crash(B).events)).toEqual([]);
  });

  it('judges a sender alive at the end only when the run was quiescent', () => {
    // a's message is still in flight when the history ends: nobody else delivered it yet.
    const events = new HistoryBuilder().view(1, [A, B]).send(A, 'm1', 1).view(2, [A, B], [B]).events;
    expect(judge(events, false)).toEqual([]);
    const vs = judge(events, true);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.message).toContain(`${A} (alive at the end)`);
  });

  it('excuses the orphan of a sender that was not excluded: it is discarded by all by design', () => {
    const events = new HistoryBuilder()
      .view(1, [A, B, C])
      .multicast(C, 'm0', 1, [C])
      .handOver(C, A, 'c-calls-a')
      .sendWith(A, 'm1', 1, { order: 'causal' })
      .crash(C)
      .view(2, [A, B]).events;
    expect(judge(events)).toEqual([]);
  });
});
