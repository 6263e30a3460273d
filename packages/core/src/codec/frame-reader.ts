import { DecodeError } from '../errors.js';

const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads the fields FrameWriter wrote. Every read checks bounds, so a truncated or hostile
 * frame ends in a DecodeError, never in a wrong value or an exception of another kind.
 */
export class FrameReader {
  private offset = 0;

  constructor(private readonly buffer: Uint8Array) {}

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  u8(): number {
    if (this.offset >= this.buffer.length) throw new DecodeError('frame truncated');
    return this.buffer[this.offset++]!;
  }

  uint(): number {
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

  bytes(): Uint8Array {
    const length = this.uint();
    if (length > this.remaining) throw new DecodeError('frame truncated');
    const value = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  string(): string {
    try {
      return textDecoder.decode(this.bytes());
    } catch (error) {
      if (error instanceof DecodeError) throw error;
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
}
