import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { decodeFrame, encodeFrame, WIRE_VERSION, type Frame } from '../../src/protocol/frames.js';
import { FrameWriter } from '../../src/codec/frame-writer.js';
import { DecodeError } from '../../src/errors.js';
import { FRAME_KINDS, frame, uint } from './frame-arbitraries.js';
import { FUZZ_SEED, runs, timeoutMs } from './fuzz-config.js';
import { applyMutations, mutations } from './mutations.js';

/**
 * decodeFrame against hostile input: it returns a frame or throws DecodeError, nothing else.
 * Every loop in the decoder is bounded by the bytes left in the frame, so a decode is linear
 * in its input; a hang would show as this file never finishing. See fuzz-config.ts for the
 * budget and for running a longer campaign.
 */

const options = (numRuns: number): fc.Parameters<unknown> => ({ numRuns: runs(numRuns), seed: FUZZ_SEED });

const hex = (input: Uint8Array): string => Buffer.from(input).toString('hex');

/** A frame, or the DecodeError; any other exception fails the property with the input in hex. */
function decodeOutcome(input: Uint8Array): Frame | DecodeError {
  try {
    return decodeFrame(input);
  } catch (error) {
    if (error instanceof DecodeError && error.code === 'DECODE') return error;
    throw new Error(`decodeFrame threw ${String(error)} for ${hex(input)}`, { cause: error });
  }
}

/** Fields named by a kind code or flag bits, not read from length-prefixed bytes. */
const CODED_FIELDS = new Set(['type', 'order']);

/**
 * How much a decoded frame holds: list items at every depth plus the length of every payload
 * and string read from the input. Each item costs the encoding at least one byte and a pair
 * two, so a frame decoded from n bytes holds less than 2n: a hostile length or count cannot
 * make the decoder build more than the input paid for.
 */
function heldUnits(value: unknown): number {
  if (value instanceof Uint8Array || typeof value === 'string') return value.length;
  if (Array.isArray(value)) return value.length + value.reduce((sum: number, item) => sum + heldUnits(item), 0);
  if (typeof value !== 'object' || value === null) return 0;
  return Object.entries(value).reduce((sum: number, [key, item]) => sum + (CODED_FIELDS.has(key) ? 0 : heldUnits(item)), 0);
}

/** Tallies outcomes (node's assert inside: jest's expect costs too much per case), so a property can also check that its inputs reached both of them. */
class Outcomes {
  decoded = 0;
  rejected = 0;

  /** Whatever decodes is well formed: bounded in size, and its own encoding decodes to it. */
  check(input: Uint8Array): void {
    const outcome = decodeOutcome(input);
    if (outcome instanceof DecodeError) {
      this.rejected++;
      return;
    }
    this.decoded++;
    const held = heldUnits(outcome);
    assert.ok(held < 2 * input.length, `${hex(input)} decoded to a frame holding ${held} units`);
    assert.deepStrictEqual(decodeFrame(encodeFrame(outcome)), outcome);
  }
}

const FIFTEEN_SECONDS = timeoutMs(15_000);

describe('decodeFrame under fuzzing (fast-check)', () => {
  it(
    'round-trips valid frames of every kind: decode(encode(f)) equals f, and the encoding is canonical',
    () => {
      const kinds = new Set<string>();
      fc.assert(
        fc.property(frame, (f) => {
          kinds.add(f.body.type);
          const encoded = encodeFrame(f);
          const decoded = decodeFrame(encoded);
          assert.deepStrictEqual(decoded, f);
          assert.equal(hex(encodeFrame(decoded)), hex(encoded));
        }),
        options(15_000),
      );
      expect([...kinds].sort()).toEqual([...FRAME_KINDS].sort());
    },
    FIFTEEN_SECONDS,
  );

  it(
    'returns a frame or throws DecodeError for random bytes',
    () => {
      const outcomes = new Outcomes();
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 128 }), (input) => outcomes.check(input)),
        options(20_000),
      );
      expect(outcomes.rejected).toBeGreaterThan(0);
    },
    FIFTEEN_SECONDS,
  );

  it(
    'returns a frame or throws DecodeError for random bodies behind a valid header of any kind',
    () => {
      // Random bytes rarely get past version, kind and two strings; these start inside a body.
      const headed = fc
        .tuple(
          fc.nat(FRAME_KINDS.length),
          fc.constantFrom('g', ''),
          fc.constantFrom('a/1', 'b:7001/2'),
          uint,
          fc.uint8Array({ maxLength: 96 }),
        )
        .map(([kind, group, from, viewId, body]) => {
          const header = new FrameWriter().u8(WIRE_VERSION).u8(kind).uint(0).string(group).string(from).uint(viewId).finish();
          return Uint8Array.from([...header, ...body]);
        });
      const outcomes = new Outcomes();
      fc.assert(
        fc.property(headed, (input) => outcomes.check(input)),
        options(20_000),
      );
      // Empty bodies (join-request, leave-request) and short ones decode; most do not.
      expect(outcomes.decoded).toBeGreaterThan(runs(20_000) / 100);
      expect(outcomes.rejected).toBeGreaterThan(runs(20_000) / 2);
    },
    FIFTEEN_SECONDS,
  );

  it(
    'returns a frame or throws DecodeError for valid frames with bits flipped, bytes cut, added or replaced, and hostile lengths',
    () => {
      const outcomes = new Outcomes();
      fc.assert(
        fc.property(frame, mutations, (f, edits) => outcomes.check(applyMutations(encodeFrame(f), edits))),
        options(40_000),
      );
      // A mutation fuzzer that only ever produced garbage, or only ever valid frames, would prove little.
      expect(outcomes.decoded).toBeGreaterThan(runs(40_000) / 50);
      expect(outcomes.rejected).toBeGreaterThan(runs(40_000) / 2);
    },
    FIFTEEN_SECONDS,
  );
});
