import { AsyncLocalStorage } from 'node:async_hooks';
import { FrameReader } from '../codec/frame-reader.js';
import { FrameWriter } from '../codec/frame-writer.js';
import { DecodeError } from '../errors.js';

/** What a causal thread has seen of one group: a view id and a vector timestamp over its ranks. */
export interface GroupCausality {
  readonly viewId: number;
  readonly deps: readonly number[];
}

const storage = new AsyncLocalStorage<CausalContext>();

/**
 * Two threads' knowledge of one group: the newer view wins (a context of an older view is
 * satisfied by the flush that ended it); in the same view, the entry-wise maximum. Allocates
 * only when both name the same view.
 */
export function mergeCausality(a: GroupCausality | undefined, b: GroupCausality | undefined): GroupCausality | undefined {
  if (!a) return b;
  if (!b || a.viewId > b.viewId) return a;
  if (b.viewId > a.viewId) return b;
  const length = Math.max(a.deps.length, b.deps.length);
  return { viewId: a.viewId, deps: Array.from({ length }, (_, i) => Math.max(a.deps[i] ?? 0, b.deps[i] ?? 0)) };
}
const CONTEXT_VERSION = 1;

/**
 * The causal context of a thread of work that may cross processes (DESIGN §2): per group, the
 * view id and the vector timestamp of everything the thread has seen. A multicast issued
 * inside a context is delivered after everything it names; a handler runs inside the context
 * of the message it delivers. Immutable; carried in AsyncLocalStorage and, across processes,
 * as a compact string (`encode`/`decode`) in a request header or reply envelope.
 */
export class CausalContext {
  static readonly empty = new CausalContext(new Map());

  private constructor(private readonly groups: ReadonlyMap<string, GroupCausality>) {}

  static of(group: string, causality: GroupCausality): CausalContext {
    return new CausalContext(new Map([[group, { viewId: causality.viewId, deps: [...causality.deps] }]]));
  }

  /** The context of the current asynchronous thread, if one was set. */
  static current(): CausalContext | undefined {
    return storage.getStore();
  }

  /** Runs `fn` (and everything it starts) inside `context`. */
  static run<T>(context: CausalContext, fn: () => T): T {
    return storage.run(context, fn);
  }

  get(group: string): GroupCausality | undefined {
    return this.groups.get(group);
  }

  get groupNames(): string[] {
    return [...this.groups.keys()];
  }

  /**
   * Both threads' knowledge: per group, the newer view wins (a context of an older view is
   * satisfied by the flush that ended it); in the same view, the entry-wise maximum.
   */
  merge(other: CausalContext | undefined): CausalContext {
    if (!other || other.groups.size === 0) return this;
    if (this.groups.size === 0) return other;
    const merged = new Map(this.groups);
    for (const [group, theirs] of other.groups) merged.set(group, mergeCausality(merged.get(group), theirs)!);
    return new CausalContext(merged);
  }

  /** A compact, URL- and header-safe string. */
  encode(): string {
    const w = new FrameWriter(32);
    w.u8(CONTEXT_VERSION).uint(this.groups.size);
    for (const [group, { viewId, deps }] of this.groups) w.string(group).uint(viewId).uints(deps);
    return Buffer.from(w.finish()).toString('base64url');
  }

  /** Throws DecodeError for anything that is not an encoded context. */
  static decode(text: string): CausalContext {
    if (typeof text !== 'string' || text.length > 65_536 || !/^[A-Za-z0-9_-]*$/.test(text)) {
      throw new DecodeError('causal context must be a base64url string of at most 64 KiB');
    }
    const r = new FrameReader(Buffer.from(text, 'base64url'));
    if (r.u8() !== CONTEXT_VERSION) throw new DecodeError('unknown causal context version');
    const count = r.count();
    const groups = new Map<string, GroupCausality>();
    for (let i = 0; i < count; i++) {
      const group = r.string();
      groups.set(group, { viewId: r.uint(), deps: r.uints() });
    }
    r.end();
    return new CausalContext(groups);
  }
}
