import type { Address } from '../wire.js';
import { MAX_ADDRESS_BYTES, parseAddress } from './address.js';
import { FRAME_HEADER_BYTES } from './frame-parser.js';

/**
 * The hello: the first frame each side writes on every connection, before anything else.
 *
 *   magic    4 bytes  "COHT"
 *   version  u8       HELLO_VERSION
 *   instance u32 BE   random per wire: tells a restarted peer (same address) from the old one
 *   length   u16 BE   then the sender's listen address, UTF-8
 *
 * It tells the acceptor who dialed (the remote port of an inbound socket is ephemeral, not
 * the peer's address), and lets both ends refuse a stranger speaking another protocol.
 */
export const HELLO_MAGIC = Uint8Array.of(0x43, 0x4f, 0x48, 0x54);
export const HELLO_VERSION = 1;

const FIXED_BYTES = HELLO_MAGIC.length + 1 + 4 + 2;

/** The parser's limit while it waits for a hello: a peer cannot make us buffer more first. */
export const HELLO_MAX_FRAME_BYTES = FRAME_HEADER_BYTES + FIXED_BYTES + MAX_ADDRESS_BYTES;

export interface Hello {
  address: Address;
  instance: number;
}

export type HelloResult = { ok: true; hello: Hello } | { ok: false; reason: string };

export function encodeHello(hello: Hello): Uint8Array {
  const address = Buffer.from(hello.address, 'utf8');
  const bytes = Buffer.alloc(FIXED_BYTES + address.length);
  bytes.set(HELLO_MAGIC, 0);
  bytes.writeUInt8(HELLO_VERSION, 4);
  bytes.writeUInt32BE(hello.instance >>> 0, 5);
  bytes.writeUInt16BE(address.length, 9);
  bytes.set(address, FIXED_BYTES);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

export function decodeHello(frame: Uint8Array): HelloResult {
  if (frame.length < FIXED_BYTES) return { ok: false, reason: 'hello truncated' };
  for (let i = 0; i < HELLO_MAGIC.length; i++) {
    if (frame[i] !== HELLO_MAGIC[i]) return { ok: false, reason: 'not a Cohort peer (bad magic)' };
  }
  const view = Buffer.from(frame.buffer, frame.byteOffset, frame.length);
  const version = view.readUInt8(4);
  if (version !== HELLO_VERSION) return { ok: false, reason: `unsupported wire version ${version}` };
  const instance = view.readUInt32BE(5);
  const length = view.readUInt16BE(9);
  if (frame.length !== FIXED_BYTES + length) return { ok: false, reason: 'hello length mismatch' };
  let address: string;
  try {
    address = new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(FIXED_BYTES));
  } catch {
    return { ok: false, reason: 'hello address is not UTF-8' };
  }
  if (parseAddress(address) === undefined) return { ok: false, reason: `hello address "${address}" is not host:port` };
  return { ok: true, hello: { address, instance } };
}
