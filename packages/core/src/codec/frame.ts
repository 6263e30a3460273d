import { DecodeError } from '../errors.js';
import { FrameReader } from './frame-reader.js';
import { FrameWriter } from './frame-writer.js';
import type { FrameBodyBase, FrameKinds } from './frame-kinds.js';

/**
 * A frame: version, kind, the group's epoch (0: not known to the sender), group, sender
 * incarnation and the sender's view id (0 before it has one), then the body of the layer
 * that owns the kind. The epoch is drawn at random when a group is formed; a member drops
 * frames of another epoch (an earlier incarnation of the group), so a replay from a group that
 * was formed before cannot act on this one (docs/security.md).
 *
 * The codec knows the envelope, not the bodies: the kinds come from the table the caller
 * passes (the protocol's is protocol/frames.ts, with encodeFrame and decodeFrame).
 */
export const WIRE_VERSION = 1;
export const EPOCH_MAX = 0xffff_ffff;

/** Bytes of the envelope besides the group's name and the sender's id (version, kind, two varints). */
const ENVELOPE_BYTES = 16;
/** The body's guess when its kind gives none. */
const BODY_BYTES_DEFAULT = 112;

export interface FrameOf<B extends FrameBodyBase> {
  /** The group incarnation's epoch (0 or absent: the sender does not know one: a joiner, a client). */
  readonly epoch?: number;
  readonly group: string;
  /** The sender's member id (protocol/types.ts MemberId). */
  readonly from: string;
  readonly viewId: number;
  readonly body: B;
}

export function encodeFrameWith<B extends FrameBodyBase>(kinds: FrameKinds<B>, frame: FrameOf<B>): Uint8Array {
  const kind = kinds.ofType(frame.body.type);
  const guess = ENVELOPE_BYTES + frame.group.length + frame.from.length + (kind.sizeHint?.(frame.body) ?? BODY_BYTES_DEFAULT);
  // One writer serves every frame (taken while in use: a writer that throws is not reused), so
  // a frame costs one allocation, the copy finish() returns.
  const w = scratch ?? new FrameWriter(guess);
  scratch = null;
  w.reset(guess);
  // The group and the sender recur in every frame: interned (codec/interned-strings.ts).
  w.u8(WIRE_VERSION)
    .u8(kind.code)
    .uint(frame.epoch ?? 0)
    .internedString(frame.group)
    .internedString(frame.from)
    .uint(frame.viewId);
  kind.write(w, frame.body);
  const bytes = w.finish();
  if (w.capacity <= SCRATCH_BYTES_MAX) scratch = w;
  return bytes;
}

/** The writer's buffer is kept up to this size between frames; a larger one goes after its frame. */
const SCRATCH_BYTES_MAX = 256 * 1024;
let scratch: FrameWriter | null = null;

/**
 * Throws DecodeError for anything that is not a well-formed frame of this version and of a kind
 * in `kinds`. Nothing decoded aliases `bytes`: the kinds' readers copy what they keep.
 */
export function decodeFrameWith<B extends FrameBodyBase>(kinds: FrameKinds<B>, bytes: Uint8Array): FrameOf<B> {
  const r = new FrameReader(bytes);
  const version = r.u8();
  if (version !== WIRE_VERSION) throw new DecodeError(`unknown wire version ${version}`);
  const kind = kinds.ofCode(r.u8());
  if (kind === undefined) throw new DecodeError('unknown frame kind');
  const epoch = r.uint();
  if (epoch > EPOCH_MAX) throw new DecodeError('epoch out of range');
  const group = r.internedString();
  const from = r.internedString();
  const viewId = r.uint();
  const body = kind.read(r);
  r.end();
  return { epoch, group, from, viewId, body };
}
