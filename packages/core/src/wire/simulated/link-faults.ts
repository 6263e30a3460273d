import type { Random } from '../../env/random.js';
import { InvalidArgumentError } from '../../errors.js';

/** Uniform delay range in virtual milliseconds, 0 <= min <= max. */
export interface DelayRange {
  readonly min: number;
  readonly max: number;
}

/** How a (directional) link treats frames. */
export interface LinkFaults {
  readonly delayMs: DelayRange;
  /** Probability in [0, 1] that a frame is dropped. */
  readonly loss: number;
  /** Probability in [0, 1] that a frame that is not lost is delivered twice. */
  readonly duplication: number;
  /** Probability in [0, 1] that a copy gets an extra delay of up to 10 x delayMs.max. */
  readonly reorder: number;
}

export type LinkOverride = Partial<LinkFaults>;

export const DEFAULT_LINK_FAULTS: LinkFaults = Object.freeze({
  delayMs: Object.freeze({ min: 1, max: 5 }),
  loss: 0,
  duplication: 0,
  reorder: 0,
});

/** The extra delay of a reordered copy is uniform in [0, REORDER_FACTOR x delayMs.max). */
export const REORDER_FACTOR = 10;

/**
 * Every send() consumes exactly this many draws from the network's fault stream, whatever the
 * outcome, so changing one link's loss rate does not shift the delays of unrelated frames.
 */
export const DRAWS_PER_FRAME = 8;

/** Checks a (partial) fault description and returns a frozen copy of it. */
export function validateLinkOverride(value: LinkOverride, what: string): LinkOverride {
  if (typeof value !== 'object' || value === null) {
    throw new InvalidArgumentError(`${what} must be an object`);
  }
  const out: { -readonly [K in keyof LinkFaults]?: LinkFaults[K] } = {};
  if (value.delayMs !== undefined) out.delayMs = validateDelay(value.delayMs, `${what}.delayMs`);
  if (value.loss !== undefined) out.loss = validateProbability(value.loss, `${what}.loss`);
  if (value.duplication !== undefined) {
    out.duplication = validateProbability(value.duplication, `${what}.duplication`);
  }
  if (value.reorder !== undefined) out.reorder = validateProbability(value.reorder, `${what}.reorder`);
  return Object.freeze(out);
}

export function mergeLinkFaults(base: LinkFaults, override: LinkOverride): LinkFaults {
  return Object.freeze({
    delayMs: override.delayMs ?? base.delayMs,
    loss: override.loss ?? base.loss,
    duplication: override.duplication ?? base.duplication,
    reorder: override.reorder ?? base.reorder,
  });
}

/** What happens to one sent frame: lost, or delivered once or twice after these delays. */
export interface FrameFate {
  readonly lost: boolean;
  /** One delay per delivered copy (empty when lost, two entries when duplicated). */
  readonly delays: readonly number[];
}

/**
 * Decides a frame's fate. Always draws DRAWS_PER_FRAME values in this fixed order:
 * loss, duplication, then for each of the two potential copies: base delay, reorder roll,
 * reorder extra.
 */
export function rollFrameFate(link: LinkFaults, random: Random): FrameFate {
  const lossRoll = random.next();
  const dupRoll = random.next();
  const first = rollDelay(link, random);
  const second = rollDelay(link, random);
  if (lossRoll < link.loss) return { lost: true, delays: [] };
  return { lost: false, delays: dupRoll < link.duplication ? [first, second] : [first] };
}

/**
 * The one-way delay of a signal that is not a frame (a peer-down notice): uniform in the link's
 * [delayMs.min, delayMs.max], one draw. Not lost, duplicated or reordered: TCP retransmits a
 * FIN or a reset like any segment.
 */
export function rollSignalDelay(link: LinkFaults, random: Random): number {
  const { min, max } = link.delayMs;
  return min + random.next() * (max - min);
}

function rollDelay(link: LinkFaults, random: Random): number {
  const { min, max } = link.delayMs;
  const base = min + random.next() * (max - min);
  const reorderRoll = random.next();
  const extraRoll = random.next();
  return reorderRoll < link.reorder ? base + extraRoll * REORDER_FACTOR * max : base;
}

function validateDelay(value: DelayRange, what: string): DelayRange {
  if (typeof value !== 'object' || value === null) {
    throw new InvalidArgumentError(`${what} must be { min, max }`);
  }
  const { min, max } = value;
  if (typeof min !== 'number' || typeof max !== 'number' || !Number.isFinite(min) || !Number.isFinite(max)) {
    throw new InvalidArgumentError(`${what} min and max must be finite numbers, got ${String(min)} and ${String(max)}`);
  }
  if (min < 0 || max < min) {
    throw new InvalidArgumentError(`${what} must satisfy 0 <= min <= max, got min ${min}, max ${max}`);
  }
  return Object.freeze({ min, max });
}

function validateProbability(value: number, what: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new InvalidArgumentError(`${what} must be a probability in [0, 1], got ${String(value)}`);
  }
  return value;
}
