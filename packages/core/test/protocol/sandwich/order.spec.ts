import { describe, expect, it } from '@jest/globals';
import { decodeAnnouncement, encodeAnnouncement } from '../../../src/protocol/order/announcement.js';
import { OrderLayer } from '../../../src/protocol/order/order-layer.js';
import { ReliableChannel } from '../../../src/protocol/reliable/reliable-channel.js';
import type { DataMessage, DepsDelta, MessageMeta, MessageOrder, View } from '../../../src/protocol/types.js';
import { label, layerContext, ManualClock } from './stubs.js';

/**
 * Sandwich: order/'s layer (OrderLayer and its OrderStage) between a stub of reliable/ below
 * (a channel the test fills as if messages arrived in FIFO order, and a record of what the
 * layer sends down) and a recorder of what it delivers above (MemberEvents.deliver, .held).
 */
const view: View = { id: 4, members: ['a/1', 'b/1', 'c/1'] };
const [A, B, C] = [0, 1, 2];

function message(
  rank: number,
  seq: number,
  order: MessageOrder = 'fifo',
  extra: { depsDelta?: DepsDelta; safe?: boolean; payload?: Uint8Array } = {},
): DataMessage {
  const { payload, ...meta } = extra;
  return {
    sender: view.members[rank]!,
    viewId: view.id,
    seq,
    topic: 't',
    payload: payload ?? new Uint8Array(),
    ...(order === 'fifo' ? {} : { order }),
    ...meta,
  };
}

function sandwich(myRank: number) {
  const clock = new ManualClock();
  const { ctx, log } = layerContext(view.members[myRank]!, clock);
  const channel = new ReliableChannel(view, myRank);
  const sentDown: DataMessage[] = [];
  let open = true;
  const stabilityMovedUp: number[] = [];
  const layer = new OrderLayer(
    ctx,
    {
      channel: () => channel,
      isOpen: () => open,
      send: (topic: string, payload: Uint8Array, meta: MessageMeta) => {
        const sent = channel.sequence(topic, payload, meta);
        sentDown.push(sent);
        return sent;
      },
    },
    { stabilityMoved: () => void stabilityMovedUp.push(clock.now()) },
  );
  layer.newView(view, myRank);
  /** reliable/ passes a message up (it arrived with no gap before it). */
  const arrive = (m: DataMessage): void => {
    channel.receive(view.members.indexOf(m.sender), m);
    layer.deliverReady();
  };
  /** Every member acks everything held: all is stable. */
  const allStable = (): void => {
    for (let rank = 0; rank < view.members.length; rank++) if (rank !== myRank) channel.onHeartbeat(rank, 0, channel.digest());
    // The stub's own acks stand for every member's.
    for (let rank = 0; rank < view.members.length; rank++) channel.onHeartbeat(rank, 0, channel.digest());
  };
  return {
    clock,
    ctx,
    log,
    channel,
    layer,
    sentDown,
    arrive,
    allStable,
    stabilityMovedUp,
    setOpen: (o: boolean) => {
      open = o;
    },
  };
}

describe('order/ sandwich: OrderLayer between reliable/ (stub) and the application (recorder)', () => {
  it('fifo: each sender in seq order, senders independent, delivered at once', () => {
    const s = sandwich(C);
    s.arrive(message(B, 1));
    s.arrive(message(A, 1));
    s.arrive(message(B, 2));
    expect(s.log.delivered).toEqual(['b/1#1', 'a/1#1', 'b/1#2']);
    expect(s.log.held).toEqual([]);
  });

  it('causal: a message is held until the message its vector timestamp names arrives, then both leave in causal order', () => {
    const s = sandwich(C);
    // b sent #1 after delivering a#1: deps = [a:1].
    s.arrive(message(B, 1, 'causal', { depsDelta: [[A, 1]] }));
    expect(s.log.delivered).toEqual([]);
    expect(s.log.held).toEqual(['b/1#1:causal']);
    expect(s.layer.heldCount).toBe(1);
    s.arrive(message(A, 1));
    expect(s.log.delivered).toEqual(['a/1#1', 'b/1#1']);
    expect(s.layer.heldCount).toBe(0);
  });

  it("causal: a fifo message behind a held causal one of the same sender waits too ('fifo')", () => {
    const s = sandwich(C);
    s.arrive(message(B, 1, 'causal', { depsDelta: [[A, 1]] }));
    s.arrive(message(B, 2));
    expect(s.log.held).toEqual(['b/1#1:causal', 'b/1#2:fifo']);
    s.arrive(message(A, 1));
    expect(s.log.delivered).toEqual(['a/1#1', 'b/1#1', 'b/1#2']);
  });

  it('total, at a member: held until the sequencer announces its position, then in the announced order', () => {
    const s = sandwich(C);
    s.arrive(message(B, 1, 'total', { depsDelta: [] }));
    s.arrive(message(C, 1, 'total', { depsDelta: [] }));
    expect(s.log.delivered).toEqual([]);
    expect(s.log.held).toEqual(['b/1#1:total', 'c/1#1:total']);
    // The sequencer (a, rank 0) announces c#1 before b#1.
    s.arrive(
      message(A, 1, 'announce', {
        payload: encodeAnnouncement([
          { rank: C, firstSeq: 1, count: 1 },
          { rank: B, firstSeq: 1, count: 1 },
        ]),
      }),
    );
    expect(s.log.delivered).toEqual(['c/1#1', 'b/1#1']);
  });

  it('total, at the sequencer: positions go down as one announcement at the end of the turn, and only then deliver', () => {
    const s = sandwich(A);
    s.arrive(message(B, 1, 'total', { depsDelta: [] }));
    s.arrive(message(C, 1, 'total', { depsDelta: [] }));
    expect(s.log.delivered).toEqual([]);
    expect(s.sentDown).toEqual([]);
    s.clock.turn();
    expect(s.sentDown).toHaveLength(1);
    expect(s.sentDown[0]!.order).toBe('announce');
    expect(decodeAnnouncement(s.sentDown[0]!.payload)).toEqual([
      { rank: B, firstSeq: 1, count: 1 },
      { rank: C, firstSeq: 1, count: 1 },
    ]);
    expect(s.log.delivered).toEqual(['b/1#1', 'c/1#1']);
  });

  it('group: held until the flush cut, then delivered after every other message of the view', () => {
    const s = sandwich(C);
    s.arrive(message(A, 1, 'group', { depsDelta: [] }));
    s.arrive(message(B, 1));
    expect(s.log.delivered).toEqual(['b/1#1']);
    expect(s.log.held).toEqual(['a/1#1:group']);
    expect(s.layer.hasPendingGroup).toBe(true);
    s.layer.drainAtCut();
    expect(s.log.delivered).toEqual(['b/1#1', 'a/1#1']);
    expect(s.layer.hasPendingGroup).toBe(false);
  });

  it('safe: held until stable; stability moving delivers it and is passed up to flow/', () => {
    const s = sandwich(C);
    s.arrive(message(B, 1, 'fifo', { safe: true }));
    expect(s.log.held).toEqual(['b/1#1:safe']);
    s.allStable();
    s.layer.onStable();
    expect(s.log.delivered).toEqual(['b/1#1']);
    expect(s.stabilityMovedUp).toHaveLength(1);
  });

  it('nothing is delivered while membership/ blocks delivery (a flush runs)', () => {
    const s = sandwich(C);
    s.setOpen(false);
    s.arrive(message(B, 1));
    expect(s.log.delivered).toEqual([]);
    s.setOpen(true);
    s.layer.deliverReady();
    expect(s.log.delivered).toEqual(['b/1#1']);
  });

  it('down: a causal multicast carries what this member delivered, as a delta against its previous one', () => {
    const s = sandwich(C);
    s.arrive(message(A, 1));
    s.arrive(message(A, 2));
    const first = s.layer.send('t', new Uint8Array(), { order: 'causal', safe: false });
    expect(first.order).toBe('causal');
    expect(first.depsDelta).toEqual([[A, 2]]);
    s.arrive(message(B, 1));
    const second = s.layer.send('t', new Uint8Array(), { order: 'causal', safe: true });
    expect(second.depsDelta).toEqual([[B, 1]]);
    expect(second.safe).toBe(true);
    // The member's causal context names its own sends too.
    expect(s.layer.causalVector()).toEqual({ viewId: view.id, deps: [2, 1, 2] });
    // Its own multicasts come back up through the channel and are delivered to itself; the
    // safe one only once stable.
    s.layer.deliverReady();
    expect(s.log.delivered).toEqual(['a/1#1', 'a/1#2', 'b/1#1', 'c/1#1']);
    s.allStable();
    s.layer.onStable();
    expect(s.log.delivered).toEqual(['a/1#1', 'a/1#2', 'b/1#1', 'c/1#1', 'c/1#2']);
    expect(s.sentDown.map(label)).toEqual(['c/1#1', 'c/1#2']);
  });
});
