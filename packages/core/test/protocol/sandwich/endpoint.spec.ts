import { describe, expect, it } from '@jest/globals';
import { seededRandom } from '../../../src/env/random.js';
import { GroupConnection } from '../../../src/group-connection.js';
import { decodeFrame, encodeFrame, type Frame } from '../../../src/protocol/frames.js';
import { emptyMemberStats } from '../../../src/protocol/member-api.js';
import { clientFrameKinds } from '../../../src/protocol/reply/client.header.js';
import { replyFrameKinds } from '../../../src/protocol/reply/reply.header.js';
import { Endpoint, type EndpointOwner, type FrameReceiver } from '../../../src/protocol/transport/endpoint.js';
import type { Address, PeerDownReason } from '../../../src/wire/wire.js';
import { ManualClock } from './stubs.js';

/**
 * Sandwich: the process's one endpoint between a stub wire below (it records the frames sent
 * and lets the test deliver bytes and peer signals) and recorders above, routed as a Group
 * routes them (the stack takes every kind not routed elsewhere, the responder the replies,
 * the client service the client frames), or as a GroupConnection does.
 */
function stubWire(address: Address) {
  const sent: { to: Address; frame: Frame }[] = [];
  let deliver: (from: Address, bytes: Uint8Array) => void = () => undefined;
  let peerDown: (address: Address, reason: PeerDownReason) => void = () => undefined;
  let rejected: (address: Address, reason: string) => void = () => undefined;
  let subscriptions = 0;
  const wire = {
    address,
    send: (to: Address, bytes: Uint8Array) => void sent.push({ to, frame: decodeFrame(bytes) }),
    onFrame: (fn: typeof deliver) => {
      deliver = fn;
      subscriptions++;
    },
    onPeerDown: (fn: typeof peerDown) => {
      peerDown = fn;
    },
    onRejected: (fn: typeof rejected) => {
      rejected = fn;
    },
    close: () => Promise.resolve(),
  };
  return {
    wire,
    sent,
    subscriptions: () => subscriptions,
    deliver: (from: Address, bytes: Uint8Array) => deliver(from, bytes),
    peerDown: (at: Address, reason: PeerDownReason) => peerDown(at, reason),
    rejected: (at: Address, reason: string) => rejected(at, reason),
  };
}

function recorder(name: string, log: string[]): FrameReceiver {
  return { onFrame: (frame, from) => void log.push(`${name} <- ${frame.body.type} from ${frame.from} at ${from}`) };
}

/** The member a/1 in view 5 of group g, epoch 7, with its stack, responder and client service above. */
function groupSandwich() {
  const clock = new ManualClock();
  const below = stubWire('a');
  const stats = emptyMemberStats();
  const log: string[] = [];
  const riders: Address[] = [];
  const endpoint = new Endpoint(below.wire, 'g', clock, stats, { sendWaiting: (to) => void riders.push(to) });
  let phase: 'joining' | 'member' | 'gone' = 'member';
  const owner: EndpointOwner = {
    me: 'a/1',
    epoch: 7,
    arrived: (address) => {
      if (phase === 'joining') log.push(`seed ${address} answered`);
      return phase !== 'gone';
    },
    acceptsAnyEpoch: (frame) => (frame.epoch ?? 0) === 0 && frame.body.type === 'client-request',
    peerDown: (address, reason) => void log.push(`peer down ${address} ${reason}`),
    rejected: (address, reason) => void log.push(`rejected ${address}: ${reason}`),
  };
  endpoint.route(
    replyFrameKinds.map((kind) => kind.type),
    recorder('responder', log),
  );
  endpoint.route(
    clientFrameKinds.map((kind) => kind.type),
    recorder('clients', log),
  );
  endpoint.attach(owner, recorder('stack', log));
  endpoint.open();
  const bytes = (frame: Partial<Frame>): Uint8Array =>
    encodeFrame({ epoch: 7, group: 'g', from: 'b/1', viewId: 5, body: { type: 'leave-request' }, ...frame });
  return {
    clock,
    below,
    stats,
    log,
    riders,
    endpoint,
    owner,
    bytes,
    setPhase: (next: typeof phase) => {
      phase = next;
    },
    deliver: (b: Uint8Array) => below.deliver('b', b),
  };
}

const reply = {
  type: 'reply',
  to: 'a/1',
  call: 3,
  viewId: 5,
  rank: 1,
  failed: false,
  payload: new Uint8Array([1]),
  context: '',
} as const;
const clientRequest = {
  type: 'client-request',
  key: 'c/c9#1',
  call: 1,
  viewLabel: 0,
  topic: 't',
  order: 'fifo',
  safe: false,
  quorum: 0,
  timeoutMs: 1000,
  payload: new Uint8Array(),
} as const;

describe('transport/ sandwich: the one endpoint between the wire (stub) and the stack, the responder, the client service (recorders)', () => {
  it('subscribes to the wire once, however often it is opened', () => {
    const s = groupSandwich();
    s.endpoint.open();
    expect(s.below.subscriptions()).toBe(1);
  });

  it('a malformed frame is counted once, in the stats, and reaches no receiver', () => {
    const s = groupSandwich();
    s.deliver(Uint8Array.of(1, 2, 3));
    expect(s.log).toEqual([]);
    expect(s.stats).toMatchObject({ framesMalformed: 1, framesDropped: 0, framesOtherEpoch: 0 });
  });

  it('drops a frame of another group, and one that claims to be from the owner, counted', () => {
    const s = groupSandwich();
    s.deliver(s.bytes({ group: 'other' }));
    s.deliver(s.bytes({ group: 'other', body: reply }));
    s.deliver(s.bytes({ from: 'a/1' }));
    expect(s.log).toEqual([]);
    expect(s.stats).toMatchObject({ framesMalformed: 0, framesDropped: 3, framesOtherEpoch: 0 });
  });

  it('drops frames of another epoch unless the owner lets them in', () => {
    const s = groupSandwich();
    s.deliver(s.bytes({ epoch: 8, body: reply }));
    s.deliver(s.bytes({ epoch: 0, from: 'c/c9', body: clientRequest }));
    expect(s.log).toEqual(['clients <- client-request from c/c9 at b']);
    expect(s.stats.framesOtherEpoch).toBe(1);
  });

  it('dispatches by kind: stream and membership frames to the stack, replies to the responder, client frames to the client service', () => {
    const s = groupSandwich();
    s.deliver(s.bytes({ body: { type: 'data', seq: 1, topic: 't', payload: new Uint8Array() } }));
    s.deliver(s.bytes({ viewId: 0, body: reply }));
    s.deliver(s.bytes({ viewId: 0, body: { type: 'reply-ack', call: 3 } }));
    s.deliver(s.bytes({ viewId: 0, body: { type: 'view-query' } }));
    s.deliver(s.bytes({}));
    expect(s.log).toEqual([
      'stack <- data from b/1 at b',
      'responder <- reply from b/1 at b',
      'responder <- reply-ack from b/1 at b',
      'clients <- view-query from b/1 at b',
      'stack <- leave-request from b/1 at b',
    ]);
    expect(s.stats).toMatchObject({ framesMalformed: 0, framesDropped: 0, framesOtherEpoch: 0 });
  });

  it('an own frame loops back to its receiver one turn later, never over the wire', () => {
    const s = groupSandwich();
    s.endpoint.loopback(s.endpoint.frame('a/1', 5, { type: 'leave-request' }));
    expect(s.log).toEqual([]);
    s.clock.turn();
    expect(s.below.sent).toEqual([]);
    expect(s.log).toEqual(['stack <- leave-request from a/1 at a']);
  });

  it('a loopback goes to the receiver of its turn, not to a stack attached after it', () => {
    const s = groupSandwich();
    s.endpoint.loopback(s.endpoint.frame('a/1', 5, { type: 'leave-request' }));
    s.endpoint.attach({ ...s.owner, me: 'a/2' }, recorder('next stack', s.log));
    s.clock.turn();
    expect(s.log).toEqual(['stack <- leave-request from a/1 at a']);
  });

  it("stamps the group and the owner's epoch, and lets the riders waiting for a peer go first", () => {
    const s = groupSandwich();
    s.endpoint.send('b', s.endpoint.frame('a/1', 0, reply));
    expect(s.riders).toEqual(['b']);
    expect(s.below.sent).toEqual([{ to: 'b', frame: { epoch: 7, group: 'g', from: 'a/1', viewId: 0, body: reply } }]);
  });

  it('asks the owner first: nothing passes once it is gone; a joiner notes each seed that answered', () => {
    const s = groupSandwich();
    s.setPhase('gone');
    s.deliver(s.bytes({}));
    s.deliver(Uint8Array.of(1));
    expect(s.log).toEqual([]);
    expect(s.stats.framesMalformed).toBe(0);
    s.setPhase('joining');
    s.deliver(s.bytes({}));
    expect(s.log).toEqual(['seed b answered', 'stack <- leave-request from b/1 at b']);
  });

  it("hands the wire's peer signals to the current owner", () => {
    const s = groupSandwich();
    s.below.peerDown('c', 'refused');
    s.below.rejected('d', 'authentication failed');
    expect(s.log).toEqual(['peer down c refused', 'rejected d: authentication failed']);
  });

  it('routed as a connection: its kinds reach it, a kind for members is dropped, counted', () => {
    const clock = new ManualClock();
    const below = stubWire('c');
    const counters = { framesMalformed: 0, framesDropped: 0, framesOtherEpoch: 0 };
    const log: string[] = [];
    const endpoint = new Endpoint(below.wire, 'g', clock, counters);
    endpoint.attach({ me: 'c/c9', epoch: 0, arrived: () => true, acceptsAnyEpoch: () => true });
    endpoint.route(['view-notice', 'client-result', 'client-reject', 'reply'], recorder('connection', log));
    endpoint.open();
    below.deliver(
      'b',
      encodeFrame({ epoch: 7, group: 'g', from: 'b/1', viewId: 0, body: { type: 'view-notice', viewId: 5, members: ['b/1'] } }),
    );
    below.deliver('b', encodeFrame({ epoch: 7, group: 'g', from: 'b/1', viewId: 0, body: { ...reply, to: 'c/c9' } }));
    below.deliver('b', encodeFrame({ epoch: 7, group: 'g', from: 'b/1', viewId: 5, body: { type: 'leave-request' } }));
    below.deliver('b', Uint8Array.of(9, 9));
    expect(log).toEqual(['connection <- view-notice from b/1 at b', 'connection <- reply from b/1 at b']);
    expect(counters).toEqual({ framesMalformed: 1, framesDropped: 1, framesOtherEpoch: 0 });
  });

  it('a GroupConnection takes its frames through the endpoint: a view-notice opens it, garbage and other groups do not', async () => {
    const clock = new ManualClock();
    const below = stubWire('c');
    const opening = GroupConnection.open('g', { wire: below.wire, seeds: ['b'], clock, random: seededRandom(1) });
    const query = below.sent[0]!;
    expect(query).toMatchObject({ to: 'b', frame: { epoch: 0, group: 'g', viewId: 0, body: { type: 'view-query' } } });
    const id = query.frame.from;
    below.deliver('b', Uint8Array.of(1, 2, 3));
    below.deliver(
      'b',
      encodeFrame({ epoch: 7, group: 'other', from: 'b/1', viewId: 0, body: { type: 'view-notice', viewId: 4, members: ['b/1'] } }),
    );
    below.deliver(
      'b',
      encodeFrame({ epoch: 7, group: 'g', from: 'b/1', viewId: 0, body: { type: 'view-notice', viewId: 5, members: ['b/1'] } }),
    );
    const connection = await opening;
    expect(connection.id).toBe(id);
    expect(connection.view).toEqual({ id: 5, members: ['b/1'], coordinator: 'b/1' });
    await connection.close();
  });
});
