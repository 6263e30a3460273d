/**
 * Short strings that recur in nearly every frame (topics, the group's name, member ids) cost a
 * TextEncoder call and a fresh byte array on every send, and a TextDecoder call and a fresh
 * string on every receive. A small bounded cache maps them both ways, so the common ones cost
 * neither and make no garbage. The wire bytes are exactly the UTF-8 the encoder would give.
 */

/** Slots of the decoding table (a power of 2) and entries of the encoding map. */
export const INTERNED_STRINGS_MAX = 256;
/** Longer strings are not cached: they are rare on the hot path and would crowd the table. */
export const INTERNED_BYTES_MAX = 64;

const SLOT_MASK = INTERNED_STRINGS_MAX - 1;
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class Utf8Interner {
  // Direct-mapped by a hash of the bytes: a hit is a hash, a compare, and no allocation; a
  // collision only costs a decode, as if there were no cache.
  private readonly slotBytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(INTERNED_STRINGS_MAX).fill(undefined);
  private readonly slotStrings: string[] = new Array<string>(INTERNED_STRINGS_MAX).fill('');
  private readonly encoded = new Map<string, Uint8Array>();

  /**
   * The string of buffer[start, end). Throws (a TypeError, from the decoder) for bytes that are
   * not valid UTF-8; a cached entry was decoded strictly once, so a hit is valid too.
   */
  decode(buffer: Uint8Array, start: number, end: number): string {
    const length = end - start;
    if (length === 0) return '';
    if (length > INTERNED_BYTES_MAX) return textDecoder.decode(buffer.subarray(start, end));
    let hash = 0x811c9dc5 ^ length;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ buffer[i]!, 0x01000193);
    const slot = (hash ^ (hash >>> 16)) & SLOT_MASK;
    const cached = this.slotBytes[slot];
    if (cached !== undefined && cached.length === length && sameBytes(cached, buffer, start)) return this.slotStrings[slot]!;
    // A copy: a view would keep the whole frame it came in alive for as long as the entry lives.
    const bytes = new Uint8Array(buffer.subarray(start, end));
    const value = textDecoder.decode(bytes);
    this.slotBytes[slot] = bytes;
    this.slotStrings[slot] = value;
    return value;
  }

  /** The UTF-8 bytes of `value`; cached ones are shared, so callers only read them. */
  encode(value: string): Uint8Array {
    if (value.length > INTERNED_BYTES_MAX) return textEncoder.encode(value);
    let bytes = this.encoded.get(value);
    if (bytes === undefined) {
      bytes = textEncoder.encode(value);
      if (bytes.length > INTERNED_BYTES_MAX) return bytes;
      // Bounded the simple way: a process that cycles through more strings than this starts
      // over, paying only the encoder calls it would have paid without the cache.
      if (this.encoded.size >= INTERNED_STRINGS_MAX) this.encoded.clear();
      this.encoded.set(value, bytes);
    }
    return bytes;
  }
}

function sameBytes(cached: Uint8Array, buffer: Uint8Array, start: number): boolean {
  for (let i = 0; i < cached.length; i++) if (cached[i] !== buffer[start + i]) return false;
  return true;
}

/** The process's one cache: strings are the same whichever frame or connection they arrive on. */
export const utf8Interner = new Utf8Interner();
