/** The packet codec alone: round trips, and no input makes it throw anything but PacketError. */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  decodeFragment,
  decodeFrames,
  decodeGroupFrames,
  decodeHeader,
  encodeFragment,
  FramesPacker,
  GroupPacker,
  HeaderBytes,
  Kind,
  PacketError,
} from '../src/packet.js';

const header = new HeaderBytes('sender-1', 0xdeadbeef);

describe('packets', () => {
  it('round-trips frames, splitting at the packet size', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 40 }), fc.integer({ min: 400, max: 2000 }), (frames, max) => {
        const packer = new FramesPacker(header, max);
        for (const f of frames) packer.add(f);
        packer.seal();
        const out: Uint8Array[] = [];
        for (const p of packer.packets) {
          expect(p.length).toBeLessThanOrEqual(max);
          const h = decodeHeader(p);
          expect(h).toMatchObject({ kind: Kind.Frames, from: 'sender-1', instance: 0xdeadbeef });
          out.push(...decodeFrames(p, h.offset));
        }
        expect(out.map((f) => Array.from(f))).toEqual(frames.map((f) => Array.from(f)));
      }),
    );
  });

  it('round-trips group frames: each member gets exactly the frames naming it', () => {
    const names = ['a', 'bb', 'c-3', 'd:4'];
    fc.assert(
      fc.property(
        fc.array(fc.record({ frame: fc.uint8Array({ maxLength: 100 }), to: fc.subarray(names, { minLength: 1 }) }), { maxLength: 30 }),
        (entries) => {
          const packer = new GroupPacker(header, 600);
          for (const e of entries) packer.add(e);
          packer.seal();
          for (const me of [...names, 'nobody']) {
            const got = packer.packets.flatMap((p) => decodeGroupFrames(p, decodeHeader(p).offset, me));
            expect(got.map((f) => Array.from(f))).toEqual(entries.filter((e) => e.to.includes(me)).map((e) => Array.from(e.frame)));
          }
        },
      ),
    );
  });

  it('round-trips fragments', () => {
    const frame = new Uint8Array(5000).map((_, i) => i % 251);
    const packet = encodeFragment(header, 7, frame, 1000, 2000);
    const f = decodeFragment(packet, decodeHeader(packet).offset);
    expect(f).toMatchObject({ frameId: 7, total: 5000, offset: 1000 });
    expect(Array.from(f.bytes)).toEqual(Array.from(frame.subarray(1000, 3000)));
  });

  it('throws only PacketError on arbitrary or mutated input', () => {
    const packer = new GroupPacker(header, 10_000);
    packer.add({ frame: new Uint8Array([1, 2, 3]), to: ['a', 'b'] });
    packer.seal();
    const valid = packer.packets[0]!;
    const decodeAll = (bytes: Uint8Array): void => {
      try {
        const h = decodeHeader(bytes);
        decodeFrames(bytes, h.offset);
      } catch (e) {
        if (!(e instanceof PacketError)) throw e;
      }
      try {
        const h = decodeHeader(bytes);
        decodeGroupFrames(bytes, h.offset, 'a');
      } catch (e) {
        if (!(e instanceof PacketError)) throw e;
      }
      try {
        const h = decodeHeader(bytes);
        decodeFragment(bytes, h.offset);
      } catch (e) {
        if (!(e instanceof PacketError)) throw e;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => decodeAll(bytes)));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: valid.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: valid.length }),
        (at, value, cut) => {
          const mutated = valid.slice(0, cut);
          if (at < mutated.length) mutated[at] = value;
          decodeAll(mutated);
        },
      ),
    );
  });
});
