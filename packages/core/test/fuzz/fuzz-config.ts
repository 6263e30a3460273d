/**
 * One place for the fuzz budget and seed, so a run replays and a longer campaign is one
 * command away.
 *
 * The default budget is 100,000 cases for the whole folder (decode-frame: 95,000 inputs;
 * live-member: 5,000 frames thrown at running groups), in well under 30 s.
 *
 * A longer campaign, with a fresh seed each time:
 *
 *   FUZZ_SEED=$RANDOM FUZZ_SCALE=50 node --experimental-vm-modules \
 *     --disable-warning=ExperimentalWarning node_modules/jest/bin/jest.js packages/core/test/fuzz
 *
 * A failure prints fast-check's seed and path; FUZZ_SEED with the same FUZZ_SCALE replays
 * the run (the seed alone fixes every generated input, the scale fixes how many).
 */

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = Number(raw ?? fallback);
  // A typo must not quietly become seed NaN (fast-check would pick a random one) or zero runs.
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

export const FUZZ_SEED = envNumber('FUZZ_SEED', 42);
export const FUZZ_SCALE = envNumber('FUZZ_SCALE', 1);

/** `base` cases scaled by FUZZ_SCALE (at least one). */
export function runs(base: number): number {
  return Math.max(1, Math.round(base * FUZZ_SCALE));
}

/** A per-test timeout that grows with the campaign: generous, never part of what is tested. */
export function timeoutMs(baseMs: number): number {
  return Math.max(baseMs, Math.round(baseMs * FUZZ_SCALE));
}
