import fc from 'fast-check';

/**
 * Edits that turn a valid frame into a hostile one. Positions are free naturals taken modulo
 * the length when applied, so one recipe fits any frame and shrinks towards the start.
 */
export type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'delete'; readonly at: number; readonly count: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'extend'; readonly bytes: Uint8Array }
  | { readonly kind: 'duplicate'; readonly at: number; readonly count: number }
  /** A varint spliced in where a length or count may stand: the hostile-length attack. */
  | { readonly kind: 'varint'; readonly at: number; readonly value: number };

/** Bytes a parser treats specially: zero, one, the varint continuation boundary, all ones. */
const interestingByte = fc.oneof(fc.constantFrom(0, 1, 0x7f, 0x80, 0xff), fc.nat(255));
const hostileNumber = fc.oneof(
  fc.constantFrom(2 ** 31 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 56 - 1, 127, 128, 512, 513),
  fc.maxSafeNat(),
);

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: interestingByte }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('varint' as const), at: fc.nat(), value: hostileNumber }),
);

export const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 });

/** LEB128 without a 2^53 limit (so values past the safe range can be written), at most ten bytes. */
function rawVarint(value: number): number[] {
  const out: number[] = [];
  let rest = BigInt(value);
  while (rest >= 0x80n && out.length < 9) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest & 0x7fn));
  return out;
}

export function applyMutations(source: Uint8Array, edits: readonly Mutation[]): Uint8Array {
  let data = Array.from(source);
  for (const edit of edits) {
    const at = (edit.kind === 'extend' ? 0 : edit.at) % (data.length + 1);
    switch (edit.kind) {
      case 'flip':
        if (at < data.length) data[at]! ^= 1 << edit.bit;
        break;
      case 'set':
        if (at < data.length) data[at] = edit.value;
        break;
      case 'insert':
        data.splice(at, 0, ...edit.bytes);
        break;
      case 'delete':
        data.splice(at, edit.count);
        break;
      case 'truncate':
        data = data.slice(0, at);
        break;
      case 'extend':
        data.push(...edit.bytes);
        break;
      case 'duplicate':
        data.splice(at, 0, ...data.slice(at, at + edit.count));
        break;
      case 'varint':
        data.splice(at, 0, ...rawVarint(edit.value));
        break;
    }
  }
  return Uint8Array.from(data);
}
