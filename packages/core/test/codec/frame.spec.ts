import { describe, expect, it } from '@jest/globals';
import { decodeFrame, encodeFrame, WIRE_VERSION, type Frame, type FrameBody } from '../../src/protocol/frames.js';
import { FrameWriter } from '../../src/codec/frame-writer.js';
import { seededRandom, type Random } from '../../src/env/random.js';
import { DecodeError } from '../../src/errors.js';
import type { FlushValue, HeldMessage } from '../../src/protocol/membership/membership.header.js';
import { NAK_SEQS_MAX } from '../../src/protocol/reliable/reliable.header.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

const held: HeldMessage[] = [
  { senderRank: 0, seq: 4, topic: 'orders', payload: bytes(1, 2, 3) },
  { senderRank: 2, seq: 300, topic: 'ünïcødé ✓', payload: new Uint8Array(0) },
];

const value: FlushValue = {
  viewId: 8,
  members: ['a:1/1', 'b:2/7', 'joiner/3'],
  targets: [4, 0, 300],
  messages: held,
};

/** One body of every frame kind, optional parts both present and absent. */
const BODIES: Record<string, FrameBody> = {
  data: { type: 'data', seq: 17, topic: 'prices', payload: bytes(0, 255, 128, 7) },
  'data with an empty payload and topic': { type: 'data', seq: 1, topic: '', payload: new Uint8Array(0) },
  nak: { type: 'nak', missing: [3, 4, 9, 1_000_000] },
  'nak with nothing missing': { type: 'nak', missing: [] },
  heartbeat: { type: 'heartbeat', sentHigh: 42, acks: [42, 0, 17], flushing: true, slow: true },
  'join-request': { type: 'join-request', nonce: 0, candidate: false, vote: '' },
  'join-request echoing a nonce': { type: 'join-request', nonce: 2_147_483_647, candidate: true, vote: '127.0.0.1:7000' },
  'join-pending': { type: 'join-pending', coordinator: 'a:1/1', nonce: 77, round: 3 },
  'leave-request': { type: 'leave-request' },
  prepare: { type: 'prepare', ballot: { round: 5, rank: 2 } },
  'promise without an accepted value': {
    type: 'promise',
    ballot: { round: 5, rank: 2 },
    digest: [4, 0, 299],
    held,
    accepted: null,
  },
  'promise with an accepted value': {
    type: 'promise',
    ballot: { round: 6, rank: 0 },
    digest: [4, 0, 300],
    held: [],
    accepted: { ballot: { round: 5, rank: 2 }, value },
  },
  reject: { type: 'reject', promised: { round: 9, rank: 1 } },
  accept: { type: 'accept', ballot: { round: 5, rank: 2 }, value },
  accepted: { type: 'accepted', ballot: { round: 5, rank: 2 } },
  install: { type: 'install', value },
  'install of a value with no messages': { type: 'install', value: { viewId: 2, members: ['a/1'], targets: [0], messages: [] } },
  'welcome with state': { type: 'welcome', viewId: 8, members: ['a:1/1', 'joiner/3'], state: bytes(9, 8, 7), value },
  'welcome with empty state': { type: 'welcome', viewId: 8, members: ['a:1/1', 'joiner/3'], state: new Uint8Array(0), value },
  'welcome without state': { type: 'welcome', viewId: 8, members: ['a:1/1', 'joiner/3'], state: null, value },
  'view-notice': { type: 'view-notice', viewId: 12, members: ['b:2/7'] },
  pack: {
    type: 'pack',
    messages: [
      { type: 'data', seq: 1, topic: 't', payload: bytes(1) },
      {
        type: 'data',
        seq: 2,
        topic: 't',
        payload: bytes(2),
        order: 'causal',
        depsDelta: [
          [0, 3],
          [2, 1],
        ],
      },
      { type: 'data', seq: 3, topic: 'u', payload: bytes(), order: 'group', safe: true },
      { type: 'data', seq: 4, topic: 'q', payload: bytes(4), order: 'total', call: 9, requestKey: 'client/2#7' },
    ],
  },
  'data of a synchronous call': { type: 'data', seq: 5, topic: 'q', payload: bytes(5), call: 300 },
  reply: { type: 'reply', to: 'a:1/1', call: 300, viewId: 8, rank: 2, failed: false, payload: bytes(1, 2), context: 'AQE' },
  'error reply without context': { type: 'reply', to: 'c/1', call: 1, viewId: 1, rank: 0, failed: true, payload: bytes(), context: '' },
  'reply-ack': { type: 'reply-ack', call: 300 },
  'client-request (relay)': {
    type: 'client-request',
    key: 'c/5#1',
    call: 1,
    viewLabel: 0,
    topic: 't',
    order: 'causal',
    safe: true,
    quorum: 3,
    timeoutMs: 10_000,
    payload: bytes(7),
  },
  'client-request (direct)': {
    type: 'client-request',
    key: 'c/5#2',
    call: 2,
    viewLabel: 8,
    topic: 't',
    order: 'fifo',
    safe: false,
    quorum: 0,
    timeoutMs: 1,
    payload: bytes(),
  },
  'client-reject': { type: 'client-reject', call: 2, viewId: 9, members: ['a:1/1', 'b:2/7'] },
  'client-result': {
    type: 'client-result',
    call: 1,
    viewId: 8,
    expected: ['a/1', 'b/1', 'c/1'],
    replies: [
      { member: 'a/1', rank: 0, failed: false, payload: bytes(1) },
      { member: 'b/1', rank: 1, failed: true, payload: bytes() },
    ],
    failed: ['c/1'],
    slow: [],
    quorumMet: false,
  },
  'view-query': { type: 'view-query' },
};

const frameOf = (body: FrameBody, viewId = 7): Frame => ({ group: 'flights', from: 'a:1/1', viewId, body });
const SAMPLES = Object.entries(BODIES).map(([name, body]) => [name, frameOf(body)] as const);
const ENCODED = SAMPLES.map(([, frame]) => encodeFrame(frame));

/** Runs decodeFrame and says how it ended; anything but a frame or a DecodeError fails the test. */
function decodeOutcome(input: Uint8Array): Frame | DecodeError {
  try {
    return decodeFrame(input);
  } catch (error) {
    if (error instanceof DecodeError) return error;
    throw new Error(`decodeFrame threw ${String(error)} for [${Array.from(input).join(',')}]`, { cause: error });
  }
}

function expectDecodeError(input: Uint8Array): DecodeError {
  const outcome = decodeOutcome(input);
  if (!(outcome instanceof DecodeError)) throw new Error(`decoded [${Array.from(input).join(',')}] to a ${outcome.body.type} frame`);
  expect(outcome.code).toBe('DECODE');
  return outcome;
}

/** The bytes of a frame header (version, kind, epoch, group, from, viewId) followed by `body`. */
function rawFrame(kindCode: number, writeBody: (w: FrameWriter) => void): Uint8Array {
  const w = new FrameWriter().u8(WIRE_VERSION).u8(kindCode).uint(0).string('g').string('m/1').uint(1);
  writeBody(w);
  return w.finish();
}

const KIND_DATA = 0;
const KIND_NAK = 1;
const KIND_HEARTBEAT = 2;
const KIND_WELCOME = 12;

describe('frame codec: round trip', () => {
  it.each(SAMPLES)('decodes an encoded %s frame to an equal frame', (_name, frame) => {
    expect(decodeFrame(encodeFrame(frame))).toEqual({ epoch: 0, ...frame });
  });

  it('covers every frame kind', () => {
    const kinds = new Set(SAMPLES.map(([, frame]) => frame.body.type));
    expect([...kinds].sort()).toEqual([
      'accept',
      'accepted',
      'client-reject',
      'client-request',
      'client-result',
      'data',
      'heartbeat',
      'install',
      'join-pending',
      'join-request',
      'leave-request',
      'nak',
      'pack',
      'prepare',
      'promise',
      'reject',
      'reply',
      'reply-ack',
      'view-notice',
      'view-query',
      'welcome',
    ]);
  });

  it('gives every kind its own code, so no two kinds encode alike', () => {
    const kindBytes = new Map<string, number>();
    for (const [index, [, frame]] of SAMPLES.entries()) kindBytes.set(frame.body.type, ENCODED[index]![1]!);
    expect(new Set(kindBytes.values()).size).toBe(kindBytes.size);
  });

  it('round-trips the sender view id 0 used before a member has a view, and the largest safe integers', () => {
    const frame: Frame = {
      group: 'g',
      from: 'x/1',
      viewId: 0,
      body: {
        type: 'heartbeat',
        sentHigh: Number.MAX_SAFE_INTEGER,
        acks: [0, 127, 128, 16_383, 16_384, 2 ** 32, Number.MAX_SAFE_INTEGER],
        flushing: false,
        slow: false,
      },
    };
    expect(decodeFrame(encodeFrame(frame))).toEqual({ epoch: 0, ...frame });
  });

  it('round-trips a large payload', () => {
    const random = seededRandom(11);
    const payload = Uint8Array.from({ length: 100_000 }, () => random.int(256));
    const frame = frameOf({ type: 'data', seq: 2, topic: 't', payload });
    expect(decodeFrame(encodeFrame(frame))).toEqual({ epoch: 0, ...frame });
  });

  it('round-trips multi-byte utf-8 in group, member and topic names', () => {
    const frame: Frame = {
      group: 'grüppe-组-🚀',
      from: 'höst:1/2',
      viewId: 3,
      body: { type: 'data', seq: 5, topic: '话题 🎯', payload: bytes(1) },
    };
    expect(decodeFrame(encodeFrame(frame))).toEqual({ epoch: 0, ...frame });
  });

  it('round-trips a string that begins with a byte-order mark', () => {
    // U+FEFF is an ordinary character of a JS string; the codec must not drop it.
    const frame: Frame = {
      group: '\uFEFFg',
      from: 'a/1',
      viewId: 1,
      body: { type: 'data', seq: 1, topic: '\uFEFFtopic', payload: bytes() },
    };
    expect(decodeFrame(encodeFrame(frame))).toEqual({ epoch: 0, ...frame });
  });

  it('hands back payloads that do not alias the input buffer', () => {
    const encoded = encodeFrame(frameOf({ type: 'data', seq: 1, topic: 't', payload: bytes(1, 2, 3) }));
    const decoded = decodeFrame(encoded);
    encoded.fill(0);
    expect(decoded.body).toEqual({ type: 'data', seq: 1, topic: 't', payload: bytes(1, 2, 3) });
  });
});

describe('frame codec: malformed input always ends in DecodeError', () => {
  it('rejects an empty buffer', () => {
    expectDecodeError(new Uint8Array(0));
  });

  it.each(SAMPLES.map(([name], index) => [name, index] as const))('rejects every strict prefix of a %s frame', (_name, index) => {
    const encoded = ENCODED[index]!;
    for (let length = 0; length < encoded.length; length++) expectDecodeError(encoded.subarray(0, length));
  });

  it.each(SAMPLES.map(([name], index) => [name, index] as const))('rejects a %s frame with a trailing byte', (_name, index) => {
    const encoded = ENCODED[index]!;
    const longer = new Uint8Array(encoded.length + 1);
    longer.set(encoded);
    expect(expectDecodeError(longer).message).toMatch(/trailing/);
  });

  it('rejects every wire version but the current one', () => {
    const encoded = ENCODED[0]!;
    for (let version = 0; version < 256; version++) {
      if (version === WIRE_VERSION) continue;
      const changed = encoded.slice();
      changed[0] = version;
      expect(expectDecodeError(changed).message).toMatch(/version/);
    }
  });

  it('rejects every unknown frame kind', () => {
    for (let kind = SAMPLES.length; kind < 256; kind++) {
      const frame = rawFrame(kind, () => {});
      expect(expectDecodeError(frame).message).toMatch(/kind/);
    }
    expect(expectDecodeError(rawFrame(21, (w) => w.uint(1))).message).toMatch(/kind/);
  });

  it('rejects a varint longer than eight bytes', () => {
    // viewId: nine continuation bytes.
    const input = bytes(WIRE_VERSION, KIND_HEARTBEAT, 0, 1, 0x67, 1, 0x6d, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0);
    expect(expectDecodeError(input).message).toMatch(/varint too long/);
  });

  it('rejects an eight-byte varint above the largest safe integer', () => {
    const w = new FrameWriter().u8(WIRE_VERSION).u8(KIND_HEARTBEAT).uint(0).string('g').string('m');
    const tooBig = rawVarint(2 ** 53);
    const input = new Uint8Array([...w.finish(), ...tooBig, 0, 0]);
    expect(expectDecodeError(input).message).toMatch(/out of range/);
  });

  it('accepts the largest safe integer as an eight-byte varint', () => {
    const encoded = new FrameWriter().uint(Number.MAX_SAFE_INTEGER).finish();
    expect(encoded).toEqual(Uint8Array.from(rawVarint(Number.MAX_SAFE_INTEGER)));
    expect(encoded.length).toBe(8);
  });

  it('rejects invalid utf-8 in a string field', () => {
    const invalid = [[0xff], [0xc3], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]];
    for (const sequence of invalid) {
      const input = rawFrame(KIND_DATA, (w) => w.uint(1).bytes(Uint8Array.from(sequence)).bytes(bytes()));
      expect(expectDecodeError(input).message).toMatch(/utf-8/);
    }
  });

  it('rejects a string whose length runs past the end of the frame', () => {
    const input = bytes(WIRE_VERSION, KIND_HEARTBEAT, 0, 200, 0x67);
    expect(expectDecodeError(input).message).toMatch(/truncated/);
  });

  it('rejects a list count larger than the bytes left, without allocating for it', () => {
    const input = rawFrame(KIND_HEARTBEAT, (w) => w.uint(3).uint(Number.MAX_SAFE_INTEGER));
    expect(expectDecodeError(input).message).toMatch(/count/);
  });

  it('rejects a data frame with sequence number 0', () => {
    expectDecodeError(rawFrame(KIND_DATA, (w) => w.uint(0).string('t').bytes(bytes())));
  });

  it('rejects a held message with sequence number 0 inside an install', () => {
    const install = rawFrame(10, (w) => {
      w.uint(2).strings(['a/1']).uints([1]);
      w.uint(1).uint(0).uint(0).string('t').bytes(bytes());
    });
    expectDecodeError(install);
  });

  it(`rejects a nak asking for more than ${NAK_SEQS_MAX} messages`, () => {
    const many = Array.from({ length: NAK_SEQS_MAX + 1 }, (_, i) => i + 1);
    expect(expectDecodeError(rawFrame(KIND_NAK, (w) => w.uints(many))).message).toMatch(/nak too long/);
    expect(decodeFrame(rawFrame(KIND_NAK, (w) => w.uints(many.slice(1)))).body).toEqual({ type: 'nak', missing: many.slice(1) });
  });

  it('rejects a boolean byte other than 0 or 1', () => {
    const welcome = rawFrame(KIND_WELCOME, (w) => w.uint(2).strings(['a/1']).u8(2));
    expect(expectDecodeError(welcome).message).toMatch(/boolean/);
  });

  it('survives 20,000 random mutations of valid frames: a frame or a DecodeError, nothing else', () => {
    const random = seededRandom(20_240_601);
    let decoded = 0;
    let rejected = 0;
    for (let i = 0; i < 20_000; i++) {
      const input = mutate(ENCODED[random.int(ENCODED.length)]!, random);
      const outcome = decodeOutcome(input);
      if (outcome instanceof DecodeError) {
        if (outcome.code !== 'DECODE') expect(outcome.code).toBe('DECODE');
        rejected++;
      } else {
        // Whatever decodes is a well-formed frame: its canonical encoding decodes to the same frame.
        const canonical = encodeFrame(outcome);
        if (!sameBytes(encodeFrame(decodeFrame(canonical)), canonical)) expect(decodeFrame(canonical)).toEqual(outcome);
        decoded++;
      }
    }
    // The mutations must exercise both outcomes, or the loop proves little.
    expect({ decoded: decoded > 1_000, rejected: rejected > 5_000 }).toEqual({ decoded: true, rejected: true });
  });

  it('survives 5,000 random byte strings', () => {
    const random = seededRandom(99);
    for (let i = 0; i < 5_000; i++) {
      const input = Uint8Array.from({ length: random.int(64) }, () => random.int(256));
      if (random.next() < 0.5 && input.length > 1) {
        input[0] = WIRE_VERSION;
        input[1] = random.int(16);
      }
      decodeOutcome(input);
    }
  });
});

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** LEB128 of a non-negative integer, computed independently of FrameWriter. */
function rawVarint(value: number): number[] {
  const out: number[] = [];
  let rest = BigInt(value);
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
  return out;
}

/** One to three random edits: flip a bit, set a byte, insert, delete, truncate or duplicate a slice. */
function mutate(source: Uint8Array, random: Random): Uint8Array {
  let data = Array.from(source);
  const edits = 1 + random.int(3);
  for (let e = 0; e < edits; e++) {
    const at = random.int(Math.max(data.length, 1));
    switch (random.int(6)) {
      case 0:
        if (data.length > 0) data[at] = data[at]! ^ (1 << random.int(8));
        break;
      case 1:
        if (data.length > 0) data[at] = [0, 1, 0x7f, 0x80, 0xff, random.int(256)][random.int(6)]!;
        break;
      case 2:
        data.splice(at, 0, random.int(256));
        break;
      case 3:
        data.splice(at, 1 + random.int(4));
        break;
      case 4:
        data = data.slice(0, at);
        break;
      default:
        data.splice(at, 0, ...data.slice(at, at + 1 + random.int(8)));
        break;
    }
  }
  return Uint8Array.from(data);
}
