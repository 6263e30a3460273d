import { describe, expect, it } from '@jest/globals';
import type { FrameBody } from '../../../src/protocol/frames.js';
import { ReliableLayer } from '../../../src/protocol/reliable/reliable-layer.js';
import type { DataBody } from '../../../src/protocol/reliable/reliable.header.js';
import type { MemberId, View } from '../../../src/protocol/types.js';
import { label, layerContext, ManualClock } from './stubs.js';

/**
 * Sandwich: reliable/'s layer between a stub of membership/ below (it records the frames sent
 * down and lets the test pass frames up, as the view gate would) and a recorder above (it
 * takes what becomes FIFO-deliverable, as order/ does, and records the other events up).
 */
const view: View = { id: 2, members: ['a/1', 'b/1', 'c/1'] };
const [A, B] = [0, 1];
const a = view.members[A]!;
const b = view.members[B]!;

const data = (seq: number, topic = 't'): DataBody => ({ type: 'data', seq, topic, payload: Uint8Array.of(seq) });

function sandwich(myRank: number) {
  const clock = new ManualClock();
  const { ctx } = layerContext(view.members[myRank]!, clock);
  const down: { to: MemberId; body: FrameBody }[] = [];
  const multicast: DataBody[] = [];
  const up = { delivered: [] as string[], stabilityMoved: 0, slow: [] as string[], flushing: [] as string[] };
  const layer: ReliableLayer = new ReliableLayer(
    ctx,
    {
      send: (to, body) => void down.push({ to, body }),
      multicast: (_view, body) => void multicast.push(body),
    },
    {
      received: () => {
        for (const m of layer.channel!.takeDeliverable()) up.delivered.push(label(m));
      },
      stabilityMoved: () => {
        up.stabilityMoved++;
      },
      peerLoad: (member, slow) => {
        if (slow) up.slow.push(member);
      },
      peerFlushing: (member, flushing) => {
        if (flushing) up.flushing.push(member);
      },
      flushing: () => false,
    },
  );
  layer.newView(view, myRank);
  const naks = () =>
    down.filter((f) => f.body.type === 'nak').map((f) => ({ to: f.to, missing: f.body.type === 'nak' ? f.body.missing : [] }));
  return { clock, ctx, layer, down, multicast, up, naks };
}

describe('reliable/ sandwich: ReliableLayer between membership/ (stub) and order/ (recorder)', () => {
  it('a gap asks the sender for what is missing (NAK, after the NAK delay); the retransmission delivers in order', () => {
    const s = sandwich(2);
    s.layer.onFrame(b, B, data(1));
    s.layer.onFrame(b, B, data(3));
    expect(s.up.delivered).toEqual(['b/1#1']);
    expect(s.naks()).toEqual([]);
    s.clock.advance(s.ctx.options.timing.nakDelayMs);
    expect(s.naks()).toEqual([{ to: b, missing: [2] }]);
    s.layer.onFrame(b, B, data(2));
    expect(s.up.delivered).toEqual(['b/1#1', 'b/1#2', 'b/1#3']);
  });

  it("a heartbeat's advertised high reveals a lost last message; a pack delivers each message once", () => {
    const s = sandwich(2);
    s.layer.onFrame(b, B, { type: 'pack', messages: [data(1), data(2), data(1)] });
    expect(s.up.delivered).toEqual(['b/1#1', 'b/1#2']);
    s.layer.onFrame(b, B, { type: 'heartbeat', sentHigh: 3, acks: [0, 2, 0], flushing: true, slow: true });
    expect(s.up.stabilityMoved).toBe(1);
    expect(s.up.slow).toEqual([b]);
    expect(s.up.flushing).toEqual([b]);
    s.clock.advance(s.ctx.options.timing.nakDelayMs);
    expect(s.naks()).toEqual([{ to: b, missing: [3] }]);
  });

  it('down: a multicast is sequenced and handed down for packing; a NAK is answered with the messages still held', () => {
    const s = sandwich(A);
    const first = s.layer.send('x', Uint8Array.of(1), {});
    const second = s.layer.send('y', Uint8Array.of(2), { order: 'causal', depsDelta: [] });
    expect([first.seq, second.seq]).toEqual([1, 2]);
    expect(s.multicast.map((m) => [m.seq, m.topic, m.order])).toEqual([
      [1, 'x', undefined],
      [2, 'y', 'causal'],
    ]);
    s.layer.onFrame(b, B, { type: 'nak', missing: [2, 9] });
    expect(s.down).toEqual([
      { to: b, body: { type: 'data', seq: 2, topic: 'y', payload: Uint8Array.of(2), order: 'causal', depsDelta: [] } },
    ]);
    expect(s.ctx.stats.messagesRetransmitted).toBe(1);
  });

  it('stability: once every member acked a message it is collected, and no longer answered', () => {
    const s = sandwich(A);
    s.layer.send('x', Uint8Array.of(1), {});
    s.layer.onFrame(view.members[1]!, 1, { type: 'heartbeat', sentHigh: 0, acks: [1, 0, 0], flushing: false, slow: false });
    expect(s.layer.channel!.heldCount()).toBe(1);
    // Own messages are delivered to this member before they count as collected.
    s.layer.channel!.takeDeliverable();
    s.layer.onFrame(view.members[2]!, 2, { type: 'heartbeat', sentHigh: 0, acks: [1, 0, 0], flushing: false, slow: false });
    expect(s.layer.channel!.heldCount()).toBe(0);
    expect(s.layer.unconfirmed(null)).toEqual([]);
    s.layer.onFrame(b, B, { type: 'nak', missing: [1] });
    expect(s.down).toEqual([]);
  });

  it('acks at once after a quarter window of data, not only at the tick', () => {
    const s = sandwich(2);
    const quarter = s.ctx.options.windowMessagesMax / 4;
    for (let seq = 1; seq < quarter; seq++) s.layer.onFrame(b, B, data(seq));
    expect(s.down.filter((f) => f.body.type === 'heartbeat')).toEqual([]);
    s.layer.onFrame(b, B, data(quarter));
    const heartbeats = s.down.filter((f) => f.body.type === 'heartbeat');
    expect(heartbeats.map((f) => f.to)).toEqual([a, b]);
    expect(heartbeats[0]!.body).toMatchObject({ acks: [0, quarter, 0] });
  });

  it('a seq far beyond reach is named as forged before it is taken', () => {
    const s = sandwich(2);
    expect(s.layer.sequenceProblem(B, data(1 << 21))).toMatch(/beyond reach/);
    expect(s.layer.sequenceProblem(B, data(5))).toBeNull();
  });
});
