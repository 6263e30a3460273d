import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { decodeFrameWith, encodeFrameWith } from '../../src/codec/frame.js';
import { FrameKinds, frameKind } from '../../src/codec/frame-kinds.js';
import { DecodeError } from '../../src/errors.js';
import { decodeFrame, encodeFrame, FRAME_KINDS, type Frame, type FrameBody } from '../../src/protocol/frames.js';

const b = (...v: number[]): Uint8Array => Uint8Array.from(v);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const held = [
  { senderRank: 0, seq: 4, topic: 'orders', payload: b(1, 2, 3) },
  {
    senderRank: 2,
    seq: 300,
    topic: 'ünïcødé ✓',
    payload: new Uint8Array(0),
    order: 'causal' as const,
    depsDelta: [[1, 3] as const],
    safe: true,
  },
];
const value = { viewId: 8, members: ['a:1/1', 'b:2/7'], targets: [4, 300], messages: held };

/**
 * One body of every kind with the bytes wire version 1 gives it: produced by the codec as it
 * was before the kinds moved into the layers (commit 9b4d79e), so the move changed no byte.
 */
const GOLDEN: readonly (readonly [string, FrameBody, string])[] = [
  [
    'data',
    { type: 'data', seq: 17, topic: 'prices', payload: b(0, 255, 128, 7) },
    '010080bcc1960b076772c3bc7070650b686f73743a373030302f320c11067072696365730400ff800700',
  ],
  [
    'data, every header field',
    {
      type: 'data',
      seq: 200,
      topic: '话题',
      payload: b(9),
      order: 'total',
      safe: true,
      depsDelta: [
        [0, 5],
        [2, 130],
      ],
      call: 3,
      requestKey: 'k-1',
    },
    '010080bcc1960b076772c3bc7070650b686f73743a373030302f320cc80106e8af9de9a29801097a02000502820103036b2d31',
  ],
  [
    'pack',
    {
      type: 'pack',
      messages: [
        { type: 'data', seq: 1, topic: 't', payload: b(1) },
        { type: 'data', seq: 2, topic: 't', payload: b(2, 2), order: 'causal', depsDelta: [[1, 1]] },
      ],
    },
    '010e80bcc1960b076772c3bc7070650b686f73743a373030302f320c0201017401010002017402020211010101',
  ],
  ['nak', { type: 'nak', missing: [3, 4, 1000000] }, '010180bcc1960b076772c3bc7070650b686f73743a373030302f320c030304c0843d'],
  [
    'heartbeat',
    { type: 'heartbeat', sentHigh: 42, acks: [42, 0, 17], flushing: true, slow: false },
    '010280bcc1960b076772c3bc7070650b686f73743a373030302f320c2a032a00110100',
  ],
  [
    'join-request',
    { type: 'join-request', nonce: 77, candidate: true, vote: '127.0.0.1:7000' },
    '010380bcc1960b076772c3bc7070650b686f73743a373030302f320c4d010e3132372e302e302e313a37303030',
  ],
  [
    'join-pending',
    { type: 'join-pending', coordinator: 'a:1/1', nonce: 77, round: 3 },
    '010480bcc1960b076772c3bc7070650b686f73743a373030302f320c05613a312f314d03',
  ],
  ['leave-request', { type: 'leave-request' }, '010580bcc1960b076772c3bc7070650b686f73743a373030302f320c'],
  ['prepare', { type: 'prepare', ballot: { round: 5, rank: 2 } }, '010680bcc1960b076772c3bc7070650b686f73743a373030302f320c0502'],
  [
    'promise',
    { type: 'promise', ballot: { round: 6, rank: 0 }, digest: [4, 300], held, accepted: { ballot: { round: 5, rank: 2 }, value } },
    '010780bcc1960b076772c3bc7070650b686f73743a373030302f320c06000204ac02020004066f7264657273030102030002ac020fc3bc6ec3af63c3b864c3a920e29c930019010103010502080205613a312f3105623a322f370204ac02020004066f7264657273030102030002ac020fc3bc6ec3af63c3b864c3a920e29c930019010103',
  ],
  ['reject', { type: 'reject', promised: { round: 9, rank: 1 } }, '010880bcc1960b076772c3bc7070650b686f73743a373030302f320c0901'],
  [
    'accept',
    { type: 'accept', ballot: { round: 5, rank: 2 }, value },
    '010980bcc1960b076772c3bc7070650b686f73743a373030302f320c0502080205613a312f3105623a322f370204ac02020004066f7264657273030102030002ac020fc3bc6ec3af63c3b864c3a920e29c930019010103',
  ],
  ['accepted', { type: 'accepted', ballot: { round: 5, rank: 2 } }, '010a80bcc1960b076772c3bc7070650b686f73743a373030302f320c0502'],
  [
    'install',
    { type: 'install', value },
    '010b80bcc1960b076772c3bc7070650b686f73743a373030302f320c080205613a312f3105623a322f370204ac02020004066f7264657273030102030002ac020fc3bc6ec3af63c3b864c3a920e29c930019010103',
  ],
  [
    'welcome',
    { type: 'welcome', viewId: 8, members: ['a:1/1'], state: b(4, 5), value },
    '010c80bcc1960b076772c3bc7070650b686f73743a373030302f320c080105613a312f3101020405080205613a312f3105623a322f370204ac02020004066f7264657273030102030002ac020fc3bc6ec3af63c3b864c3a920e29c930019010103',
  ],
  [
    'view-notice',
    { type: 'view-notice', viewId: 8, members: ['a:1/1', 'b:2/7'] },
    '010d80bcc1960b076772c3bc7070650b686f73743a373030302f320c080205613a312f3105623a322f37',
  ],
  [
    'reply',
    { type: 'reply', to: 'c/1', call: 4, viewId: 8, rank: 1, failed: false, payload: b(7), context: 'ctx', ranIn: { viewId: 7, rank: 0 } },
    '010f80bcc1960b076772c3bc7070650b686f73743a373030302f320c03632f31040801000107036374780700',
  ],
  ['reply-ack', { type: 'reply-ack', call: 4 }, '011080bcc1960b076772c3bc7070650b686f73743a373030302f320c04'],
  [
    'client-request',
    {
      type: 'client-request',
      key: 'k',
      call: 2,
      viewLabel: 8,
      topic: 'orders',
      order: 'total',
      safe: true,
      quorum: 2,
      timeoutMs: 1500,
      payload: b(1, 2),
    },
    '011180bcc1960b076772c3bc7070650b686f73743a373030302f320c016b0208066f7264657273020102dc0b020102',
  ],
  [
    'client-reject',
    { type: 'client-reject', call: 2, viewId: 8, members: ['a:1/1'], code: 'BACKPRESSURE', message: 'slow down' },
    '011280bcc1960b076772c3bc7070650b686f73743a373030302f320c02080105613a312f310c4241434b505245535355524509736c6f7720646f776e',
  ],
  [
    'client-result',
    {
      type: 'client-result',
      call: 2,
      viewId: 8,
      expected: ['a:1/1', 'b:2/7'],
      replies: [
        { member: 'a:1/1', rank: 0, failed: false, payload: b(3) },
        { member: 'b:2/7', rank: 1, viewId: 7, failed: true, payload: b() },
      ],
      failed: [],
      slow: ['b:2/7'],
      quorumMet: true,
    },
    '011380bcc1960b076772c3bc7070650b686f73743a373030302f320c02080205613a312f3105623a322f370205613a312f31000000010305623a322f3701070100000105623a322f3701',
  ],
  ['view-query', { type: 'view-query' }, '011480bcc1960b076772c3bc7070650b686f73743a373030302f320c'],
];

const frameOf = (body: FrameBody): Frame => ({ epoch: 3_000_000_000, group: 'grüppe', from: 'host:7000/2', viewId: 12, body });

describe('frame kinds', () => {
  it.each(GOLDEN)('encodes %s to the same bytes as wire version 1 always did, and back', (_name, body, bytes) => {
    expect(hex(encodeFrame(frameOf(body)))).toBe(bytes);
    expect(decodeFrame(Buffer.from(bytes, 'hex'))).toEqual(frameOf(body));
  });

  it('gives every kind of the protocol one code, as in wire version 1', () => {
    const codes = Object.fromEntries([...FRAME_KINDS].map((kind) => [kind.type, kind.code]));
    expect(codes).toEqual({
      data: 0,
      nak: 1,
      heartbeat: 2,
      'join-request': 3,
      'join-pending': 4,
      'leave-request': 5,
      prepare: 6,
      promise: 7,
      reject: 8,
      accept: 9,
      accepted: 10,
      install: 11,
      welcome: 12,
      'view-notice': 13,
      pack: 14,
      reply: 15,
      'reply-ack': 16,
      'client-request': 17,
      'client-reject': 18,
      'client-result': 19,
      'view-query': 20,
    });
    expect(new Set(GOLDEN.map(([, body]) => body.type)).size).toBe(FRAME_KINDS.size);
  });

  it('rejects every code no kind has', () => {
    for (let code = 0; code <= 0xff; code++) {
      const bytes = Buffer.from(GOLDEN[0]![2], 'hex');
      bytes[1] = code;
      if (FRAME_KINDS.ofCode(code) === undefined) expect(() => decodeFrame(bytes)).toThrow(new DecodeError('unknown frame kind'));
    }
  });

  it('refuses to build a table with a code or a name given twice, or a code beyond a byte', () => {
    const ping = frameKind<{ type: 'ping' }>({ code: 1, type: 'ping', write: () => {}, read: () => ({ type: 'ping' }) });
    const pong = frameKind<{ type: 'pong' }>({ code: 2, type: 'pong', write: () => {}, read: () => ({ type: 'pong' }) });
    expect(() => new FrameKinds<{ type: 'ping' | 'pong' }>([ping, { ...pong, code: 1 }])).toThrow(/share code 1/);
    expect(() => new FrameKinds([ping, { ...ping, code: 3 }])).toThrow(/declared twice/);
    expect(() => new FrameKinds([{ ...ping, code: 256 }])).toThrow(RangeError);
  });

  it('lets another table of kinds use the same envelope, and throws for a body of a kind not in it', () => {
    const kinds = new FrameKinds<{ type: 'ping'; n: number }>([
      frameKind<{ type: 'ping'; n: number }>({
        code: 200,
        type: 'ping',
        write: (w, body) => {
          w.uint(body.n);
        },
        read: (r) => ({ type: 'ping', n: r.uint() }),
      }),
    ]);
    const frame = { epoch: 1, group: 'g', from: 'a/1', viewId: 0, body: { type: 'ping' as const, n: 300 } };
    const bytes = encodeFrameWith(kinds, frame);
    expect(decodeFrameWith(kinds, bytes)).toEqual(frame);
    expect(() => decodeFrame(bytes)).toThrow(new DecodeError('unknown frame kind'));
    expect(() => encodeFrameWith(kinds, { ...frame, body: { type: 'pong', n: 1 } as never })).toThrow(/no frame kind named pong/);
  });

  it('hands back payloads that alias neither the input buffer nor, in a pack, each other', () => {
    const messages = [
      { type: 'data' as const, seq: 1, topic: 't', payload: b(1, 2, 3) },
      { type: 'data' as const, seq: 2, topic: 't', payload: b(4) },
    ];
    for (const input of [(x: Uint8Array) => x, (x: Uint8Array) => Buffer.from(x)]) {
      const encoded = input(encodeFrame(frameOf({ type: 'pack', messages })));
      const decoded = decodeFrame(encoded).body;
      encoded.fill(0);
      expect(decoded).toEqual({ type: 'pack', messages });
      if (decoded.type !== 'pack') throw new Error('not a pack');
      decoded.messages[0]!.payload.fill(9);
      expect(decoded.messages[1]!.payload).toEqual(b(4));
      const lone = input(encodeFrame(frameOf(messages[0]!)));
      const body = decodeFrame(lone).body;
      lone.fill(0);
      expect(body).toEqual(messages[0]);
    }
  });

  it('keeps the codec free of the protocol: codec/ imports nothing of protocol/', () => {
    const dir = join(import.meta.dirname, '../../src/codec');
    for (const file of readdirSync(dir)) {
      const imports = [...readFileSync(join(dir, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      for (const path of imports) expect(`${file}: ${path}`).toMatch(/: (\.\/[\w-]+\.js|\.\.\/errors\.js)$/);
    }
  });
});
