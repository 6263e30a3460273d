import { describe, expect, it } from '@jest/globals';
import { encodeFrame, encodeRetireMarker, FRAME_HEADER_BYTES, FrameParser } from '../../../src/wire/tcp/frame-parser.js';

const bodies: Uint8Array[] = [
  Uint8Array.of(1, 2, 3),
  new Uint8Array(0), // zero-length frames are allowed and delivered as empty frames
  new Uint8Array(300).map((_, i) => i & 0xff),
  Uint8Array.of(0xff),
  new Uint8Array(0),
  new Uint8Array(70).map((_, i) => (i * 7) & 0xff),
];
const stream = Buffer.concat(bodies.map((body) => encodeFrame(body)));
/** The same frames and a 70 KB one, bigger than any single socket read. */
const bigBodies = [...bodies, new Uint8Array(70_000).map((_, i) => (i * 13) & 0xff), Uint8Array.of(4)];
const bigStream = Buffer.concat(bigBodies.map((body) => encodeFrame(body)));

const hex = (frame: Uint8Array): string => Buffer.from(frame.buffer, frame.byteOffset, frame.length).toString('hex');

/** Frames as hex strings: cheap to compare thousands of times. */
function parseChunks(chunks: Uint8Array[], maxFrameBytes = 1 << 20): { frames: string[]; parser: FrameParser } {
  const parser = new FrameParser(maxFrameBytes);
  const frames: string[] = [];
  for (const chunk of chunks) parser.push(chunk, (frame) => frames.push(hex(frame)));
  return { frames, parser };
}

const expected = bodies.map(hex);

describe('FrameParser', () => {
  it('encodes a 4-byte big-endian body length before the body', () => {
    expect(Array.from(encodeFrame(Uint8Array.of(9, 8)))).toEqual([0, 0, 0, 2, 9, 8]);
    expect(Array.from(encodeFrame(new Uint8Array(0)))).toEqual([0, 0, 0, 0]);
    expect(encodeFrame(new Uint8Array(0x0102)).subarray(0, FRAME_HEADER_BYTES)).toEqual(Buffer.from([0, 0, 1, 2]));
  });

  it('parses a stream of frames given in one chunk', () => {
    const { frames, parser } = parseChunks([stream]);
    expect(frames).toEqual(expected);
    expect(parser.active).toBe(true);
    expect(parser.oversized).toBeUndefined();
  });

  it('parses the stream fed one byte at a time', () => {
    const chunks = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    expect(parseChunks(chunks).frames).toEqual(expected);
  });

  it('parses a stream with a 70 KB frame, in one chunk and one byte at a time', () => {
    const want = bigBodies.map(hex);
    expect(parseChunks([bigStream]).frames).toEqual(want);
    const chunks = Array.from({ length: bigStream.length }, (_, i) => bigStream.subarray(i, i + 1));
    expect(parseChunks(chunks).frames).toEqual(want);
  });

  it('parses the stream split in two at every offset', () => {
    for (let at = 0; at <= stream.length; at++) {
      const { frames } = parseChunks([stream.subarray(0, at), stream.subarray(at)]);
      if (frames.length !== expected.length) throw new Error(`split at ${at}: ${frames.length} frames`);
      expect(frames).toEqual(expected);
    }
  });

  it('parses the stream cut into uneven chunks (every third offset and its neighbour)', () => {
    for (let at = 1; at < stream.length - 10; at += 3) {
      const cuts = [0, at, at + 1, at + 5, stream.length - 3, stream.length].filter((v, i, all) => i === 0 || v > all[i - 1]!);
      const chunks = cuts.slice(1).map((end, i) => stream.subarray(cuts[i]!, end));
      expect(parseChunks(chunks).frames).toEqual(expected);
    }
  });

  it('emits copies: the receiver may keep them while the source chunk is reused', () => {
    const chunk = Buffer.from(encodeFrame(Uint8Array.of(5, 6, 7)));
    const frames: Uint8Array[] = [];
    new FrameParser(64).push(chunk, (frame) => frames.push(frame));
    chunk.fill(0);
    expect(Array.from(frames[0]!)).toEqual([5, 6, 7]);
    expect(frames[0]!.constructor).toBe(Uint8Array);
  });

  it('accepts a frame of exactly maxFrameBytes (header included) and rejects one byte more', () => {
    const limit = 100;
    const fits = encodeFrame(new Uint8Array(limit - FRAME_HEADER_BYTES));
    expect(parseChunks([fits], limit).frames).toHaveLength(1);
    const over = encodeFrame(new Uint8Array(limit - FRAME_HEADER_BYTES + 1));
    const { frames, parser } = parseChunks([over], limit);
    expect(frames).toHaveLength(0);
    expect(parser.oversized).toBe(limit + 1);
    expect(parser.active).toBe(false);
  });

  it('rejects an oversized length as soon as the header is complete, without waiting for the body', () => {
    const parser = new FrameParser(1024);
    const frames: Uint8Array[] = [];
    const good = encodeFrame(Uint8Array.of(1));
    const badHeader = Buffer.from([0xff, 0xff, 0xff, 0xfe]);
    expect(parser.push(Buffer.concat([good, badHeader.subarray(0, 2)]), (f) => frames.push(f))).toBe(true);
    expect(parser.push(badHeader.subarray(2), (f) => frames.push(f))).toBe(false);
    expect(frames).toHaveLength(1);
    expect(parser.oversized).toBe(0xffff_fffe + FRAME_HEADER_BYTES);
    // After failing it ignores everything: the stream is out of step for good.
    expect(parser.push(good, (f) => frames.push(f))).toBe(false);
    expect(frames).toHaveLength(1);
  });

  it('stops in the middle of a chunk when the receiver says so', () => {
    const parser = new FrameParser(1024);
    const frames: string[] = [];
    parser.push(stream.subarray(0, 20), (frame) => {
      frames.push(hex(frame));
      parser.stop();
    });
    expect(frames).toEqual(['010203']);
    expect(parser.active).toBe(false);
    expect(parser.oversized).toBeUndefined();
  });

  it('applies a raised limit to the frames that follow', () => {
    const parser = new FrameParser(8);
    const frames: Uint8Array[] = [];
    parser.push(encodeFrame(Uint8Array.of(1, 2, 3, 4)), (f) => frames.push(f));
    parser.maxFrameBytes = 1024;
    parser.push(encodeFrame(new Uint8Array(500)), (f) => frames.push(f));
    expect(frames.map((f) => f.length)).toEqual([4, 500]);
  });

  it('reports the retire marker in its place in the stream, split anywhere', () => {
    const withMarker = Buffer.concat([encodeFrame(Uint8Array.of(1)), encodeRetireMarker(), encodeFrame(Uint8Array.of(2))]);
    for (let at = 0; at <= withMarker.length; at++) {
      const events: string[] = [];
      const parser = new FrameParser(64);
      for (const chunk of [withMarker.subarray(0, at), withMarker.subarray(at)]) {
        parser.push(
          chunk,
          (frame) => events.push(hex(frame)),
          () => events.push('marker'),
        );
      }
      expect(events).toEqual(['01', 'marker', '02']);
      expect(parser.oversized).toBeUndefined();
    }
  });
});
