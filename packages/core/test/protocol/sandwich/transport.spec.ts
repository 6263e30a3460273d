import { describe, expect, it } from '@jest/globals';
import { decodeFrame, encodeFrame, type Frame } from '../../../src/protocol/frames.js';
import { TransportLayer } from '../../../src/protocol/transport/transport-layer.js';
import type { View } from '../../../src/protocol/types.js';
import { layerContext, ManualClock } from './stubs.js';

/**
 * Sandwich: transport/'s layer (and the endpoint it makes) between a stub wire below (it records the bytes sent and
 * lets the test deliver bytes) and a recorder of what it passes up to membership/.
 */
const view: View = { id: 5, members: ['a/1', 'b/1', 'c/1'] };

function sandwich() {
  const clock = new ManualClock();
  const sent: { to: string; frame: Frame }[] = [];
  let deliver: (from: string, bytes: Uint8Array) => void = () => undefined;
  const wire = {
    address: 'a',
    send: (to: string, bytes: Uint8Array) => void sent.push({ to, frame: decodeFrame(bytes) }),
    onFrame: (fn: (from: string, bytes: Uint8Array) => void) => {
      deliver = fn;
    },
  };
  const { ctx } = layerContext('a/1', clock, { wire, epoch: 7 } as never);
  const up: Frame[] = [];
  const endpoint = new TransportLayer(ctx, {
    onFrame: (frame) => void up.push(frame),
    acceptsAnyEpoch: (frame) => frame.body.type === 'join-request',
    noteSeed: () => undefined,
    onPeerDown: () => undefined,
  });
  endpoint.start();
  const bytes = (frame: Partial<Frame>): Uint8Array =>
    encodeFrame({ epoch: 7, group: 'g', from: 'b/1', viewId: 5, body: { type: 'leave-request' }, ...frame });
  return { clock, ctx, endpoint, sent, up, deliver: (b: Uint8Array) => deliver('b', b), bytes };
}

describe('transport/ sandwich: the endpoint between the wire (stub) and membership/ (recorder)', () => {
  it("packs a turn's data into one frame per member, and a control frame never overtakes it", () => {
    const s = sandwich();
    s.endpoint.multicast(view, { type: 'data', seq: 1, topic: 't', payload: new Uint8Array() });
    s.endpoint.multicast(view, { type: 'data', seq: 2, topic: 't', payload: new Uint8Array() });
    expect(s.sent).toEqual([]);
    s.endpoint.send('b/1', 5, { type: 'nak', missing: [3] });
    expect(s.sent.map((x) => [x.to, x.frame.body.type])).toEqual([
      ['b', 'pack'],
      ['c', 'pack'],
      ['b', 'nak'],
    ]);
    expect(s.sent[0]!.frame).toMatchObject({ epoch: 7, group: 'g', from: 'a/1', viewId: 5 });
    s.clock.turn();
    expect(s.sent).toHaveLength(3);
  });

  it('a single message of a turn leaves as a data frame when the turn ends', () => {
    const s = sandwich();
    s.endpoint.multicast(view, { type: 'data', seq: 1, topic: 't', payload: new Uint8Array() });
    s.clock.turn();
    expect(s.sent.map((x) => [x.to, x.frame.body.type])).toEqual([
      ['b', 'data'],
      ['c', 'data'],
    ]);
  });

  it('own control frames go up one turn later, never over the wire', () => {
    const s = sandwich();
    s.endpoint.send('a/1', 5, { type: 'leave-request' });
    expect(s.up).toEqual([]);
    s.clock.turn();
    expect(s.sent).toEqual([]);
    expect(s.up.map((f) => [f.from, f.body.type])).toEqual([['a/1', 'leave-request']]);
  });

  it('passes up frames of this group and epoch; drops malformed, foreign, self-claimed and other-epoch frames, counted', () => {
    const s = sandwich();
    s.deliver(s.bytes({}));
    s.deliver(Uint8Array.of(1, 2, 3));
    s.deliver(s.bytes({ group: 'other' }));
    s.deliver(s.bytes({ from: 'a/1' }));
    s.deliver(s.bytes({ epoch: 8 }));
    s.deliver(s.bytes({ epoch: 0, body: { type: 'join-request', nonce: 0, candidate: false, vote: '' } }));
    expect(s.up.map((f) => f.body.type)).toEqual(['leave-request', 'join-request']);
    expect(s.ctx.stats).toMatchObject({ framesMalformed: 1, framesDropped: 2, framesOtherEpoch: 1 });
  });

  it('once the incarnation is gone nothing packed leaves and nothing goes up', () => {
    const s = sandwich();
    s.endpoint.multicast(view, { type: 'data', seq: 1, topic: 't', payload: new Uint8Array() });
    s.ctx.life.phase = 'gone';
    s.clock.turn();
    s.deliver(s.bytes({}));
    expect(s.sent).toEqual([]);
    expect(s.up).toEqual([]);
  });
});
