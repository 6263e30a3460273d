/**
 * Properties every Wire must have, whatever carries the frames. A spec file per wire runs
 * them with a factory that makes connected wires; only what holds for both the simulated and
 * the TCP wire is asserted (no ordering, no timing: a wire may delay and reorder).
 */
import { describe, expect, it } from '@jest/globals';
import type { Address, PeerDownReason, Wire } from '../../../src/wire/wire.js';

export interface WireFixture {
  readonly wires: Wire[];
  /** An address of the wires' kind that nothing listens on. */
  readonly unreachable: Address;
  /**
   * Lets the wires run until `predicate` holds; false if it still does not after a generous,
   * bounded wait (virtual time on the simulated network, polling on a real one).
   */
  until(predicate: () => boolean): Promise<boolean>;
  /** Closes whatever the fixture opened; called once per test, even after a failure. */
  cleanup(): Promise<void>;
  /**
   * Optional, for wires with onPeerDown: starts one more peer, which echoes every frame back to
   * its sender, and whose process can be crashed (SIGKILL of a child process over TCP,
   * network.crash on the simulated network). cleanup() disposes of it too.
   */
  crashablePeer?(): Promise<CrashablePeer>;
}

export interface CrashablePeer {
  readonly address: Address;
  /** Kills the peer's process abruptly (no orderly close); resolves once it is gone. */
  crash(): Promise<void>;
}

/** Makes `count` wires that can all reach each other. */
export type WireFactory = (count: number) => Promise<WireFixture>;

/** For the tests that move megabytes or ten thousand frames, on a busy machine. */
const HEAVY_TEST_TIMEOUT_MS = 30_000;

interface Received {
  from: Address;
  frame: Uint8Array;
}

function collect(wire: Wire): Received[] {
  const received: Received[] = [];
  wire.onFrame((from, frame) => received.push({ from, frame }));
  return received;
}

/** Deterministic bytes, different for every (seed, length). */
function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = (seed * 2_654_435_761) >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

interface Down {
  address: Address;
  reason: PeerDownReason;
}

function collectDowns(wire: Wire): Down[] {
  const downs: Down[] = [];
  wire.onPeerDown!((address, reason) => downs.push({ address, reason }));
  return downs;
}

function label(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function text(frame: Uint8Array): string {
  return new TextDecoder().decode(frame);
}

async function withFixture(factory: WireFactory, count: number, body: (fixture: WireFixture) => Promise<void>): Promise<void> {
  const fixture = await factory(count);
  try {
    await body(fixture);
  } finally {
    await fixture.cleanup();
  }
}

export function wireConformance(name: string, factory: WireFactory): void {
  describe(`Wire conformance: ${name}`, () => {
    it('delivers a frame intact between every ordered pair, reported from the sender address', async () => {
      await withFixture(factory, 4, async ({ wires, until }) => {
        const inboxes = wires.map(collect);
        wires.forEach((sender, i) =>
          wires.forEach((receiver, j) => {
            if (i !== j) sender.send(receiver.address, bytes(100 + 10 * i + j, i * 16 + j));
          }),
        );
        const expected = wires.length - 1;
        expect(await until(() => inboxes.every((inbox) => inbox.length >= expected))).toBe(true);
        inboxes.forEach((inbox, j) => {
          expect(inbox).toHaveLength(expected);
          for (const [i, sender] of wires.entries()) {
            if (i === j) continue;
            const got = inbox.filter((r) => r.from === sender.address);
            expect(got).toHaveLength(1);
            expect(Array.from(got[0]!.frame)).toEqual(Array.from(bytes(100 + 10 * i + j, i * 16 + j)));
          }
        });
      });
    });

    it('delivers an empty frame and a frame sent to its own address', async () => {
      await withFixture(factory, 2, async ({ wires: [a, b], until }) => {
        const atA = collect(a!);
        const atB = collect(b!);
        a!.send(b!.address, new Uint8Array(0));
        a!.send(a!.address, label('self'));
        expect(await until(() => atA.length === 1 && atB.length === 1)).toBe(true);
        expect(atB[0]!.frame.length).toBe(0);
        expect(atB[0]!.from).toBe(a!.address);
        expect(text(atA[0]!.frame)).toBe('self');
        expect(atA[0]!.from).toBe(a!.address);
      });
    });

    it('copies the frame at send: changing the buffer afterwards changes nothing', async () => {
      await withFixture(factory, 2, async ({ wires: [a, b], until }) => {
        const atB = collect(b!);
        const frame = label('before');
        a!.send(b!.address, frame);
        frame.set(label('AFTER!'));
        expect(await until(() => atB.length === 1)).toBe(true);
        expect(text(atB[0]!.frame)).toBe('before');
      });
    });

    it('does not throw for an unreachable or malformed destination, and keeps working', async () => {
      await withFixture(factory, 2, async ({ wires: [a, b], until, unreachable }) => {
        const atB = collect(b!);
        expect(() => a!.send(unreachable, label('lost'))).not.toThrow();
        expect(() => a!.send('no port here', label('lost'))).not.toThrow();
        expect(() => a!.send('', label('lost'))).not.toThrow();
        a!.send(b!.address, label('still works'));
        expect(await until(() => atB.length === 1)).toBe(true);
        expect(text(atB[0]!.frame)).toBe('still works');
      });
    });

    it('closes idempotently; a closed wire neither delivers nor throws on send', async () => {
      await withFixture(factory, 3, async ({ wires: [a, b, c], until }) => {
        const atB = collect(b!);
        const atC = collect(c!);
        await Promise.all([b!.close(), b!.close()]);
        await expect(b!.close()).resolves.toBeUndefined();
        expect(() => b!.send(a!.address, label('from the dead'))).not.toThrow();
        a!.send(b!.address, label('to the dead'));
        a!.send(c!.address, label('marker'));
        expect(await until(() => atC.length === 1)).toBe(true);
        expect(atB).toHaveLength(0);
      });
    });

    it('lets onFrame replace the receiver', async () => {
      await withFixture(factory, 2, async ({ wires: [a, b], until }) => {
        const first: string[] = [];
        const second: string[] = [];
        b!.onFrame((_from, frame) => first.push(text(frame)));
        a!.send(b!.address, label('one'));
        expect(await until(() => first.length === 1)).toBe(true);
        b!.onFrame((_from, frame) => second.push(text(frame)));
        a!.send(b!.address, label('two'));
        expect(await until(() => second.length === 1)).toBe(true);
        expect(first).toEqual(['one']);
        expect(second).toEqual(['two']);
      });
    });

    it(
      'reports a crashed peer it was talking to: "closed", then "refused" on the next send',
      async () => {
        await withFixture(factory, 1, async ({ wires: [a], until, crashablePeer }) => {
          if (a!.onPeerDown === undefined || crashablePeer === undefined) return; // optional feature
          const peer = await crashablePeer();
          const downs = collectDowns(a!);
          const echoes = collect(a!);
          a!.send(peer.address, label('ping'));
          expect(await until(() => echoes.length === 1)).toBe(true);
          expect(echoes[0]!.from).toBe(peer.address);
          expect(downs).toEqual([]);
          await peer.crash();
          expect(await until(() => downs.length > 0)).toBe(true);
          expect(downs).toEqual([{ address: peer.address, reason: 'closed' }]);
          a!.send(peer.address, label('anyone there?'));
          expect(await until(() => downs.some((d) => d.reason === 'refused'))).toBe(true);
          expect(downs.filter((d) => d.reason === 'closed')).toHaveLength(1);
          expect(downs.every((d) => d.address === peer.address)).toBe(true);
        });
      },
      HEAVY_TEST_TIMEOUT_MS,
    );

    it('does not report an orderly close() as a peer down', async () => {
      await withFixture(factory, 3, async ({ wires: [a, b, c], until }) => {
        if (a!.onPeerDown === undefined) return; // optional feature
        const downsA = collectDowns(a!);
        const downsC = collectDowns(c!);
        const atA = collect(a!);
        const atB = collect(b!);
        c!.onFrame((from, frame) => c!.send(from, frame));
        a!.send(b!.address, label('to b'));
        b!.send(a!.address, label('to a'));
        b!.send(c!.address, label('to c')); // c echoes it: b and c are connected too
        expect(await until(() => atA.length === 1 && atB.length === 2)).toBe(true);
        await b!.close();
        // A round trip through c after the close gives a late report time to show up.
        a!.send(c!.address, label('echo'));
        expect(await until(() => atA.some((r) => text(r.frame) === 'echo'))).toBe(true);
        expect(downsA).toEqual([]);
        expect(downsC).toEqual([]);
      });
    });

    it(
      'delivers large frames (256 KiB) intact',
      async () => {
        await withFixture(factory, 2, async ({ wires: [a, b], until }) => {
          const atB = collect(b!);
          const sizes = [256 * 1024, 256 * 1024 + 1, 1];
          sizes.forEach((size, k) => a!.send(b!.address, bytes(size, 1000 + k)));
          expect(await until(() => atB.length === sizes.length)).toBe(true);
          const bySize = new Map(atB.map((r) => [r.frame.length, r.frame]));
          sizes.forEach((size, k) => {
            const got = bySize.get(size);
            expect(got).toBeDefined();
            expect(Buffer.from(got!).equals(Buffer.from(bytes(size, 1000 + k)))).toBe(true);
          });
        });
      },
      HEAVY_TEST_TIMEOUT_MS,
    );

    it(
      'delivers every one of 10,000 small frames exactly once',
      async () => {
        await withFixture(factory, 2, async ({ wires: [a, b], until }) => {
          const count = 10_000;
          const seen = new Uint32Array(count);
          let received = 0;
          let foreign = 0;
          b!.onFrame((from, frame) => {
            if (from !== a!.address || frame.length !== 4) foreign++;
            else seen[Buffer.from(frame).readUInt32BE(0)]! += 1;
            received++;
          });
          for (let i = 0; i < count; i++) {
            const frame = new Uint8Array(4);
            new DataView(frame.buffer).setUint32(0, i);
            a!.send(b!.address, frame);
          }
          expect(await until(() => received >= count)).toBe(true);
          expect(foreign).toBe(0);
          expect(received).toBe(count);
          expect(seen.every((n) => n === 1)).toBe(true);
        });
      },
      HEAVY_TEST_TIMEOUT_MS,
    );
  });
}
