import { FrameReader } from '../../codec/frame-reader.js';
import { FrameWriter } from '../../codec/frame-writer.js';
import { DecodeError } from '../../errors.js';

const ENVELOPE_VERSION = 1;

/**
 * What a joiner receives at the view it joins in: the application's state (null when the
 * group has no getState) and the keys of the client requests already executed, whose effects
 * that state holds, so a client's retry does not run them a second time at the joiner.
 */
export interface StateEnvelope {
  readonly app: Uint8Array | null;
  readonly executedKeys: readonly string[];
}

export function encodeStateEnvelope(envelope: StateEnvelope): Uint8Array {
  const w = new FrameWriter(64 + (envelope.app?.length ?? 0));
  w.u8(ENVELOPE_VERSION).bool(envelope.app !== null);
  if (envelope.app) w.bytes(envelope.app);
  return w.strings(envelope.executedKeys).finish();
}

/** Throws DecodeError for anything that is not an envelope. */
export function decodeStateEnvelope(bytes: Uint8Array): StateEnvelope {
  const r = new FrameReader(bytes);
  if (r.u8() !== ENVELOPE_VERSION) throw new DecodeError('unknown state envelope version');
  const app = r.bool() ? r.bytes().slice() : null;
  const executedKeys = r.strings();
  r.end();
  return { app, executedKeys };
}
