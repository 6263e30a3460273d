import { describe, expect, it } from '@jest/globals';
import { FrameReader } from '../../src/codec/frame-reader.js';
import { FrameWriter } from '../../src/codec/frame-writer.js';
import { DecodeError } from '../../src/errors.js';

describe('FrameWriter and FrameReader', () => {
  it('writes unsigned integers as LEB128 varints', () => {
    const cases: [number, number[]][] = [
      [0, [0x00]],
      [1, [0x01]],
      [127, [0x7f]],
      [128, [0x80, 0x01]],
      [300, [0xac, 0x02]],
      [16_384, [0x80, 0x80, 0x01]],
    ];
    for (const [value, encoded] of cases) expect(Array.from(new FrameWriter().uint(value).finish())).toEqual(encoded);
  });

  it('grows past a tiny initial buffer without losing what it wrote', () => {
    const payload = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const w = new FrameWriter(1).u8(7).uint(Number.MAX_SAFE_INTEGER).string('héllo').bytes(payload).bool(true);
    const r = new FrameReader(w.finish());
    expect([r.u8(), r.uint(), r.string(), r.bytes(), r.bool()]).toEqual([7, Number.MAX_SAFE_INTEGER, 'héllo', payload, true]);
    r.end();
  });

  it('reads back lists of strings and integers', () => {
    const w = new FrameWriter()
      .strings(['a', '', 'ü'])
      .uints([0, 128, 2 ** 40])
      .strings([]);
    const r = new FrameReader(w.finish());
    expect([r.strings(), r.uints(), r.strings()]).toEqual([['a', '', 'ü'], [0, 128, 2 ** 40], []]);
    expect(r.remaining).toBe(0);
  });

  it('accepts a non-minimal varint but not one of nine bytes', () => {
    expect(new FrameReader(Uint8Array.of(0x80, 0x00)).uint()).toBe(0);
    const nine = Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
    expect(() => new FrameReader(nine).uint()).toThrow(DecodeError);
  });

  it('reports bytes left over at the end', () => {
    const r = new FrameReader(Uint8Array.of(1, 2));
    r.u8();
    expect(() => r.end()).toThrow(DecodeError);
  });
});
