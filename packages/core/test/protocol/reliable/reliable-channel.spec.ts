import { describe, expect, it } from '@jest/globals';
import { seededRandom } from '../../../src/env/random.js';
import { ReliableChannel } from '../../../src/protocol/reliable/reliable-channel.js';
import { NAK_SEQS_MAX } from '../../../src/protocol/reliable/reliable.header.js';
import type { DataMessage, View } from '../../../src/protocol/types.js';

/**
 * Sandwich: one ReliableChannel; the test plays the wire below (receive, onHeartbeat) and
 * records above what takeDeliverable hands up.
 */
const view: View = { id: 3, members: ['a/1', 'b/1', 'c/1'] };
const A = 0;
const B = 1;
const C = 2;

const msg = (senderRank: number, seq: number): DataMessage => ({
  sender: view.members[senderRank]!,
  viewId: view.id,
  seq,
  topic: `t${senderRank}`,
  payload: Uint8Array.of(senderRank, seq & 0xff),
});

const label = (m: DataMessage): string => `${m.sender}#${m.seq}`;

class Recorder {
  readonly delivered: string[] = [];
  constructor(private readonly channel: ReliableChannel) {}
  /** Pulls what the channel can deliver now, as the member does after every input. */
  pull(): string[] {
    const batch = this.channel.takeDeliverable().map(label);
    this.delivered.push(...batch);
    return batch;
  }
}

/** Channel at member `myRank` with a recorder on top. */
function sandwich(myRank = A): { channel: ReliableChannel; above: Recorder } {
  const channel = new ReliableChannel(view, myRank);
  return { channel, above: new Recorder(channel) };
}

const heldLabels = (channel: ReliableChannel): string[] => channel.held().map(label).sort();

describe('ReliableChannel: FIFO delivery', () => {
  it('delivers each sender’s messages in seq order although they arrive out of order', () => {
    const { channel, above } = sandwich();
    for (const seq of [3, 1, 4, 2]) {
      channel.receive(B, msg(B, seq));
      above.pull();
    }
    expect(above.delivered).toEqual(['b/1#1', 'b/1#2', 'b/1#3', 'b/1#4']);
  });

  it('holds back a message until the gap before it is filled', () => {
    const { channel, above } = sandwich();
    channel.receive(B, msg(B, 2));
    expect(above.pull()).toEqual([]);
    channel.receive(B, msg(B, 1));
    expect(above.pull()).toEqual(['b/1#1', 'b/1#2']);
  });

  it('does not let a gap in one sender hold back another sender', () => {
    const { channel, above } = sandwich();
    channel.receive(B, msg(B, 2));
    channel.receive(C, msg(C, 1));
    expect(above.pull()).toEqual(['c/1#1']);
  });

  it('delivers a duplicate only once and reports it as not fresh', () => {
    const { channel, above } = sandwich();
    expect(channel.receive(B, msg(B, 1))).toBe(true);
    above.pull();
    expect(channel.receive(B, msg(B, 1))).toBe(false);
    channel.receive(B, msg(B, 2));
    expect(channel.receive(B, msg(B, 2))).toBe(false);
    above.pull();
    expect(above.delivered).toEqual(['b/1#1', 'b/1#2']);
  });

  it('delivers every message exactly once, in order, under random reordering and duplication', () => {
    const random = seededRandom(7);
    for (let run = 0; run < 50; run++) {
      const { channel, above } = sandwich();
      const input: DataMessage[] = [];
      for (const rank of [A, B, C]) for (let seq = 1; seq <= 30; seq++) input.push(msg(rank, seq));
      for (let i = 0; i < 40; i++) input.push(input[random.int(input.length)]!);
      for (let i = input.length - 1; i > 0; i--) {
        const j = random.int(i + 1);
        [input[i], input[j]] = [input[j]!, input[i]!];
      }
      for (const m of input) {
        channel.receive(view.members.indexOf(m.sender), m);
        above.pull();
      }
      for (const member of view.members) {
        expect(above.delivered.filter((l) => l.startsWith(member))).toEqual(Array.from({ length: 30 }, (_, i) => `${member}#${i + 1}`));
      }
    }
  });

  it('sequences its own multicasts from 1 in this view and delivers them to itself in order', () => {
    const { channel, above } = sandwich(B);
    const first = channel.sequence('x', Uint8Array.of(1));
    const second = channel.sequence('y', Uint8Array.of(2));
    expect([first.seq, second.seq, channel.sentHigh]).toEqual([1, 2, 2]);
    expect(first).toMatchObject({ sender: 'b/1', viewId: 3, topic: 'x' });
    expect(above.pull()).toEqual(['b/1#1', 'b/1#2']);
  });
});

describe('ReliableChannel: gap detection and retransmission', () => {
  it('reports nothing missing while it has no reason to think more was sent', () => {
    const { channel } = sandwich();
    channel.receive(B, msg(B, 1));
    expect(channel.missingFrom(B)).toEqual([]);
  });

  it('reports the gap below a message that arrived early', () => {
    const { channel } = sandwich();
    channel.receive(B, msg(B, 1));
    channel.receive(B, msg(B, 4));
    expect(channel.missingFrom(B)).toEqual([2, 3]);
  });

  it('reports lost trailing messages once a heartbeat advertises them', () => {
    const { channel } = sandwich();
    channel.receive(B, msg(B, 1));
    channel.onHeartbeat(B, 3, [0, 3, 0]);
    expect(channel.missingFrom(B)).toEqual([2, 3]);
    expect(channel.missingFrom(C)).toEqual([]);
  });

  it('stops reporting a message once its retransmission arrives', () => {
    const { channel, above } = sandwich();
    channel.onHeartbeat(B, 2, [0, 2, 0]);
    channel.receive(B, msg(B, 2));
    expect(channel.missingFrom(B)).toEqual([1]);
    channel.receive(B, msg(B, 1));
    expect(channel.missingFrom(B)).toEqual([]);
    expect(above.pull()).toEqual(['b/1#1', 'b/1#2']);
  });

  it(`asks for at most ${NAK_SEQS_MAX} messages at once, the oldest first`, () => {
    const { channel } = sandwich();
    channel.onHeartbeat(C, 2_000, [0, 0, 2_000]);
    const missing = channel.missingFrom(C);
    expect(missing).toHaveLength(NAK_SEQS_MAX);
    expect(missing[0]).toBe(1);
    expect(missing[NAK_SEQS_MAX - 1]).toBe(NAK_SEQS_MAX);
  });

  it('answers a NAK with those of its own messages it still holds, and nothing of others', () => {
    const { channel } = sandwich(A);
    channel.sequence('x', Uint8Array.of(1));
    channel.sequence('y', Uint8Array.of(2));
    channel.receive(B, msg(B, 1));
    const found = channel.ownMessages([2, 1, 5]);
    expect(found.map((m) => [m.sender, m.seq, m.topic])).toEqual([
      ['a/1', 2, 'y'],
      ['a/1', 1, 'x'],
    ]);
  });

  it('no longer answers a NAK for own messages that became stable and were collected', () => {
    const { channel, above } = sandwich(A);
    channel.sequence('x', Uint8Array.of(1));
    channel.sequence('y', Uint8Array.of(2));
    above.pull();
    channel.onHeartbeat(B, 0, [1, 0, 0]);
    channel.onHeartbeat(C, 0, [1, 0, 0]);
    expect(channel.ownMessages([1, 2]).map((m) => m.seq)).toEqual([2]);
  });
});

describe('ReliableChannel: stability and garbage collection', () => {
  /** Member A has delivered B's messages 1..n. */
  function holdingFromB(n: number): { channel: ReliableChannel; above: Recorder } {
    const s = sandwich(A);
    for (let seq = 1; seq <= n; seq++) s.channel.receive(B, msg(B, seq));
    s.above.pull();
    return s;
  }

  it('keeps a message until every member has acked it', () => {
    const { channel } = holdingFromB(3);
    channel.onHeartbeat(B, 3, [0, 3, 0]);
    expect(heldLabels(channel)).toEqual(['b/1#1', 'b/1#2', 'b/1#3']);
    channel.onHeartbeat(C, 0, [0, 2, 0]);
    expect(heldLabels(channel)).toEqual(['b/1#3']);
    channel.onHeartbeat(C, 0, [0, 3, 0]);
    expect(heldLabels(channel)).toEqual([]);
    expect(channel.heldCount()).toBe(0);
  });

  it('keeps a message every member acked until it is delivered here', () => {
    const { channel, above } = sandwich(A);
    channel.receive(B, msg(B, 1));
    channel.receive(B, msg(B, 2));
    // Not pulled yet: received but not delivered.
    channel.onHeartbeat(B, 2, [2, 2, 2]);
    channel.onHeartbeat(C, 0, [2, 2, 2]);
    expect(heldLabels(channel)).toEqual(['b/1#1', 'b/1#2']);
    expect(above.pull()).toEqual(['b/1#1', 'b/1#2']);
    // Collection happens on the next heartbeat.
    channel.onHeartbeat(C, 0, [2, 2, 2]);
    expect(heldLabels(channel)).toEqual([]);
  });

  it('counts only its own gap-free prefix as its ack, not messages beyond a gap', () => {
    const { channel, above } = sandwich(A);
    channel.receive(B, msg(B, 1));
    channel.receive(B, msg(B, 3));
    above.pull();
    channel.onHeartbeat(B, 3, [3, 3, 3]);
    channel.onHeartbeat(C, 0, [3, 3, 3]);
    expect(channel.digest()).toEqual([0, 1, 0]);
    expect(heldLabels(channel)).toEqual(['b/1#3']);
  });

  it('ignores an ack vector of the wrong length but still learns the advertised high', () => {
    const { channel } = holdingFromB(2);
    channel.onHeartbeat(B, 5, [2, 2]);
    channel.onHeartbeat(C, 0, [2, 2, 2, 2]);
    expect(heldLabels(channel)).toEqual(['b/1#1', 'b/1#2']);
    expect(channel.missingFrom(B)).toEqual([3, 4, 5]);
  });

  it('does not bring back collected messages on an older, lower ack vector', () => {
    const { channel } = holdingFromB(2);
    channel.onHeartbeat(B, 2, [0, 2, 0]);
    channel.onHeartbeat(C, 0, [0, 2, 0]);
    expect(channel.heldCount()).toBe(0);
    channel.onHeartbeat(C, 0, [0, 1, 0]);
    expect(channel.heldCount()).toBe(0);
    expect(channel.receive(B, msg(B, 2))).toBe(false);
  });

  it('holds exactly the messages not yet both stable and delivered, across all senders', () => {
    const { channel, above } = sandwich(A);
    channel.sequence('mine', Uint8Array.of(0));
    channel.sequence('mine', Uint8Array.of(0));
    for (const seq of [1, 2, 3]) channel.receive(B, msg(B, seq));
    channel.receive(C, msg(C, 2));
    above.pull();
    channel.onHeartbeat(B, 3, [1, 3, 0]);
    channel.onHeartbeat(C, 2, [2, 1, 0]);
    // Stable: a#1 (min of 2,1,1), b#1 (min of 3,3,1); c#2 is beyond a gap.
    expect(heldLabels(channel)).toEqual(['a/1#2', 'b/1#2', 'b/1#3', 'c/1#2']);
    expect(channel.heldCount()).toBe(4);
  });

  it('gives as its digest what it holds of each sender without a gap, including itself', () => {
    const { channel } = sandwich(C);
    channel.sequence('x', Uint8Array.of(1));
    for (const seq of [1, 2, 4]) channel.receive(A, msg(A, seq));
    channel.receive(B, msg(B, 2));
    expect(channel.digest()).toEqual([2, 0, 1]);
  });

  it('keeps its digest as the flush needs it after messages were collected', () => {
    const { channel } = holdingFromB(3);
    channel.onHeartbeat(B, 3, [0, 3, 0]);
    channel.onHeartbeat(C, 0, [0, 3, 0]);
    expect(channel.heldCount()).toBe(0);
    expect(channel.digest()).toEqual([0, 3, 0]);
  });

  it('acks in heartbeats what it holds without a gap, until it freezes its acks', () => {
    const { channel } = sandwich(A);
    channel.receive(B, msg(B, 1));
    expect(channel.ackVector()).toEqual([0, 1, 0]);
    channel.freezeAcks();
    channel.receive(B, msg(B, 2));
    channel.receive(C, msg(C, 1));
    // The flush digest moves on; the ack others collect by stays where it was at the promise.
    expect(channel.digest()).toEqual([0, 2, 1]);
    expect(channel.ackVector()).toEqual([0, 1, 0]);
  });

  it('keeps the acks of the first freeze when frozen again', () => {
    const { channel } = sandwich(A);
    channel.receive(B, msg(B, 1));
    channel.freezeAcks();
    channel.receive(B, msg(B, 2));
    channel.freezeAcks();
    expect(channel.ackVector()).toEqual([0, 1, 0]);
  });

  it('lets no member drop a message on the strength of an ack given after a freeze', () => {
    const a = new ReliableChannel(view, A);
    const b = new ReliableChannel(view, B);
    const c = new ReliableChannel(view, C);
    const m1 = a.sequence('x', Uint8Array.of(1));
    a.takeDeliverable();
    b.freezeAcks();
    b.receive(A, m1);
    c.receive(A, m1);
    for (const from of [b, c]) a.onHeartbeat(from.myRank, from.sentHigh, from.ackVector());
    expect(a.ownMessages([1])).toHaveLength(1);
  });

  it('maps members to ranks and knows no one outside the view', () => {
    const { channel } = sandwich();
    expect(view.members.map((m) => channel.rankOf(m))).toEqual([0, 1, 2]);
    expect(channel.rankOf('stranger/1')).toBeUndefined();
  });
});
