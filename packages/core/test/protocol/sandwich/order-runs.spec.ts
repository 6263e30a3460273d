import { describe, expect, it } from '@jest/globals';
import { FrameWriter } from '../../../src/codec/frame-writer.js';
import { decodeAnnouncement, encodeAnnouncement, type OrderRun } from '../../../src/protocol/order/announcement.js';
import { OrderLayer } from '../../../src/protocol/order/order-layer.js';
import { ReliableChannel } from '../../../src/protocol/reliable/reliable-channel.js';
import type { DataMessage, MessageMeta, MessageOrder, View } from '../../../src/protocol/types.js';
import { layerContext, ManualClock } from './stubs.js';

/**
 * Sandwich: order/'s total order with run-length announcements. The sequencer announces
 * (rank, firstSeq, count) runs; receivers use them position by position. Below, a stub of
 * reliable/ (a channel filled as if messages arrived in FIFO order); above, a recorder.
 */
const view: View = { id: 4, members: ['a/1', 'b/1', 'c/1'] };
const [A, B, C] = [0, 1, 2];

function message(rank: number, seq: number, order: MessageOrder = 'total', payload: Uint8Array = new Uint8Array()): DataMessage {
  return { sender: view.members[rank]!, viewId: view.id, seq, topic: 't', payload, ...(order === 'fifo' ? {} : { order }), depsDelta: [] };
}

/** The sequencer's announcement, message `seq` of its stream. */
const announcement = (seq: number, runs: OrderRun[]): DataMessage => ({
  ...message(A, seq, 'announce', encodeAnnouncement(runs)),
  depsDelta: null,
});

function sandwich(myRank: number) {
  const clock = new ManualClock();
  const { ctx, log } = layerContext(view.members[myRank]!, clock);
  const channel = new ReliableChannel(view, myRank);
  const sentDown: DataMessage[] = [];
  const layer = new OrderLayer(
    ctx,
    {
      channel: () => channel,
      isOpen: () => true,
      send: (topic: string, payload: Uint8Array, meta: MessageMeta) => {
        const sent = channel.sequence(topic, payload, meta);
        sentDown.push(sent);
        return sent;
      },
    },
    { stabilityMoved: () => undefined },
  );
  layer.newView(view, myRank);
  /** reliable/ stores a message; order/ gets what is gap-free (FIFO per sender). */
  const arrive = (m: DataMessage): void => {
    channel.receive(view.members.indexOf(m.sender), m);
    layer.deliverReady();
  };
  return { clock, ctx, log, layer, sentDown, arrive };
}

describe('order/ sandwich: total order announced as runs', () => {
  it('payload: runs round-trip; one burst of a sender is one run of three varints', () => {
    const runs = [
      { rank: B, firstSeq: 7, count: 300 },
      { rank: C, firstSeq: 1, count: 1 },
    ];
    const payload = encodeAnnouncement(runs);
    expect(decodeAnnouncement(payload, 3)).toEqual(runs);
    expect(payload.length).toBe(1 + (1 + 1 + 2) + 3);
  });

  it('payload: a malformed announcement decodes to null (truncated, trailing bytes, empty run, seq 0, rank out of view)', () => {
    const good = encodeAnnouncement([{ rank: B, firstSeq: 1, count: 2 }]);
    expect(decodeAnnouncement(good.subarray(0, good.length - 1), 3)).toBeNull();
    expect(decodeAnnouncement(new Uint8Array([...good, 0]), 3)).toBeNull();
    const raw = (...uints: number[]): Uint8Array => {
      const w = new FrameWriter(16);
      for (const u of uints) w.uint(u);
      return w.finish();
    };
    expect(decodeAnnouncement(raw(1, B, 1, 2), 3)).toEqual([{ rank: B, firstSeq: 1, count: 2 }]);
    expect(decodeAnnouncement(raw(1, B, 1, 0), 3)).toBeNull();
    expect(decodeAnnouncement(raw(1, B, 0, 2), 3)).toBeNull();
    expect(decodeAnnouncement(raw(1, 3, 1, 2), 3)).toBeNull();
    expect(decodeAnnouncement(raw(2, B, 1, 2), 3)).toBeNull();
  });

  it('sequencer: a burst of one sender in one turn goes out as one run, and is delivered in it', () => {
    const s = sandwich(A);
    s.arrive(message(B, 1));
    s.arrive(message(B, 2));
    s.arrive(message(B, 3));
    expect(s.log.delivered).toEqual([]);
    s.clock.turn();
    expect(s.sentDown).toHaveLength(1);
    expect(decodeAnnouncement(s.sentDown[0]!.payload)).toEqual([{ rank: B, firstSeq: 1, count: 3 }]);
    expect(s.log.delivered).toEqual(['b/1#1', 'b/1#2', 'b/1#3']);
  });

  it('sequencer: bursts of three senders interleaved in a turn: a run per change of sender, in causal delivery order', () => {
    const s = sandwich(A);
    s.arrive(message(B, 1));
    s.arrive(message(B, 2));
    s.arrive(message(C, 1));
    s.layer.send('t', new Uint8Array(), { order: 'total', safe: false });
    s.layer.send('t', new Uint8Array(), { order: 'total', safe: false });
    s.arrive(message(C, 2));
    s.arrive(message(B, 3));
    s.clock.turn();
    const announced = s.sentDown.filter((m) => m.order === 'announce');
    expect(announced).toHaveLength(1);
    expect(decodeAnnouncement(announced[0]!.payload)).toEqual([
      { rank: B, firstSeq: 1, count: 2 },
      { rank: C, firstSeq: 1, count: 1 },
      { rank: A, firstSeq: 1, count: 2 },
      { rank: C, firstSeq: 2, count: 1 },
      { rank: B, firstSeq: 3, count: 1 },
    ]);
    expect(s.log.delivered).toEqual(['b/1#1', 'b/1#2', 'c/1#1', 'a/1#1', 'a/1#2', 'c/1#2', 'b/1#3']);
  });

  it('receiver: a run is used position by position as its messages arrive, before or after it', () => {
    const s = sandwich(C);
    s.arrive(message(B, 1));
    s.arrive(announcement(1, [{ rank: B, firstSeq: 1, count: 3 }]));
    expect(s.log.delivered).toEqual(['b/1#1']);
    s.arrive(message(B, 2));
    expect(s.log.delivered).toEqual(['b/1#1', 'b/1#2']);
    s.arrive(message(B, 3));
    s.arrive(message(B, 4));
    expect(s.log.delivered).toEqual(['b/1#1', 'b/1#2', 'b/1#3']);
    expect(s.log.held).toContain('b/1#4:total');
  });

  it('receiver: interleaved runs of three senders deliver in the announced order, whatever the arrival order', () => {
    const s = sandwich(C);
    // The sequencer a's stream: its own total messages #1 #2, an announcement #3, its #4, an announcement #5.
    const fromA = [
      message(A, 1),
      message(A, 2),
      announcement(3, [
        { rank: B, firstSeq: 1, count: 2 },
        { rank: A, firstSeq: 1, count: 2 },
      ]),
      message(A, 4),
      announcement(5, [
        { rank: C, firstSeq: 1, count: 1 },
        { rank: B, firstSeq: 3, count: 1 },
        { rank: A, firstSeq: 4, count: 1 },
      ]),
    ];
    // Out of order on the wire (reliable/ passes each sender's up in seq order).
    for (const m of [message(C, 1), message(B, 3), fromA[3]!, fromA[4]!, message(B, 2), fromA[0]!, fromA[1]!, fromA[2]!]) s.arrive(m);
    expect(s.log.delivered).toEqual([]);
    s.arrive(message(B, 1));
    expect(s.log.delivered).toEqual(['b/1#1', 'b/1#2', 'a/1#1', 'a/1#2', 'c/1#1', 'b/1#3', 'a/1#4']);
    expect(s.layer.heldCount).toBe(0);
  });

  it('receiver: a malformed announcement is ignored and counted; the next well-formed one is followed', () => {
    const s = sandwich(C);
    s.arrive(message(B, 1));
    const bad = encodeAnnouncement([{ rank: B, firstSeq: 1, count: 1 }]);
    s.arrive({ ...announcement(1, []), payload: bad.subarray(0, bad.length - 1) });
    s.arrive(announcement(2, [{ rank: 7, firstSeq: 1, count: 1 }]));
    expect(s.log.delivered).toEqual([]);
    expect(s.layer.malformedAnnouncements).toBe(2);
    s.arrive(announcement(3, [{ rank: B, firstSeq: 1, count: 1 }]));
    expect(s.log.delivered).toEqual(['b/1#1']);
  });

  it('a member that stops inside a delivery (a slow consumer) delivers nothing more of the run', () => {
    const s = sandwich(C);
    const deliver = s.ctx.events.deliver;
    s.ctx.events.deliver = (m, v) => {
      deliver(m, v);
      s.layer.stop();
    };
    s.arrive(message(B, 1));
    s.arrive(message(B, 2));
    s.arrive(announcement(1, [{ rank: B, firstSeq: 1, count: 2 }]));
    expect(s.log.delivered).toEqual(['b/1#1']);
    s.layer.drainAtCut();
    expect(s.log.delivered).toEqual(['b/1#1']);
  });

  it('at the cut: the rest of a run whose messages are missing is skipped at once, even a run of 2^40', () => {
    const s = sandwich(C);
    s.arrive(
      announcement(1, [
        { rank: B, firstSeq: 1, count: 2 ** 40 },
        { rank: C, firstSeq: 1, count: 1 },
      ]),
    );
    s.arrive(message(B, 1));
    s.arrive(message(C, 1));
    expect(s.log.delivered).toEqual(['b/1#1']);
    s.layer.drainAtCut();
    expect(s.log.delivered).toEqual(['b/1#1', 'c/1#1']);
  });
});
