/**
 * Appends binary fields to a growing buffer. Unsigned integers are LEB128 varints, so the
 * small numbers that fill our headers (ranks, sequence numbers, view ids) cost one or two bytes.
 */
const textEncoder = new TextEncoder();

export class FrameWriter {
  private buffer: Uint8Array;
  private length = 0;

  constructor(initialBytes = 256) {
    this.buffer = new Uint8Array(initialBytes);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
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

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}
