/**
 * What one NATS message carries: a small header naming the sender, then frames.
 *
 * | bytes | field |
 * | --- | --- |
 * | 2 | magic `CN` |
 * | 1 | version (1) |
 * | 1 | kind (below) |
 * | 4 | instance: a random u32 per wire (tells a wire's own packets, and a restart, apart) |
 * | 1 + n | the sender's address, UTF-8, at most 255 bytes |
 *
 * Kinds and their bodies:
 *
 * - FRAMES: any number of `u32 length, bytes` (zero-length frames allowed).
 * - GROUP: a table of destination addresses (`u16 count`, then `u8 length, bytes` each), then
 *   any number of `u16 k, k × u16 index into the table, u32 length, bytes`: each frame names
 *   the members it is for; a wire that is not named skips it.
 * - FRAGMENT: `u32 frame id, u32 total length, u32 offset, bytes`: one piece of a frame too
 *   big for one NATS message, sent in order on the receiver's member subject.
 * - PROBE: no body; a "is anybody there?" whose only use is the "no responders" status.
 * - CHECK: no body; the address check of a starting wire. A wire that receives it answers
 *   with CHECK_ANSWER ("this address is mine").
 *
 * Every field is bounds-checked on decode: a packet that does not parse is dropped whole
 * (counted), never half-delivered.
 */
export const MAGIC0 = 0x43; // 'C'
export const MAGIC1 = 0x4e; // 'N'
export const VERSION = 1;

export enum Kind {
  Frames = 1,
  Group = 2,
  Fragment = 3,
  Probe = 4,
  Check = 5,
  CheckAnswer = 6,
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The fixed part of the header: magic, version, kind, instance, address length byte. */
const FIXED_HEADER_BYTES = 9;
const MAX_ADDRESS_BYTES = 255;

export interface PacketHeader {
  kind: number;
  instance: number;
  from: string;
  /** Where the body starts. */
  offset: number;
}

/** The encoded header of one sender; built once per wire and copied into each packet. */
export class HeaderBytes {
  private readonly bytes: Map<number, Uint8Array> = new Map();
  readonly length: number;

  constructor(
    readonly from: string,
    readonly instance: number,
  ) {
    const address = encoder.encode(from);
    if (address.length > MAX_ADDRESS_BYTES) throw new RangeError(`address longer than ${MAX_ADDRESS_BYTES} bytes`);
    this.length = FIXED_HEADER_BYTES + address.length;
    for (const kind of [Kind.Frames, Kind.Group, Kind.Fragment, Kind.Probe, Kind.Check, Kind.CheckAnswer]) {
      const header = new Uint8Array(this.length);
      header[0] = MAGIC0;
      header[1] = MAGIC1;
      header[2] = VERSION;
      header[3] = kind;
      new DataView(header.buffer).setUint32(4, instance);
      header[8] = address.length;
      header.set(address, FIXED_HEADER_BYTES);
      this.bytes.set(kind, header);
    }
  }

  of(kind: Kind): Uint8Array {
    return this.bytes.get(kind)!;
  }
}

export class PacketError extends Error {}

export function decodeHeader(packet: Uint8Array): PacketHeader {
  if (packet.length < FIXED_HEADER_BYTES) throw new PacketError('shorter than a header');
  if (packet[0] !== MAGIC0 || packet[1] !== MAGIC1) throw new PacketError('bad magic');
  if (packet[2] !== VERSION) throw new PacketError(`unknown version ${packet[2]}`);
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const addressLength = packet[8]!;
  const offset = FIXED_HEADER_BYTES + addressLength;
  if (addressLength === 0 || offset > packet.length) throw new PacketError('bad address length');
  let from: string;
  try {
    from = decoder.decode(packet.subarray(FIXED_HEADER_BYTES, offset));
  } catch {
    throw new PacketError('address is not UTF-8');
  }
  return { kind: packet[3]!, instance: view.getUint32(4), from, offset };
}

/** A header-only packet (PROBE, CHECK, CHECK_ANSWER). */
export function bare(header: HeaderBytes, kind: Kind.Probe | Kind.Check | Kind.CheckAnswer): Uint8Array {
  return header.of(kind).slice();
}

/** Splits a FRAMES body into fresh copies of its frames; throws PacketError if it does not parse. */
export function decodeFrames(packet: Uint8Array, offset: number): Uint8Array[] {
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const frames: Uint8Array[] = [];
  let at = offset;
  while (at < packet.length) {
    if (at + 4 > packet.length) throw new PacketError('truncated frame length');
    const length = view.getUint32(at);
    at += 4;
    if (at + length > packet.length) throw new PacketError('truncated frame');
    frames.push(packet.slice(at, at + length));
    at += length;
  }
  return frames;
}

/**
 * The frames of a GROUP body addressed to `me` (fresh copies); none if `me` is not in its
 * table. Parses the whole packet first: a malformed one yields nothing (PacketError).
 */
export function decodeGroupFrames(packet: Uint8Array, offset: number, me: string): Uint8Array[] {
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  let at = offset;
  if (at + 2 > packet.length) throw new PacketError('truncated table');
  const count = view.getUint16(at);
  at += 2;
  let mine = -1;
  for (let i = 0; i < count; i++) {
    if (at + 1 > packet.length) throw new PacketError('truncated table entry');
    const length = packet[at]!;
    at += 1;
    if (at + length > packet.length) throw new PacketError('truncated table entry');
    if (mine < 0 && length === me.length && sameAscii(packet, at, me)) mine = i;
    at += length;
  }
  const frames: Uint8Array[] = [];
  while (at < packet.length) {
    if (at + 2 > packet.length) throw new PacketError('truncated destination count');
    const k = view.getUint16(at);
    at += 2;
    if (at + 2 * k + 4 > packet.length) throw new PacketError('truncated destinations');
    let forMe = false;
    for (let j = 0; j < k; j++) {
      const index = view.getUint16(at + 2 * j);
      if (index >= count) throw new PacketError('destination index out of the table');
      if (index === mine) forMe = true;
    }
    at += 2 * k;
    const length = view.getUint32(at);
    at += 4;
    if (at + length > packet.length) throw new PacketError('truncated frame');
    if (forMe) frames.push(packet.slice(at, at + length));
    at += length;
  }
  return frames;
}

/** Addresses are validated ASCII tokens, so comparing bytes to char codes is exact. */
function sameAscii(bytes: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

export interface Fragment {
  frameId: number;
  total: number;
  offset: number;
  bytes: Uint8Array;
}

export const FRAGMENT_FIELDS_BYTES = 12;

export function decodeFragment(packet: Uint8Array, offset: number): Fragment {
  if (offset + FRAGMENT_FIELDS_BYTES > packet.length) throw new PacketError('truncated fragment');
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const frameId = view.getUint32(offset);
  const total = view.getUint32(offset + 4);
  const at = view.getUint32(offset + 8);
  const bytes = packet.subarray(offset + FRAGMENT_FIELDS_BYTES);
  if (at + bytes.length > total) throw new PacketError('fragment beyond its frame');
  return { frameId, total, offset: at, bytes };
}

export function encodeFragment(header: HeaderBytes, frameId: number, frame: Uint8Array, offset: number, length: number): Uint8Array {
  const packet = new Uint8Array(header.length + FRAGMENT_FIELDS_BYTES + length);
  packet.set(header.of(Kind.Fragment), 0);
  const view = new DataView(packet.buffer);
  view.setUint32(header.length, frameId);
  view.setUint32(header.length + 4, frame.length);
  view.setUint32(header.length + 8, offset);
  packet.set(frame.subarray(offset, offset + length), header.length + FRAGMENT_FIELDS_BYTES);
  return packet;
}

/** Packs frames for one member subject into as few packets of at most `maxBytes` as it can. */
export class FramesPacker {
  private frames: Uint8Array[] = [];
  private bytes: number;
  readonly packets: Uint8Array[] = [];

  constructor(
    private readonly header: HeaderBytes,
    private readonly maxBytes: number,
  ) {
    this.bytes = header.length;
  }

  /** The largest frame that fits in one packet. */
  static capacity(header: HeaderBytes, maxBytes: number): number {
    return maxBytes - header.length - 4;
  }

  add(frame: Uint8Array): void {
    const size = 4 + frame.length;
    if (this.frames.length > 0 && this.bytes + size > this.maxBytes) this.seal();
    this.frames.push(frame);
    this.bytes += size;
  }

  /** Closes the current packet (if any frame is in it). */
  seal(): void {
    if (this.frames.length === 0) return;
    const packet = new Uint8Array(this.bytes);
    packet.set(this.header.of(Kind.Frames), 0);
    const view = new DataView(packet.buffer);
    let at = this.header.length;
    for (const frame of this.frames) {
      view.setUint32(at, frame.length);
      packet.set(frame, at + 4);
      at += 4 + frame.length;
    }
    this.packets.push(packet);
    this.frames = [];
    this.bytes = this.header.length;
  }
}

/** One frame of a GROUP packet, with the members it is for. */
export interface GroupEntry {
  frame: Uint8Array;
  to: readonly string[];
}

/** Packs frames for several members into GROUP packets of at most `maxBytes`. */
export class GroupPacker {
  private entries: GroupEntry[] = [];
  private table = new Map<string, number>();
  private tableBytes = 2;
  private bodyBytes = 0;
  readonly packets: Uint8Array[] = [];

  constructor(
    private readonly header: HeaderBytes,
    private readonly maxBytes: number,
  ) {}

  /** What an entry adds at most (its addresses possibly new to the table). */
  static cost(entry: GroupEntry): number {
    let table = 0;
    for (const to of entry.to) table += 1 + to.length;
    return table + 2 + 2 * entry.to.length + 4 + entry.frame.length;
  }

  /** The largest cost (see cost()) an entry may have to fit in an empty packet. */
  static capacity(header: HeaderBytes, maxBytes: number): number {
    return maxBytes - header.length - 2;
  }

  add(entry: GroupEntry): void {
    let newTable = 0;
    let newAddresses = 0;
    for (const to of entry.to) {
      if (!this.table.has(to)) {
        newTable += 1 + to.length;
        newAddresses++;
      }
    }
    const body = 2 + 2 * entry.to.length + 4 + entry.frame.length;
    const fits =
      this.header.length + this.tableBytes + newTable + this.bodyBytes + body <= this.maxBytes && this.table.size + newAddresses <= 0xffff;
    if (!fits && this.entries.length > 0) {
      this.seal();
      this.add(entry);
      return;
    }
    for (const to of entry.to) {
      if (!this.table.has(to)) {
        this.table.set(to, this.table.size);
        this.tableBytes += 1 + to.length;
      }
    }
    this.entries.push(entry);
    this.bodyBytes += body;
  }

  seal(): void {
    if (this.entries.length === 0) return;
    const packet = new Uint8Array(this.header.length + this.tableBytes + this.bodyBytes);
    packet.set(this.header.of(Kind.Group), 0);
    const view = new DataView(packet.buffer);
    let at = this.header.length;
    view.setUint16(at, this.table.size);
    at += 2;
    for (const address of this.table.keys()) {
      packet[at] = address.length;
      for (let i = 0; i < address.length; i++) packet[at + 1 + i] = address.charCodeAt(i);
      at += 1 + address.length;
    }
    for (const { frame, to } of this.entries) {
      view.setUint16(at, to.length);
      at += 2;
      for (const address of to) {
        view.setUint16(at, this.table.get(address)!);
        at += 2;
      }
      view.setUint32(at, frame.length);
      packet.set(frame, at + 4);
      at += 4 + frame.length;
    }
    this.packets.push(packet);
    this.entries = [];
    this.table = new Map();
    this.tableBytes = 2;
    this.bodyBytes = 0;
  }
}
