import { FrameReader } from '../codec/frame-reader.js';
import { FrameWriter } from '../codec/frame-writer.js';
import { DecodeError, InvalidArgumentError } from '../errors.js';
import { describe, isWellFormed, NAME_LENGTH_MAX } from '../validation/index.js';
import { ambient, type Ambient } from './ambient.js';

/** What a causal thread has seen of one group: a view id and a vector timestamp over its ranks. */
export interface GroupCausality {
  readonly viewId: number;
  readonly deps: readonly number[];
}

/**
 * Bounds of a causal context, checked by `decode` (DecodeError) and `of` (INVALID_ARGUMENT): a
 * context comes from outside the process (a header, packet metadata, a reply), so nothing in it
 * may be absurd. Groups a thread has touched; members of a view (a vector's length, as a
 * ballot's rank is bounded); view ids; sequence numbers.
 */
export const CONTEXT_GROUPS_MAX = 1_024;
export const CONTEXT_VECTOR_LENGTH_MAX = 0x1_0000;
export const CONTEXT_VIEW_ID_MAX = 0xffff_ffff;
export const CONTEXT_SEQ_MAX = 2 ** 48 - 1;
/** The longest encoded context `decode` reads (characters of base64url). */
export const CONTEXT_TEXT_LENGTH_MAX = 65_536;

/** Why `causality` is not a valid entry of group `group`, or null. */
function invalidCausality(group: unknown, causality: unknown): string | null {
  if (typeof group !== 'string' || group.length === 0 || group.length > NAME_LENGTH_MAX || !isWellFormed(group)) {
    return `group name ${describe(group)} is not a non-empty, well-formed string of at most ${NAME_LENGTH_MAX} characters`;
  }
  if (causality === null || typeof causality !== 'object') return `the causality of group "${group}" must be { viewId, deps }`;
  const { viewId, deps } = causality as { viewId?: unknown; deps?: unknown };
  if (typeof viewId !== 'number' || !Number.isInteger(viewId) || viewId < 0 || viewId > CONTEXT_VIEW_ID_MAX) {
    return `viewId of group "${group}" must be an integer from 0 to ${CONTEXT_VIEW_ID_MAX}, not ${describe(viewId)}`;
  }
  if (!Array.isArray(deps) || deps.length > CONTEXT_VECTOR_LENGTH_MAX) {
    return `deps of group "${group}" must be an array of at most ${CONTEXT_VECTOR_LENGTH_MAX} sequence numbers`;
  }
  for (const seq of deps as unknown[]) {
    if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0 || seq > CONTEXT_SEQ_MAX) {
      return `deps of group "${group}" must be integers from 0 to ${CONTEXT_SEQ_MAX}, not ${describe(seq)}`;
    }
  }
  return null;
}

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

  /** @internal Cohort's own (a member's causal vector, per delivery): no checks on the hot path. */
  static ofMember(group: string, causality: { viewId: number; deps: number[] }): CausalContext {
    const groups = new Map<string, GroupCausality>();
    groups.set(group, causality);
    return new CausalContext(groups);
  }

  /** A context that names one group; throws InvalidArgumentError for anything out of bounds. */
  static of(group: string, causality: GroupCausality): CausalContext {
    const invalid = invalidCausality(group, causality);
    if (invalid) throw new InvalidArgumentError(invalid);
    return new CausalContext(new Map([[group, { viewId: causality.viewId, deps: [...causality.deps] }]]));
  }

  /** The context of the current asynchronous thread, if one was set. */
  static current(): CausalContext | undefined {
    return ambient.getStore()?.causalContext();
  }

  /** Runs `fn` (and everything it starts) inside `context`. */
  static run<T>(context: CausalContext, fn: () => T): T {
    if (!(context instanceof CausalContext))
      throw new InvalidArgumentError(
        `CausalContext.run() takes a CausalContext (CausalContext.decode(text) for an encoded one), not ${describe(context)}`,
      );
    if (typeof fn !== 'function') throw new InvalidArgumentError(`CausalContext.run() takes a function to run, not ${describe(fn)}`);
    // A delivery task it runs in stays the one a call in `fn` releases.
    return ambient.run(new ContextRun(context, ambient.getStore()), fn);
  }

  get(group: string): GroupCausality | undefined {
    if (typeof group !== 'string') throw new InvalidArgumentError(`CausalContext.get() takes a group name, not ${describe(group)}`);
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
    if (other !== undefined && !(other instanceof CausalContext)) {
      throw new InvalidArgumentError(`CausalContext.merge() takes a CausalContext or undefined, not ${describe(other)}`);
    }
    // The same context twice (a call's replies from responders that delivered the same): itself.
    if (!other || other === this || other.groups.size === 0) return this;
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

  /**
   * Throws DecodeError (code DECODE) for anything that is not an encoded context within the
   * bounds (CONTEXT_GROUPS_MAX groups, each named once and well; view ids up to
   * CONTEXT_VIEW_ID_MAX; vectors of up to CONTEXT_VECTOR_LENGTH_MAX sequence numbers up to
   * CONTEXT_SEQ_MAX). A context that decodes can still name messages that do not exist: a
   * multicast made in it waits (bounded) for this member to deliver them, and fails alone if
   * they never come (Group's `contextWaitMs`).
   */
  static decode(text: string): CausalContext {
    if (typeof text !== 'string' || text.length > CONTEXT_TEXT_LENGTH_MAX || !/^[A-Za-z0-9_-]*$/.test(text)) {
      throw new DecodeError('causal context must be a base64url string of at most 64 KiB');
    }
    const r = new FrameReader(Buffer.from(text, 'base64url'));
    if (r.u8() !== CONTEXT_VERSION) throw new DecodeError('unknown causal context version');
    const count = r.count();
    if (count > CONTEXT_GROUPS_MAX) throw new DecodeError(`causal context names ${count} groups, more than ${CONTEXT_GROUPS_MAX}`);
    const groups = new Map<string, GroupCausality>();
    for (let i = 0; i < count; i++) {
      const group = r.string();
      const causality = { viewId: r.uint(), deps: r.uints() };
      if (groups.has(group)) throw new DecodeError(`causal context names group "${group}" twice`);
      const invalid = invalidCausality(group, causality);
      if (invalid) throw new DecodeError(`causal context out of bounds: ${invalid}`);
      groups.set(group, causality);
    }
    r.end();
    return new CausalContext(groups);
  }
}

/** The store of `CausalContext.run`: its context, and the delivery task of the thread it was entered from. */
class ContextRun implements Ambient {
  constructor(
    private readonly context: CausalContext,
    private readonly outer: Ambient | undefined,
  ) {}

  causalContext(): CausalContext {
    return this.context;
  }

  releaseTask(): void {
    this.outer?.releaseTask();
  }
}
