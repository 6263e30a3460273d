import { utf8Interner } from './interned-strings.js';

/**
 * Appends binary fields to a growing buffer. Unsigned integers are LEB128 varints, so the
 * small numbers that fill our headers (ranks, sequence numbers, view ids) cost one or two bytes.
 */
const textEncoder = new TextEncoder();

export class FrameWriter {
  private buffer: Uint8Array;
  private length = 0;

  /** @param initialBytes a guess of the frame's size: a good one spares the copies of growing. */
  constructor(initialBytes = 256) {
    this.buffer = new Uint8Array(initialBytes);
  }

  get capacity(): number {
    return this.buffer.length;
  }

  /** Starts over (what finish() returned is a copy, untouched), with room for `bytes` at least. */
  reset(bytes = 0): this {
    this.length = 0;
    if (this.buffer.length < bytes) this.buffer = new Uint8Array(bytes);
    return this;
  }

  private reserve(bytes: number): void {
    if (this.length + bytes > this.buffer.length) this.grow(bytes);
  }

  private grow(bytes: number): void {
    let size = Math.max(1, this.buffer.length * 2);
    while (size < this.length + bytes) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  u8(value: number): this {
    this.reserve(1);
    this.buffer[this.length++] = value & 0xff;
    return this;
  }

  /** An unsigned integer up to 2^53 - 1, as a varint. */
  uint(value: number): this {
    // Most of our numbers fit one byte (the loop below would write the same byte).
    if (value < 0x80 && this.length < this.buffer.length) {
      this.buffer[this.length++] = value;
      return this;
    }
    this.reserve(8);
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buffer[this.length++] = rest;
    return this;
  }

  bool(value: boolean): this {
    return this.u8(value ? 1 : 0);
  }

  bytes(value: Uint8Array): this {
    this.uint(value.length);
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
    return this;
  }

  string(value: string): this {
    return this.bytes(textEncoder.encode(value));
  }

  /**
   * The same bytes as string(), for strings that recur from frame to frame (topics, group
   * names, member ids): encoded once and cached (interned-strings.ts).
   */
  internedString(value: string): this {
    return this.bytes(utf8Interner.encode(value));
  }

  strings(values: readonly string[]): this {
    this.uint(values.length);
    for (const value of values) this.string(value);
    return this;
  }

  uints(values: readonly number[]): this {
    this.uint(values.length);
    for (const value of values) this.uint(value);
    return this;
  }

  /** The bytes written, as a copy of their own (the writer may be reset and reused). */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}
