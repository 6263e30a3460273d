import { decodeFrame } from '../../src/protocol/frames.js';
import type { PeerDownListener, Wire } from '../../src/wire/wire.js';
import { closeAll, harness } from '../support/sim-group.js';

afterEach(closeAll);

/** A wire that keeps a copy of every join-request it sends, as an eavesdropper would. */
function recording(wire: Wire, captured: { to: string; frame: Uint8Array }[]): Wire {
  return {
    address: wire.address,
    clock: wire.clock,
    random: wire.random,
    send(to, frame) {
      if (decodeFrame(frame).body.type === 'join-request') captured.push({ to, frame: frame.slice() });
      wire.send(to, frame);
    },
    onFrame: (receiver) => wire.onFrame(receiver),
    ...(wire.onPeerDown ? { onPeerDown: (listener: PeerDownListener) => wire.onPeerDown!(listener) } : {}),
    close: () => wire.close(),
  };
}

describe('join-requests replayed from dead incarnations', () => {
  it('admit nobody and suspect nobody: the group keeps its view and goes on', async () => {
    const h = harness({ seed: 61 });
    const [a, b] = await h.form(['a', 'b']);
    const captured: { to: string; frame: Uint8Array }[] = [];
    // c joins, recorded; crashes; a new incarnation of c joins again.
    const first = await h.join('c', ['a'], { wire: recording(h.net.wire('c'), captured) });
    await h.settle(['a', 'b', 'c']);
    const dead = first.me;
    h.crash('c');
    await h.net.runUntil(() => a!.view.members.length === 2, { timeoutMs: 5_000 });
    const second = await h.join('c', ['a']);
    await h.settle(['a', 'b', 'c']);
    const viewBefore = a!.view.id;
    expect(captured.length).toBeGreaterThan(0);

    // An attacker replays everything the first incarnation sent to join, several times over.
    const attacker = h.net.wire('attacker');
    for (let round = 0; round < 3; round++) for (const { to, frame } of captured) attacker.send(to, frame);
    await h.net.runUntil(() => false, { timeoutMs: 2_000 });

    for (const g of [a!, b!, second]) {
      expect(g.view.members).not.toContain(dead);
      expect(g.view.members).toHaveLength(3);
    }
    expect(a!.view.id).toBe(viewBefore);
    const got: unknown[] = [];
    second.handle('t', (p) => {
      got.push(p);
    });
    await b!.fbcast('t', 'still a group');
    await h.net.runUntil(() => got.length === 1, { timeoutMs: 5_000 });
    expect(got).toEqual(['still a group']);
  });
});
