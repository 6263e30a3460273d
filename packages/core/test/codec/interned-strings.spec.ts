import { describe, expect, it } from '@jest/globals';
import { FrameReader } from '../../src/codec/frame-reader.js';
import { FrameWriter } from '../../src/codec/frame-writer.js';
import { INTERNED_BYTES_MAX, INTERNED_STRINGS_MAX, Utf8Interner } from '../../src/codec/interned-strings.js';
import { DecodeError } from '../../src/errors.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('Utf8Interner', () => {
  it('decodes to the same string object each time, whatever buffer the bytes come in', () => {
    const interner = new Utf8Interner();
    const first = interner.decode(utf8('xxorders'), 2, 8);
    const again = interner.decode(utf8('orders!'), 0, 6);
    expect(first).toBe('orders');
    expect(again).toBe(first);
    expect(interner.decode(utf8('话题 🎯'), 0, utf8('话题 🎯').length)).toBe('话题 🎯');
  });

  it('keeps no view of the buffer it decoded from', () => {
    const interner = new Utf8Interner();
    const buffer = utf8('prices');
    expect(interner.decode(buffer, 0, 6)).toBe('prices');
    buffer.set(utf8('orders'));
    expect(interner.decode(buffer, 0, 6)).toBe('orders');
    expect(interner.decode(utf8('prices'), 0, 6)).toBe('prices');
  });

  it('stays exact when slots collide or strings are long: every bytes give their own string', () => {
    const interner = new Utf8Interner();
    const names = Array.from({ length: 4 * INTERNED_STRINGS_MAX }, (_, i) => `topic-${i}`);
    for (let round = 0; round < 2; round++) {
      for (const name of names) expect(interner.decode(utf8(name), 0, utf8(name).length)).toBe(name);
    }
    const long = 'é'.repeat(INTERNED_BYTES_MAX);
    expect(interner.decode(utf8(long), 0, utf8(long).length)).toBe(long);
    expect(interner.decode(new Uint8Array(0), 0, 0)).toBe('');
  });

  it('throws for bytes that are not utf-8, even after the same slot held a valid string', () => {
    const interner = new Utf8Interner();
    expect(interner.decode(Uint8Array.of(0x61), 0, 1)).toBe('a');
    expect(() => interner.decode(Uint8Array.of(0xff), 0, 1)).toThrow();
    expect(() => interner.decode(Uint8Array.of(0xc3), 0, 1)).toThrow();
    expect(interner.decode(Uint8Array.of(0x61), 0, 1)).toBe('a');
  });

  it("encodes to the encoder's bytes, cached or not, with a bounded cache", () => {
    const interner = new Utf8Interner();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 3 * INTERNED_STRINGS_MAX; i++) expect(interner.encode(`grüppe-${i}`)).toEqual(utf8(`grüppe-${i}`));
    }
    const long = 'x'.repeat(INTERNED_BYTES_MAX + 1);
    expect(interner.encode(long)).toEqual(utf8(long));
    expect((interner as unknown as { encoded: Map<string, Uint8Array> }).encoded.size).toBeLessThanOrEqual(INTERNED_STRINGS_MAX);
  });
});

describe('interned strings in frames', () => {
  it('write the same bytes as string() and read back the same strings', () => {
    for (const value of ['', 'orders', '话题 🎯', '\uFEFFbom', 'x'.repeat(200)]) {
      const plain = new FrameWriter().string(value).finish();
      const interned = new FrameWriter().internedString(value).finish();
      expect(interned).toEqual(plain);
      const r = new FrameReader(interned);
      expect(r.internedString()).toBe(value);
      r.end();
    }
  });

  it('end in DecodeError for truncated or invalid strings', () => {
    expect(() => new FrameReader(Uint8Array.of(5, 0x61)).internedString()).toThrow(new DecodeError('frame truncated'));
    expect(() => new FrameReader(Uint8Array.of(1, 0xff)).internedString()).toThrow(new DecodeError('invalid utf-8 string'));
    expect(() => new FrameReader(Uint8Array.of()).internedString()).toThrow(new DecodeError('frame truncated'));
  });
});
