import type { FrameReader } from './frame-reader.js';
import type { FrameWriter } from './frame-writer.js';

/** What every frame body has: its kind's name. */
export interface FrameBodyBase {
  readonly type: string;
}

/**
 * One kind of frame, as the layer that owns it declares it: the kind byte it travels under
 * and how its body is written and read. The codec knows kinds only through these.
 */
export interface FrameKind<B extends FrameBodyBase = FrameBodyBase> {
  /** The kind byte: part of the wire format, so never reused nor changed for a name. */
  readonly code: number;
  readonly type: B['type'];
  write(w: FrameWriter, body: B): void;
  /** Reads the body strictly: anything malformed throws DecodeError. */
  read(r: FrameReader): B;
  /** Bytes the body will probably take (a guess: the writer grows past it). */
  sizeHint?(body: B): number;
}

export const FRAME_KIND_CODE_MAX = 0xff;

/**
 * A protocol's table of frame kinds, indexed both ways. Built once from the layers' lists; a
 * code or name given twice, or a code that does not fit the kind byte, is a programming
 * error and throws at once, when the module that builds the table loads.
 */
export class FrameKinds<B extends FrameBodyBase = FrameBodyBase> {
  private readonly byCode: (FrameKind<B> | undefined)[] = new Array<FrameKind<B> | undefined>(FRAME_KIND_CODE_MAX + 1).fill(undefined);
  private readonly byType = new Map<string, FrameKind<B>>();

  constructor(kinds: readonly FrameKind<B>[]) {
    for (const kind of kinds) {
      if (!Number.isInteger(kind.code) || kind.code < 0 || kind.code > FRAME_KIND_CODE_MAX) {
        throw new RangeError(`frame kind ${kind.type}: code ${kind.code} does not fit a byte`);
      }
      const taken = this.byCode[kind.code];
      if (taken !== undefined) throw new Error(`frame kinds ${taken.type} and ${kind.type} share code ${kind.code}`);
      if (this.byType.has(kind.type)) throw new Error(`frame kind ${kind.type} declared twice`);
      this.byCode[kind.code] = kind;
      this.byType.set(kind.type, kind);
    }
  }

  /** The kind a received code names, if any. */
  ofCode(code: number): FrameKind<B> | undefined {
    return this.byCode[code];
  }

  /** The kind of a body to send: one not in the table is a programming error. */
  ofType(type: string): FrameKind<B> {
    const kind = this.byType.get(type);
    if (kind === undefined) throw new Error(`no frame kind named ${type}`);
    return kind;
  }

  get size(): number {
    return this.byType.size;
  }

  [Symbol.iterator](): IterableIterator<FrameKind<B>> {
    return this.byType.values();
  }
}

/** Declares one kind; only checks, at compile time, that its name, writer and reader agree. */
export function frameKind<B extends FrameBodyBase>(kind: FrameKind<B>): FrameKind<B> {
  return kind;
}
