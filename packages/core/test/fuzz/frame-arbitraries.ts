import fc from 'fast-check';
import type { Frame, FrameBody } from '../../src/protocol/frames.js';
import type { Ballot, FlushValue, HeldMessage, MembershipBody } from '../../src/protocol/membership/membership.header.js';
import type { DataBody, HeartbeatBody, NakBody, PackBody } from '../../src/protocol/reliable/reliable.header.js';
import type { MessageMeta } from '../../src/protocol/types.js';

/**
 * Valid frames of every kind, in canonical form: defaults are left out (no order 'fifo',
 * no safe: false, no depsDelta: null), as the decoder leaves them out, so decode(encode(f))
 * must deep-equal f.
 */

/** Records with an ordinary prototype, like the decoder's, so strict deep equality holds. */
function record<T, K extends keyof T = keyof T>(model: { [P in keyof T]: fc.Arbitrary<T[P]> }, constraints: fc.RecordConstraints<K> = {}) {
  return fc.record<T, K>(model, { ...constraints, noNullPrototype: true });
}

/** Small numbers most of the time (what headers carry), the whole varint range sometimes. */
export const uint = fc.oneof({ arbitrary: fc.nat(1_000), weight: 3 }, { arbitrary: fc.maxSafeNat(), weight: 1 });
const seq = uint.map((n) => Math.max(1, n));

/**
 * Well-formed Unicode only: a string with a lone surrogate is not representable in UTF-8, so
 * TextEncoder turns it into U+FFFD and it cannot round-trip (see docs/security.md).
 */
const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 8 }), fc.constantFrom('g', 'orders', 'a:1/1', 'host-b:7002/3', ''));
const bytes = fc.uint8Array({ maxLength: 48 });
const strings = fc.array(text, { maxLength: 5 });
const uints = fc.array(uint, { maxLength: 6 });

const meta: fc.Arbitrary<MessageMeta> = record(
  {
    order: fc.constantFrom('causal', 'total', 'group', 'announce'),
    safe: fc.constant(true),
    depsDelta: fc.array(fc.tuple(uint, uint), { maxLength: 4 }),
  },
  { requiredKeys: [] },
);

const data: fc.Arbitrary<DataBody> = fc
  .tuple(record({ type: fc.constant('data' as const), seq, topic: text, payload: bytes }), meta)
  .map(([body, m]) => ({ ...body, ...m }));

const pack: fc.Arbitrary<PackBody> = record({ type: fc.constant('pack' as const), messages: fc.array(data, { maxLength: 4 }) });
const nak: fc.Arbitrary<NakBody> = record({ type: fc.constant('nak' as const), missing: fc.array(uint, { maxLength: 40 }) });
const heartbeat: fc.Arbitrary<HeartbeatBody> = record({
  type: fc.constant('heartbeat' as const),
  sentHigh: uint,
  acks: uints,
  flushing: fc.boolean(),
  slow: fc.boolean(),
});

const ballot: fc.Arbitrary<Ballot> = record({ round: fc.nat(0xffff_ffff), rank: fc.nat(0xffff) });
const held: fc.Arbitrary<HeldMessage> = fc
  .tuple(record({ senderRank: uint, seq, topic: text, payload: bytes }), meta)
  .map(([message, m]) => ({ ...message, ...m }));
const value: fc.Arbitrary<FlushValue> = record({
  viewId: uint,
  members: strings,
  targets: uints,
  messages: fc.array(held, { maxLength: 3 }),
});

const membership: fc.Arbitrary<MembershipBody> = fc.oneof(
  record({ type: fc.constant('join-request' as const), nonce: uint, candidate: fc.boolean(), vote: text }),
  fc.constant({ type: 'leave-request' as const }),
  record({ type: fc.constant('join-pending' as const), coordinator: text, nonce: uint, round: fc.nat(0xffff_ffff) }),
  record({ type: fc.constant('prepare' as const), ballot }),
  record({
    type: fc.constant('promise' as const),
    ballot,
    digest: uints,
    held: fc.array(held, { maxLength: 3 }),
    accepted: fc.option(record({ ballot, value }), { nil: null }),
  }),
  record({ type: fc.constant('reject' as const), promised: ballot }),
  record({ type: fc.constant('accept' as const), ballot, value }),
  record({ type: fc.constant('accepted' as const), ballot }),
  record({ type: fc.constant('install' as const), value }),
  record({
    type: fc.constant('welcome' as const),
    viewId: uint,
    members: strings,
    state: fc.option(bytes, { nil: null }),
    value,
  }),
  record({ type: fc.constant('view-notice' as const), viewId: uint, members: strings }),
);

export const frameBody: fc.Arbitrary<FrameBody> = fc.oneof(data, pack, nak, heartbeat, membership);

export const frame: fc.Arbitrary<Frame> = record({ epoch: fc.nat(0xffff_ffff), group: text, from: text, viewId: uint, body: frameBody });

/** The fifteen kinds, for checking that a run covered them all. */
export const FRAME_KINDS: readonly FrameBody['type'][] = [
  'data',
  'pack',
  'nak',
  'heartbeat',
  'join-request',
  'leave-request',
  'join-pending',
  'prepare',
  'promise',
  'reject',
  'accept',
  'accepted',
  'install',
  'welcome',
  'view-notice',
];
