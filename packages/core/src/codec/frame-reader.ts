import { DecodeError } from '../errors.js';
import { utf8Interner } from './interned-strings.js';

const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads the fields FrameWriter wrote. Every read checks bounds, so a truncated or hostile
 * frame ends in a DecodeError, never in a wrong value or an exception of another kind.
 */
export class FrameReader {
  private buffer: Uint8Array;
  private offset = 0;

  constructor(buffer: Uint8Array) {
    // A Node Buffer's slice() is a view, not a copy: read a plain Uint8Array over its bytes, so
    // that a copy made with slice() below, or by a caller of bytes(), is a copy.
    this.buffer =
      Object.getPrototypeOf(buffer) === Uint8Array.prototype ? buffer : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  u8(): number {
    if (this.offset >= this.buffer.length) throw new DecodeError('frame truncated');
    return this.buffer[this.offset++]!;
  }

  uint(): number {
    // Most of our numbers (ranks, flags, lengths, small sequence numbers) fit one byte.
    const offset = this.offset;
    if (offset < this.buffer.length) {
      const byte = this.buffer[offset]!;
      if (byte < 0x80) {
        this.offset = offset + 1;
        return byte;
      }
    }
    return this.longUint();
  }

  private longUint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const byte = this.u8();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (!Number.isSafeInteger(value)) throw new DecodeError('varint out of range');
        return value;
      }
      scale *= 0x80;
    }
    throw new DecodeError('varint too long');
  }

  bool(): boolean {
    const value = this.u8();
    if (value > 1) throw new DecodeError('bad boolean');
    return value === 1;
  }

  /**
   * A view into the frame, not a copy: it shares the frame's memory (and keeps all of it alive).
   * Copy it (`.slice()`) to keep it apart from the frame.
   */
  bytes(): Uint8Array {
    const start = this.skipLength();
    return this.buffer.subarray(start, this.offset);
  }

  /** A copy of the next length-prefixed bytes, made in one step (no throwaway view first). */
  bytesCopy(): Uint8Array {
    const start = this.skipLength();
    return this.buffer.slice(start, this.offset);
  }

  string(): string {
    try {
      return textDecoder.decode(this.bytes());
    } catch (error) {
      if (error instanceof DecodeError) throw error;
      throw new DecodeError('invalid utf-8 string');
    }
  }

  /**
   * The same field as string(), for strings that recur from frame to frame (topics, group
   * names, member ids): decoded through the interning cache (interned-strings.ts), so a
   * string seen before costs no decoder call and no new string.
   */
  internedString(): string {
    const start = this.skipLength();
    try {
      return utf8Interner.decode(this.buffer, start, this.offset);
    } catch {
      throw new DecodeError('invalid utf-8 string');
    }
  }

  /** A count of items that each take at least one byte: bounded by what is left. */
  count(): number {
    const n = this.uint();
    if (n > this.remaining) throw new DecodeError('count larger than frame');
    return n;
  }

  strings(): string[] {
    const n = this.count();
    const values: string[] = [];
    for (let i = 0; i < n; i++) values.push(this.string());
    return values;
  }

  uints(): number[] {
    const n = this.count();
    const values: number[] = [];
    for (let i = 0; i < n; i++) values.push(this.uint());
    return values;
  }

  end(): void {
    if (this.remaining !== 0) throw new DecodeError('trailing bytes in frame');
  }

  /** Reads a length and steps over that many bytes; returns where they start. */
  private skipLength(): number {
    const length = this.uint();
    if (length > this.remaining) throw new DecodeError('frame truncated');
    const start = this.offset;
    this.offset = start + length;
    return start;
  }
}
