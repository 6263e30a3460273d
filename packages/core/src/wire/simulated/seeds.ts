/**
 * Deterministic derivation of independent 32-bit seeds from the network seed, so each stream
 * (frame faults, the harness, every process incarnation) gets its own sequence.
 */

/** FNV-1a over the UTF-16 code units of `text`, 32 bits. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Murmur3's 32-bit finalizer: a bijective avalanche mix. */
function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export const STREAM_FAULTS = 1;
export const STREAM_HARNESS = 2;
export const STREAM_NODE = 3;
/** Delays of peer-down signals: their own stream, so they never shift the frames' fault draws. */
export const STREAM_SIGNALS = 4;

/** A 32-bit seed from the network seed (any safe integer), a stream tag, a label and a counter. */
export function deriveSeed(seed: number, stream: number, label = '', counter = 0): number {
  const low = seed >>> 0;
  const high = Math.floor(seed / 0x1_0000_0000) >>> 0;
  let h = fmix32(low ^ 0x9e3779b9);
  h = fmix32(h ^ high);
  h = fmix32(h ^ Math.imul(stream, 0x27d4eb2f));
  h = fmix32(h ^ fnv1a(label));
  h = fmix32(h ^ counter);
  return h;
}
