/**
 * Garbage into a live member's TCP socket: a stranger connects to a member of an
 * authenticated group on 127.0.0.1 and writes random bytes — with and without a valid hello,
 * with valid and absurd length prefixes, with real frames mutated and unsigned or signed with
 * a wrong key. Afterwards the process is alive, no handler saw anything no member sent, and
 * the group still delivers.
 */
import fc from 'fast-check';
import { connect, type Socket } from 'node:net';
import { encodeFrame } from '../../src/protocol/frames.js';
import { Group } from '../../src/group.js';
import { authenticate } from '../../src/wire/authenticated-wire.js';
import { encodeHello } from '../../src/wire/tcp/handshake.js';
import { tcpWire } from '../../src/wire/tcp/index.js';
import { FUZZ_SEED, runs, timeoutMs } from './fuzz-config.js';
import { frame } from './frame-arbitraries.js';
import { applyMutations, mutations } from './mutations.js';

const KEY = 'the key of the fuzzed group';

function lengthPrefixed(body: Uint8Array): Uint8Array {
  const out = Buffer.alloc(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.set(body, 4);
  return out;
}

/** One connection's worth of attack: the bytes written, in chunks. */
const attack = fc.record({
  hello: fc.constantFrom('valid', 'none', 'garbage'),
  frames: fc.array(
    fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map(lengthPrefixed),
      frame.map((f) => lengthPrefixed(encodeFrame(f))),
      fc.tuple(frame, mutations).map(([f, edits]) => lengthPrefixed(applyMutations(encodeFrame(f), edits))),
      // A length prefix far beyond any limit, then a little.
      fc.tuple(fc.integer({ min: 1 << 25, max: 0xfffffffe }), fc.uint8Array({ maxLength: 16 })).map(([length, rest]) => {
        const out = Buffer.alloc(4 + rest.length);
        out.writeUInt32BE(length, 0);
        out.set(rest, 4);
        return out;
      }),
      fc.uint8Array({ minLength: 1, maxLength: 32 }),
    ),
    { minLength: 1, maxLength: 40 },
  ),
});

/** Writes the attack, then hangs up (resolves once the bytes are handed to the kernel). */
function write(socket: Socket, chunks: readonly Uint8Array[]): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.destroy();
      resolve();
    };
    socket.on('error', done);
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
      socket.end(done);
    });
  });
}

describe('a live member behind its TCP socket, fed garbage', () => {
  it(
    'stays up, delivers nothing forged, and keeps serving',
    async () => {
      const wires = [await tcpWire({ host: '127.0.0.1', port: 0 }), await tcpWire({ host: '127.0.0.1', port: 0 })];
      const quiet = { key: KEY, log: () => {} };
      const guarded = authenticate(wires[0]!, quiet);
      const a = await Group.join('fuzz', { wire: guarded });
      const b = await Group.join('fuzz', { wire: authenticate(wires[1]!, quiet), seeds: [wires[0]!.address] });
      const seen: unknown[] = [];
      const sent = new Set<string>();
      for (const g of [a, b])
        g.handle('m', (p) => {
          seen.push(p);
        });
      const [host, port] = [wires[0]!.address.split(':')[0]!, Number(wires[0]!.address.split(':')[1])];
      let connections = 0;
      try {
        await fc.assert(
          fc.asyncProperty(attack, async ({ hello, frames }) => {
            connections++;
            const chunks: Uint8Array[] = [];
            if (hello === 'valid')
              chunks.push(lengthPrefixed(encodeHello({ address: `127.0.0.1:${20_000 + (connections % 1_000)}`, instance: connections })));
            if (hello === 'garbage') chunks.push(lengthPrefixed(Uint8Array.of(1, 2, 3, 4, 5)));
            chunks.push(...frames);
            await write(connect({ host, port }), chunks);
            if (connections % 50 === 0) {
              // Still serving: a real multicast goes through both members.
              const payload = `real ${connections}`;
              sent.add(payload);
              await a.fbcast('m', payload);
            }
          }),
          { numRuns: runs(300), seed: FUZZ_SEED },
        );
        const payload = 'after the attack';
        sent.add(payload);
        await b.fbcast('m', payload);
        const deadline = performance.now() + 10_000;
        while (seen.filter((p) => p === payload).length < 2 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(seen.filter((p) => p === payload)).toHaveLength(2);
        for (const p of seen) expect(sent.has(p as string)).toBe(true);
        expect(a.view.members).toEqual(b.view.members);
        expect(a.view.members).toHaveLength(2);
        // The attack reached every layer: the framing, the hello, and the authentication.
        const tcp = wires[0]!.stats;
        expect(tcp.oversizedFrames).toBeGreaterThan(0);
        expect(tcp.handshakeFailures).toBeGreaterThan(0);
        expect(guarded.stats.framesRejected).toBeGreaterThan(0);
      } finally {
        await b.leave();
        await a.leave();
      }
    },
    timeoutMs(60_000),
  );
});
