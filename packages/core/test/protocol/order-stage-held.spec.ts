import { OrderStage, type HoldReason, type OrderStageHost } from '../../src/protocol/order/order-stage.js';
import type { DataMessage, DepsDelta, MessageOrder } from '../../src/protocol/types.js';

const view = { id: 1, members: ['a/1', 'b/1', 'c/1'] };

function message(
  rank: number,
  seq: number,
  order: MessageOrder = 'fifo',
  extra: { depsDelta?: DepsDelta; safe?: boolean } = {},
): DataMessage {
  return { sender: view.members[rank]!, viewId: 1, seq, topic: 't', payload: new Uint8Array(), order, ...extra };
}

/** The order stage of c (rank 2, not the sequencer) between a recorder below and above. */
function stageOfC(options: { stable?: boolean; recordHolds?: boolean } = {}) {
  const delivered: string[] = [];
  const held: [string, HoldReason][] = [];
  const name = (m: DataMessage): string => `${m.sender}#${m.seq}`;
  const host: OrderStageHost = {
    deliver: (m) => void delivered.push(name(m)),
    announce: () => undefined,
    isStable: () => options.stable ?? true,
    ...(options.recordHolds === false ? {} : { held: (m: DataMessage, reason: HoldReason) => void held.push([name(m), reason]) }),
  };
  const stage = new OrderStage(view, 2, host);
  const arrive = (rank: number, m: DataMessage): void => {
    stage.accept(rank, m);
    stage.drain();
  };
  return { stage, arrive, delivered, held };
}

describe('OrderStage reports where a message waits (for a trace)', () => {
  it("holds b's cbcast for a's message its vector timestamp names ('causal'), and reports nothing that leaves at once", () => {
    const c = stageOfC();
    c.arrive(1, message(1, 1, 'causal', { depsDelta: [[0, 1]] }));
    expect(c.held).toEqual([['b/1#1', 'causal']]);
    c.arrive(0, message(0, 1, 'causal', { depsDelta: [] }));
    expect(c.delivered).toEqual(['a/1#1', 'b/1#1']);
    expect(c.held).toHaveLength(1);
  });

  it("holds a sender's later message behind its held earlier one ('fifo')", () => {
    const c = stageOfC();
    c.arrive(1, message(1, 1, 'causal', { depsDelta: [[0, 1]] }));
    c.arrive(1, message(1, 2));
    expect(c.held).toEqual([
      ['b/1#1', 'causal'],
      ['b/1#2', 'fifo'],
    ]);
  });

  it("holds an abcast until the sequencer's position ('total'), an unstable safe message ('safe') and a gbcast until the flush ('group')", () => {
    const c = stageOfC({ stable: false });
    c.arrive(1, message(1, 1, 'total', { depsDelta: [] }));
    c.arrive(0, message(0, 1, 'fifo', { safe: true }));
    c.arrive(2, message(2, 1, 'group'));
    expect(c.held).toEqual([
      ['b/1#1', 'total'],
      ['a/1#1', 'safe'],
      ['c/1#1', 'group'],
    ]);
    expect(c.delivered).toEqual([]);
  });

  it('delivers the same without a host that records holds, and reports none at a flush cut', () => {
    const inputs: [number, DataMessage][] = [
      [1, message(1, 1, 'causal', { depsDelta: [[0, 1]] })],
      [1, message(1, 2)],
      [0, message(0, 1, 'causal', { depsDelta: [] })],
      [0, message(0, 2)],
    ];
    const recorded = stageOfC();
    const silent = stageOfC({ recordHolds: false });
    for (const [rank, m] of inputs) {
      recorded.arrive(rank, m);
      silent.arrive(rank, m);
    }
    expect(silent.delivered).toEqual(recorded.delivered);
    expect(silent.held).toEqual([]);
    const cut = stageOfC();
    cut.stage.accept(1, message(1, 1, 'causal', { depsDelta: [[0, 1]] }));
    cut.stage.accept(0, message(0, 1));
    cut.stage.drainAtCut();
    expect(cut.delivered).toEqual(['a/1#1', 'b/1#1']);
    expect(cut.held).toEqual([]);
  });
});
