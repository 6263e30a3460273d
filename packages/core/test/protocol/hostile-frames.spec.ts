import { decodeFrame, encodeFrame } from '../../src/protocol/frames.js';
import type { Group } from '../../src/group.js';
import { checkHistory } from '../../src/testing/checker/history-checker.js';
import type { PeerDownListener, Wire } from '../../src/wire/wire.js';
import { closeAll, harness, type SimGroupHarness } from '../support/sim-group.js';

afterEach(closeAll);

/** A wire that keeps a copy of every install and welcome it receives, as an eavesdropper would. */
function recording(wire: Wire, captured: Uint8Array[]): Wire {
  return {
    address: wire.address,
    clock: wire.clock,
    random: wire.random,
    send: (to, frame) => wire.send(to, frame),
    onFrame: (receiver) =>
      wire.onFrame((from, frame) => {
        const type = decodeFrame(frame).body.type;
        if (type === 'install' || type === 'welcome') captured.push(frame.slice());
        receiver(from, frame);
      }),
    ...(wire.onPeerDown ? { onPeerDown: (listener: PeerDownListener) => wire.onPeerDown!(listener) } : {}),
    close: () => wire.close(),
  };
}

function errorsOf(groups: Group[]): { code: string; message: string }[][] {
  return groups.map((g) => {
    const seen: { code: string; message: string }[] = [];
    g.on('error', (error) => seen.push(error as { code: string; message: string }));
    return seen;
  });
}

async function stillDelivers(h: SimGroupHarness, groups: Group[]): Promise<void> {
  const got = groups.map(() => [] as unknown[]);
  groups.forEach((g, i) =>
    g.handle('after', (p) => {
      got[i]!.push(p);
    }),
  );
  await groups[0]!.abcast('after', 'still a group');
  await h.net.runUntil(() => got.every((g) => g.length === 1), { timeoutMs: 5_000 });
  expect(got).toEqual(groups.map(() => ['still a group']));
}

describe('hostile and stale frames (issue 11)', () => {
  it('install and welcome frames recorded from an earlier incarnation of the group are dropped by a re-formed one', async () => {
    const h = harness({ seed: 81 });
    const captured: Uint8Array[] = [];
    await h.join('a', []);
    await h.join('b', ['a'], { wire: recording(h.net.wire('b'), captured) });
    await h.join('c', ['a']);
    await h.settle(['a', 'b', 'c']);
    // c is killed and restarted: views 3 and 4 are installed, and b records their frames.
    h.crash('c');
    await h.net.runUntil(() => h.group('a').view.members.length === 2, { timeoutMs: 10_000 });
    await h.join('c', ['a']);
    await h.settle(['a', 'b', 'c']);
    expect(captured.length).toBeGreaterThan(0);
    const oldEpoch = h.group('a').epoch;
    for (const name of ['a', 'b', 'c']) h.crash(name);

    // Everyone restarts with the same configuration: a new group, views 1, 2, 3 again.
    const fresh = new (h.constructor as new (net: typeof h.net) => SimGroupHarness)(h.net);
    const groups = await fresh.form(['a', 'b', 'c']);
    expect(groups[0]!.epoch).not.toBe(oldEpoch);
    const viewBefore = groups[0]!.view.id;
    const attacker = h.net.wire('attacker');
    for (let round = 0; round < 3; round++) for (const frame of captured) for (const to of ['a', 'b', 'c']) attacker.send(to, frame);
    await h.net.sleep(2_000);

    for (const g of groups) {
      expect(g.view.id).toBe(viewBefore);
      expect(g.view.members).toHaveLength(3);
      expect(g.status.state).toBe('member');
    }
    expect(groups.reduce((n, g) => n + g.stats.framesOtherEpoch, 0)).toBeGreaterThan(0);
    await stillDelivers(fresh, groups);
    expect(checkHistory(fresh.recorder.events, { quiescent: true })).toEqual([]);
  });

  it('a prepare of round 2^53-1 from a member is dropped, reported, and the group goes on changing views', async () => {
    const h = harness({ seed: 82 });
    const groups = await h.form(['a', 'b', 'c']);
    const errors = errorsOf(groups);
    const b = groups[1]!;
    const prepare = encodeFrame({
      epoch: b.epoch,
      group: 'g',
      from: b.me,
      viewId: b.view.id,
      body: { type: 'prepare', ballot: { round: 2 ** 53 - 1, rank: 1 } },
    });
    const insider = h.net.wire('insider');
    for (const to of ['a', 'c']) insider.send(to, prepare);
    // A ballot within range but far above what was seen is not believed either.
    const far = encodeFrame({
      epoch: b.epoch,
      group: 'g',
      from: b.me,
      viewId: b.view.id,
      body: { type: 'prepare', ballot: { round: 1_000_000, rank: 1 } },
    });
    for (const to of ['a', 'c']) insider.send(to, far);
    await h.net.sleep(200);
    expect(groups[0]!.stats.framesMalformed + groups[0]!.stats.framesRejected).toBeGreaterThanOrEqual(2);
    expect(errors[0]!.map((e) => e.code)).toContain('FRAME_REJECTED');
    // A view change still completes: d joins.
    await h.join('d', ['a']);
    await h.settle(['a', 'b', 'c', 'd']);
    await stillDelivers(h, [...groups, h.group('d')]);
  });

  it('a forged install whose cut cannot apply is dropped and reported, not swallowed', async () => {
    const h = harness({ seed: 83 });
    const groups = await h.form(['a', 'b', 'c']);
    const errors = errorsOf(groups);
    const [a, b] = groups;
    const view = b!.view;
    const install = encodeFrame({
      epoch: b!.epoch,
      group: 'g',
      from: a!.me,
      viewId: view.id,
      body: { type: 'install', value: { viewId: view.id + 1, members: [a!.me, b!.me], targets: [5, 0, 0], messages: [] } },
    });
    h.net.wire('insider').send('b', install);
    await h.net.sleep(200);
    expect(b!.stats.framesRejected).toBe(1);
    expect(errors[1]!.map((e) => e.code)).toEqual(['FRAME_REJECTED']);
    expect(errors[1]![0]!.message).toMatch(/install: message 0:1 of its cut is neither held here nor carried/);
    expect(b!.view.id).toBe(view.id);
    await stillDelivers(h, groups);
    expect(checkHistory(h.recorder.events, { quiescent: true })).toEqual([]);
  });

  it("a joiner's stand-in votes only under its admitting coordinator's epoch: a prepare replayed from another epoch is dropped", async () => {
    const h = harness({ seed: 84 });
    // x plays a coordinator: it answers the joiner's request with a challenge under epoch 5.
    const x = h.net.wire('x');
    const xId = 'x/1';
    const heard: { epoch: number; type: string }[] = [];
    let joinerId = '';
    x.onFrame((_from, bytes) => {
      const frame = decodeFrame(bytes);
      heard.push({ epoch: frame.epoch ?? 0, type: frame.body.type });
      if (frame.body.type === 'join-request' && !joinerId) {
        joinerId = frame.from;
        x.send(
          'j',
          encodeFrame({ epoch: 5, group: 'g', from: xId, viewId: 3, body: { type: 'join-pending', coordinator: xId, nonce: 7, round: 2 } }),
        );
      }
    });
    const joining = h.join('j', ['x']).catch((error: unknown) => error);
    await h.net.runUntil(() => joinerId !== '', { timeoutMs: 5_000 });
    await h.net.sleep(100);
    const prepare = (epoch: number): Uint8Array =>
      encodeFrame({ epoch, group: 'g', from: xId, viewId: 3, body: { type: 'prepare', ballot: { round: 3, rank: 0 } } });
    heard.length = 0;
    // Recorded from an earlier life of the group (epoch 9): no promise.
    x.send('j', prepare(9));
    await h.net.sleep(100);
    expect(heard.filter((f) => f.type === 'promise')).toEqual([]);
    // The admitting coordinator's own epoch: the stand-in promises.
    x.send('j', prepare(5));
    await h.net.runUntil(() => heard.some((f) => f.type === 'promise'), { timeoutMs: 2_000 });
    expect(heard.filter((f) => f.type === 'promise')).toHaveLength(1);
    // x never welcomes it: the join ends by its timeout, as any join no coordinator completes.
    let outcome: unknown = null;
    void joining.then((error) => {
      outcome = error;
    });
    await h.net.runUntil(() => outcome !== null, { timeoutMs: 15_000 });
    expect(outcome).toMatchObject({ code: 'JOIN_TIMEOUT' });
  });
});
