import { describe, expect, it } from '@jest/globals';
import { seededRandom } from '../../../src/env/random.js';
import { computeFlushValue } from '../../../src/protocol/membership/flush-value.js';
import type { FlushValue, HeldMessage, PromiseBody } from '../../../src/protocol/membership/membership.header.js';
import { ReliableChannel } from '../../../src/protocol/reliable/reliable-channel.js';
import type { MemberId, View } from '../../../src/protocol/types.js';

const view: View = { id: 4, members: ['a/1', 'b/1', 'c/1'] };
const [A, B, C] = view.members as [MemberId, MemberId, MemberId];
const C_RANK = 2;
const BALLOT = { round: 1, rank: 0 };

/** The message `seq` of the sender of rank `senderRank`; its payload names it, so copies compare equal. */
const heldMessage = (senderRank: number, seq: number): HeldMessage => ({
  senderRank,
  seq,
  topic: `t${senderRank}`,
  payload: Uint8Array.of(senderRank, seq),
});

/** A promise with this digest, holding the listed [senderRank, seq] messages. */
function promise(digest: readonly number[], held: readonly (readonly [number, number])[]): PromiseBody {
  return { type: 'promise', ballot: BALLOT, digest, held: held.map(([rank, seq]) => heldMessage(rank, seq)), accepted: null };
}

/** Messages 1..n of a sender (what a respondent with digest n holds when nothing was collected). */
const upTo = (senderRank: number, n: number): [number, number][] => Array.from({ length: n }, (_, i) => [senderRank, i + 1]);

const carried = (value: FlushValue): string[] => value.messages.map((m) => `${m.senderRank}:${m.seq}`).sort();

describe('computeFlushValue', () => {
  it('proposes the next view id and members, with a target for every old member by rank', () => {
    const promises = new Map([
      [A, promise([0, 0, 0], [])],
      [B, promise([0, 0, 0], [])],
    ]);
    const value = computeFlushValue(view, promises, [A, B, 'd/1']);
    expect(value).toEqual({ viewId: 5, members: [A, B, 'd/1'], targets: [0, 0, 0], messages: [] });
  });

  it('carries nothing when every member staying already holds the cut', () => {
    const promises = new Map([
      [A, promise([2, 1, 0], [...upTo(0, 2), ...upTo(1, 1)])],
      [B, promise([2, 1, 0], [...upTo(0, 2), ...upTo(1, 1)])],
      [C, promise([2, 1, 0], [...upTo(0, 2), ...upTo(1, 1)])],
    ]);
    const value = computeFlushValue(view, promises, [A, B, C]);
    expect(value.targets).toEqual([2, 1, 0]);
    expect(value.messages).toEqual([]);
  });

  it('cuts each sender at the highest digest any respondent reports', () => {
    const promises = new Map([
      [A, promise([1, 0, 3], [...upTo(0, 1), ...upTo(2, 3)])],
      [B, promise([4, 0, 1], [...upTo(0, 4), ...upTo(2, 1)])],
    ]);
    expect(computeFlushValue(view, promises, [A, B]).targets).toEqual([4, 0, 3]);
  });

  it('extends the cut over messages held beyond a gap when another respondent fills the gap', () => {
    // A holds b#1..2 and b#4 (missing 3); B holds b#1..3. Together: 1..4 without a hole.
    const promises = new Map([
      [A, promise([0, 2, 0], [...upTo(1, 2), [1, 4]])],
      [B, promise([0, 3, 0], upTo(1, 3))],
    ]);
    const value = computeFlushValue(view, promises, [A, B]);
    expect(value.targets[1]).toBe(4);
    expect(carried(value)).toEqual(['1:3', '1:4']);
  });

  it('cuts off every message beyond a hole that no respondent holds', () => {
    // c crashed having sent 1..6; survivors hold 1, 2, 4 and 6 of them: 3 is lost, so 4 and 6 must go too.
    const promises = new Map([
      [A, promise([0, 0, 2], [...upTo(2, 2), [2, 4]])],
      [
        B,
        promise(
          [0, 0, 1],
          [
            [2, 1],
            [2, 6],
          ],
        ),
      ],
    ]);
    const value = computeFlushValue(view, promises, [A, B]);
    expect(value.targets[2]).toBe(2);
    expect(carried(value)).toEqual(['2:2']);
  });

  it('carries exactly the messages above the lowest digest among staying members, once each', () => {
    const promises = new Map([
      [A, promise([0, 0, 5], upTo(2, 5))],
      [B, promise([0, 0, 2], upTo(2, 2))],
      [C, promise([0, 0, 4], upTo(2, 4))],
    ]);
    const value = computeFlushValue(view, promises, [A, B, C]);
    expect(value.targets[2]).toBe(5);
    expect(carried(value)).toEqual(['2:3', '2:4', '2:5']);
    expect(value.messages.find((m) => m.seq === 3)).toEqual(heldMessage(2, 3));
  });

  it('counts what a leaver holds toward the cut but does not carry messages only the leaver lacks', () => {
    // b is leaving: it answered, so its messages count, but it will not apply the cut.
    const promises = new Map([
      [A, promise([0, 3, 0], upTo(1, 3))],
      [B, promise([0, 4, 0], upTo(1, 4))],
      [C, promise([0, 1, 0], upTo(1, 1))],
    ]);
    const withLeaver = computeFlushValue(view, promises, [A, B]);
    expect(withLeaver.targets[1]).toBe(4);
    expect(carried(withLeaver)).toEqual(['1:4']);
    expect(withLeaver.members).toEqual([A, B]);
  });

  it('lets a leaver’s messages reach the members staying', () => {
    const promises = new Map([
      [A, promise([0, 1, 0], upTo(1, 1))],
      [B, promise([0, 3, 0], upTo(1, 3))],
    ]);
    const value = computeFlushValue(view, promises, [A]);
    expect(value.targets[1]).toBe(3);
    expect(carried(value)).toEqual(['1:2', '1:3']);
  });

  it('ignores joiners when deciding what to carry: they start with the next view', () => {
    const promises = new Map([
      [A, promise([2, 0, 0], upTo(0, 2))],
      [B, promise([2, 0, 0], upTo(0, 2))],
    ]);
    const value = computeFlushValue(view, promises, [A, B, 'd/1', 'e/1']);
    expect(value.members).toEqual([A, B, 'd/1', 'e/1']);
    expect(value.targets).toEqual([2, 0, 0]);
    expect(value.messages).toEqual([]);
  });

  it('ignores a member that did not answer when deciding what to carry', () => {
    // c did not promise; it is listed in the next view only if the caller says so, and even then
    // nothing is known of what it lacks.
    const promises = new Map([
      [A, promise([0, 2, 0], upTo(1, 2))],
      [B, promise([0, 2, 0], upTo(1, 2))],
    ]);
    const value = computeFlushValue(view, promises, [A, B, C]);
    expect(value.messages).toEqual([]);
  });

  it('needs no copy of messages below every staying member’s digest, even if respondents dropped them', () => {
    // Messages 1..3 of a are stable and were collected everywhere; only 4..5 are still held.
    const promises = new Map([
      [
        A,
        promise(
          [5, 0, 0],
          [
            [0, 4],
            [0, 5],
          ],
        ),
      ],
      [B, promise([3, 0, 0], [])],
    ]);
    const value = computeFlushValue(view, promises, [A, B]);
    expect(value.targets[0]).toBe(5);
    expect(carried(value)).toEqual(['0:4', '0:5']);
  });

  it('gives every staying member all it lacks up to the cut, over 500 random holdings', () => {
    const random = seededRandom(2024);
    const problems: string[] = [];
    for (let run = 0; run < 500; run++) {
      const size = 2 + random.int(4);
      const members = Array.from({ length: size }, (_, i) => `m${i}/1`);
      const runView: View = { id: 10, members };
      // Each sender sent some messages; a prefix of them may be stable and collected.
      const sent = members.map(() => random.int(8));
      const stable = sent.map((n) => random.int(n + 1));
      const respondents = members.filter(() => random.next() < 0.8);
      if (respondents.length === 0) continue;
      const holdings = new Map<MemberId, Set<string>>();
      const promises = new Map<MemberId, PromiseBody>();
      for (const member of respondents) {
        const held: [number, number][] = [];
        const has = new Set<string>();
        const digest = sent.map((n, rank) => {
          const d = stable[rank]! + random.int(n - stable[rank]! + 1);
          const collected = random.int(stable[rank]! + 1);
          for (let seq = 1; seq <= n; seq++) {
            if (seq > d && random.next() >= 0.4) continue;
            has.add(`${rank}:${seq}`);
            if (seq > collected) held.push([rank, seq]);
          }
          return d;
        });
        holdings.set(member, has);
        promises.set(member, promise(digest, held));
      }
      const staying = respondents.filter(() => random.next() < 0.8);
      const value = computeFlushValue(runView, promises, [...staying, 'joiner/1']);

      const fail = (what: string): void => {
        problems.push(`run ${run}: ${what}`);
      };
      const anyHolds = (key: string): boolean => [...holdings.values()].some((has) => has.has(key));
      const carriedKeys = new Set(carried(value));
      if (carriedKeys.size !== value.messages.length) fail('a message is carried twice');
      sent.forEach((n, rank) => {
        const target = value.targets[rank]!;
        // The cut is the longest prefix in which some respondent holds every message...
        for (let seq = 1; seq <= target; seq++) if (!anyHolds(`${rank}:${seq}`)) fail(`cut ${rank}:${target} includes unheld ${seq}`);
        if (target < n && anyHolds(`${rank}:${target + 1}`)) fail(`cut ${rank}:${target} stops short of a held message`);
      });
      for (const m of value.messages) {
        if (m.seq > value.targets[m.senderRank]! || m.seq <= stable[m.senderRank]!) fail(`carries ${m.senderRank}:${m.seq} needlessly`);
        if (m.topic !== `t${m.senderRank}` || m.payload[0] !== m.senderRank || m.payload[1] !== m.seq)
          fail(`carries a wrong copy of ${m.senderRank}:${m.seq}`);
      }
      // ...and every staying member ends up holding all of it.
      for (const member of staying) {
        const has = holdings.get(member)!;
        const digest = promises.get(member)!.digest;
        value.targets.forEach((target, rank) => {
          for (let seq = digest[rank]! + 1; seq <= target; seq++) {
            const key = `${rank}:${seq}`;
            if (!has.has(key) && !carriedKeys.has(key)) fail(`${member} cannot reach ${key}`);
          }
        });
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('computeFlushValue on promises taken from reliable channels at different times', () => {
  /** The promise a member makes from its channel, as the acceptor does: acks frozen, then digest and held. */
  function promiseFrom(channel: ReliableChannel): PromiseBody {
    channel.freezeAcks();
    const held = channel.held().map((m) => ({ senderRank: channel.rankOf(m.sender)!, seq: m.seq, topic: m.topic, payload: m.payload }));
    return { type: 'promise', ballot: BALLOT, digest: channel.digest(), held, accepted: null };
  }

  /** One heartbeat from `from` to `to`, carrying what the member's heartbeats carry. */
  function heartbeat(from: ReliableChannel, to: ReliableChannel): void {
    to.onHeartbeat(from.myRank, from.sentHigh, from.ackVector());
  }

  it('keeps what the cut needs when a member that promised early receives and acks a message later', () => {
    const [a, b, c] = view.members.map((_, rank) => new ReliableChannel(view, rank)) as [ReliableChannel, ReliableChannel, ReliableChannel];
    // c multicasts 1..3; a and b receive 1 and 2 at once, 3 is still on its way.
    const sentByC = [1, 2, 3].map(() => c.sequence('t', Uint8Array.of(7)));
    c.takeDeliverable();
    for (const channel of [a, b]) {
      for (const m of sentByC.slice(0, 2)) channel.receive(C_RANK, m);
      channel.takeDeliverable();
    }
    // The view change starts: a and b promise at once (digest of c: 2).
    const early = new Map([
      [A, promiseFrom(a)],
      [B, promiseFrom(b)],
    ]);
    expect(early.get(A)!.digest[C_RANK]).toBe(2);
    // Message 3 reaches a and b after they promised (they hold it but, blocked, do not deliver it).
    // Their heartbeats reach c, which has delivered 1..3 as their sender.
    for (const channel of [a, b]) channel.receive(C_RANK, sentByC[2]!);
    expect(a.digest()[C_RANK]).toBe(3);
    for (const from of [a, b]) heartbeat(from, c);
    // Had those acks said 3, c would drop message 3 as stable and no promise would carry it.
    expect(c.held().map((m) => m.seq)).toContain(3);
    // c's prepare was delayed: it promises only now.
    const promises = new Map([...early, [C, promiseFrom(c)]]);

    let value: FlushValue | undefined;
    expect(() => {
      value = computeFlushValue(view, promises, [A, B, C]);
    }).not.toThrow();
    // c delivered 3 already, so the cut must include it; a and b must be able to reach it.
    expect(value!.targets[C_RANK]).toBe(3);
    for (const channel of [a, b]) {
      for (const m of value!.messages) {
        const sender = view.members[m.senderRank]!;
        channel.receive(m.senderRank, { sender, viewId: view.id, seq: m.seq, topic: m.topic, payload: m.payload });
      }
      const stream = channel.streams[C_RANK]!;
      for (let seq = stream.delivered + 1; seq <= 3; seq++) expect(stream.store.has(seq)).toBe(true);
    }
  });
});
