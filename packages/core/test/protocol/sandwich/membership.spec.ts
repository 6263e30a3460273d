import { describe, expect, it } from '@jest/globals';
import type { Frame, FrameBody } from '../../../src/protocol/frames.js';
import { MembershipLayer } from '../../../src/protocol/membership/membership-layer.js';
import { ReliableChannel } from '../../../src/protocol/reliable/reliable-channel.js';
import type { MemberId, View } from '../../../src/protocol/types.js';
import { layerContext, ManualClock } from './stubs.js';

/**
 * Sandwich: membership/'s layer between a stub of transport/ below (it records the frames
 * sent down; the test passes frames up as the endpoint would) and a recorder of the layers
 * above (what reached reliable/, each view installed, promises and cuts).
 */
function sandwich() {
  const clock = new ManualClock();
  const { ctx, log } = layerContext('a/1', clock);
  ctx.life.phase = 'joining';
  const down: { to: string; viewId: number; body: FrameBody }[] = [];
  const up: string[] = [];
  let channel: ReliableChannel | null = null;
  const layer = new MembershipLayer(
    ctx,
    {
      epoch: 0,
      send: (to, viewId, body) => void down.push({ to, viewId, body }),
      multicast: () => undefined,
      flushPack: () => void up.push('flushPack'),
    },
    {
      channel: () => channel,
      streamFrame: (from, rank, body) => void up.push(`${body.type} from ${from} (rank ${rank})`),
      sequenceProblem: () => null,
      viewInstalled: (view, myRank) => {
        channel = new ReliableChannel(view, myRank);
        up.push(`view ${view.id} [${view.members.join(' ')}] rank ${myRank}`);
      },
      viewOpened: () => void up.push('opened'),
      promised: () => void up.push('promised'),
      accepted: () => void up.push('accepted'),
      applyCut: (value) => {
        up.push(`cut ${value.targets.join(',')}`);
        return true;
      },
      heartbeat: (flushing) => ({ type: 'heartbeat', sentHigh: 0, acks: [], flushing, slow: false }),
      sendHeartbeats: () => void up.push('heartbeats'),
      sendNaks: () => undefined,
      hasPendingGroup: () => false,
      unconfirmed: () => [],
      handOver: () => [],
      stop: () => {
        ctx.life.phase = 'gone';
      },
    },
  );
  const frame = (from: MemberId, viewId: number, body: FrameBody): Frame => ({ epoch: layer.down.epoch, group: 'g', from, viewId, body });
  return { clock, ctx, log, layer, down, up, frame };
}

/** a forms the group alone, then b joins it the way admission runs (nonce echo, view change). */
function twoMembers() {
  const s = sandwich();
  s.layer.start();
  const b = 'b/1';
  const twoView: View = { id: 2, members: ['a/1', b] };
  s.layer.gate.onFrame(s.frame(b, 0, { type: 'join-request', nonce: 0, candidate: false, vote: '' }));
  const pending = s.down.find((f) => f.body.type === 'join-pending')!.body;
  const nonce = pending.type === 'join-pending' ? pending.nonce : 0;
  s.layer.gate.onFrame(s.frame(b, 0, { type: 'join-request', nonce, candidate: false, vote: '' }));
  const value = { viewId: 2, members: twoView.members, targets: [0], messages: [] };
  s.layer.gate.onFrame(s.frame('a/1', 1, { type: 'install', value }));
  return { ...s, b, twoView };
}

describe('membership/ sandwich: MembershipLayer between transport/ (stub) and reliable/ (recorder)', () => {
  it('with no seeds a member forms the group: a new epoch, view 1, and the layers above start in it, in order', () => {
    const s = sandwich();
    s.layer.start();
    expect(s.layer.down.epoch).toBeGreaterThan(0);
    expect(s.layer.currentView).toEqual({ id: 1, members: ['a/1'] });
    expect(s.up).toEqual(['flushPack', 'view 1 [a/1] rank 0', 'opened']);
    expect(s.log.installed).toEqual([{ id: 1, members: ['a/1'] }]);
  });

  it('the gate: frames of this view from a member go up; from a stranger they are dropped; from a later view they wait for its install', () => {
    const s = twoMembers();
    expect(s.layer.currentView).toEqual(s.twoView);
    s.up.length = 0;
    s.layer.gate.onFrame(s.frame(s.b, 2, { type: 'data', seq: 1, topic: 't', payload: new Uint8Array() }));
    expect(s.up).toEqual(['data from b/1 (rank 1)']);
    s.layer.gate.onFrame(s.frame('z/1', 2, { type: 'data', seq: 1, topic: 't', payload: new Uint8Array() }));
    expect(s.ctx.stats.framesDropped).toBe(1);
    // A later view: nothing goes up yet, the sender is nudged with this member's view.
    s.down.length = 0;
    s.layer.gate.onFrame(s.frame(s.b, 3, { type: 'heartbeat', sentHigh: 0, acks: [0, 0], flushing: false, slow: false }));
    expect(s.up).toEqual(['data from b/1 (rank 1)']);
    expect(s.down.map((f) => [f.to, f.viewId, f.body.type])).toEqual([['b/1', 2, 'heartbeat']]);
    // Its install arrives: view 3 starts, then the waiting frame goes up in it.
    s.layer.gate.onFrame(
      s.frame(s.b, 2, { type: 'install', value: { viewId: 3, members: ['a/1', 'b/1'], targets: [0, 0], messages: [] } }),
    );
    expect(s.up.slice(1)).toEqual(['cut 0,0', 'flushPack', 'view 3 [a/1 b/1] rank 0', 'heartbeat from b/1 (rank 1)', 'opened']);
  });

  it('a prepare stops this member: it promises with its digest, and nothing is open until the next view', () => {
    const s = twoMembers();
    s.up.length = 0;
    s.down.length = 0;
    expect(s.layer.isOpen).toBe(true);
    s.layer.gate.onFrame(s.frame(s.b, 2, { type: 'prepare', ballot: { round: 1, rank: 1 } }));
    expect(s.up).toEqual(['promised']);
    expect(s.layer.isOpen).toBe(false);
    expect(s.down.map((f) => f.body)).toEqual([
      { type: 'promise', ballot: { round: 1, rank: 1 }, digest: [0, 0], held: [], accepted: null },
    ]);
    // A lower ballot is refused with the promise made.
    s.layer.gate.onFrame(s.frame(s.b, 2, { type: 'prepare', ballot: { round: 0, rank: 1 } }));
    expect(s.down[1]!.body).toEqual({ type: 'reject', promised: { round: 1, rank: 1 } });
  });

  it("a forged ballot (a rank not the sender's) is rejected and does not count as a sign of life", () => {
    const s = twoMembers();
    s.up.length = 0;
    s.layer.gate.onFrame(s.frame(s.b, 2, { type: 'prepare', ballot: { round: 1, rank: 0 } }));
    expect(s.log.rejected).toEqual(['prepare: ballot of rank 0 sent by b/1']);
    expect(s.up).toEqual([]);
    expect(s.layer.isOpen).toBe(true);
  });
});
