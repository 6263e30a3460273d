/**
 * Length-prefixed framing for a byte stream: every frame is a 4-byte big-endian body length
 * followed by the body. TCP hands us arbitrary chunks (a frame may arrive one byte at a time,
 * or ten frames in one chunk), so the parser is a small state machine that carries a partial
 * header or body over from one chunk to the next.
 *
 * Zero-length frames are allowed: the Wire contract carries any Uint8Array, the empty one
 * included, and the simulated wire delivers them too.
 */

/** Bytes of the length prefix. */
export const FRAME_HEADER_BYTES = 4;

/**
 * A header with this value is not a length: it is a marker with no body, meaning "I will
 * write nothing more on this connection" (see peer-connection.ts, retiring a connection).
 */
export const RETIRE_MARKER = 0xffff_ffff;

/** The largest body the 4-byte prefix can describe (all ones is the marker). */
export const MAX_BODY_BYTES = RETIRE_MARKER - 1;

/** The marker as bytes, ready to write. */
export function encodeRetireMarker(): Buffer {
  const marker = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  marker.writeUInt32BE(RETIRE_MARKER, 0);
  return marker;
}

/** Header and body in one fresh buffer (one allocation, ready for a single write). */
export function encodeFrame(body: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.byteLength);
  framed.writeUInt32BE(body.byteLength, 0);
  framed.set(body, FRAME_HEADER_BYTES);
  return framed;
}

type State = 'header' | 'body' | 'failed' | 'stopped';

export class FrameParser {
  private state: State = 'header';
  private readonly header = new Uint8Array(FRAME_HEADER_BYTES);
  private headerFill = 0;
  private body = new Uint8Array(0);
  private bodyFill = 0;
  private oversizedBytes: number | undefined;

  /**
   * @param maxFrameBytes the largest frame accepted, header included. It may be changed between
   * chunks (a connection reads its handshake under a tight limit, then the configured one).
   */
  constructor(public maxFrameBytes: number) {}

  /**
   * Set once a header announced a frame over `maxFrameBytes` (header included): the stream can
   * no longer be trusted to be in step, so the parser stops for good and the owner closes it.
   */
  get oversized(): number | undefined {
    return this.oversizedBytes;
  }

  /** True while the parser still accepts bytes. */
  get active(): boolean {
    return this.state === 'header' || this.state === 'body';
  }

  /** Ignores every later byte (the connection is going away). */
  stop(): void {
    if (this.active) this.state = 'stopped';
  }

  /**
   * Consumes a chunk and calls `emit` once per completed frame, in order. Each frame is a copy
   * the receiver may keep or mutate. A retire marker calls `marker` instead, in its place in
   * the stream. Either callback may call stop(); parsing ends right there.
   * Returns false once the parser has failed or was stopped.
   */
  push(chunk: Uint8Array, emit: (frame: Uint8Array) => void, marker: () => void = () => {}): boolean {
    let offset = 0;
    while (this.active) {
      if (this.state === 'header') {
        if (this.headerFill === 0 && chunk.length - offset >= FRAME_HEADER_BYTES) {
          // Fast path: the whole header is in this chunk; maybe the whole frame too.
          const length = readLength(chunk, offset);
          offset += FRAME_HEADER_BYTES;
          if (length === RETIRE_MARKER) {
            marker();
            continue;
          }
          if (!this.accept(length)) break;
          if (chunk.length - offset >= length) {
            emit(new Uint8Array(chunk.subarray(offset, offset + length)));
            offset += length;
          } else {
            this.startBody(length);
          }
          continue;
        }
        if (offset >= chunk.length) break;
        const take = Math.min(FRAME_HEADER_BYTES - this.headerFill, chunk.length - offset);
        this.header.set(chunk.subarray(offset, offset + take), this.headerFill);
        this.headerFill += take;
        offset += take;
        if (this.headerFill < FRAME_HEADER_BYTES) break;
        this.headerFill = 0;
        const length = readLength(this.header, 0);
        if (length === RETIRE_MARKER) {
          marker();
          continue;
        }
        if (!this.accept(length)) break;
        if (length === 0) emit(new Uint8Array(0));
        else this.startBody(length);
        continue;
      }
      // state === 'body'
      if (offset >= chunk.length) break;
      const take = Math.min(this.body.length - this.bodyFill, chunk.length - offset);
      this.body.set(chunk.subarray(offset, offset + take), this.bodyFill);
      this.bodyFill += take;
      offset += take;
      if (this.bodyFill === this.body.length) {
        const frame = this.body;
        this.body = new Uint8Array(0);
        this.state = 'header';
        emit(frame);
      }
    }
    return this.active;
  }

  private accept(bodyLength: number): boolean {
    if (FRAME_HEADER_BYTES + bodyLength <= this.maxFrameBytes) return true;
    this.oversizedBytes = FRAME_HEADER_BYTES + bodyLength;
    this.state = 'failed';
    return false;
  }

  private startBody(length: number): void {
    // Allocated once at its announced size (bounded by maxFrameBytes), filled as bytes come.
    this.body = new Uint8Array(length);
    this.bodyFill = 0;
    this.state = 'body';
  }
}

function readLength(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) >>> 0) + (bytes[at + 1]! << 16) + (bytes[at + 2]! << 8) + bytes[at + 3]!;
}
