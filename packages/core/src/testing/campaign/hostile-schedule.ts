/**
 * The hostile member's part of a scenario (issue 11): when it sends well-formed frames with
 * hostile content, and when it replays frames it recorded from the members (hostile-member.ts
 * carries them out).
 *
 * Drawn from a random stream of its own (STREAM_HOSTILE), like the calls, the targeted actions
 * and the scatter queries: the schedule the other streams draw for a seed is the one it always
 * was, and these actions are merged into it (`generateScenario(seed, { hostile: false })`
 * leaves them out). Each kind is a Poisson process over the fault phase; with the default
 * 8–14 s fault phase a seed gets on average:
 *
 * | action | mean gap | per seed | frames each |
 * |---|---|---|---|
 * | `hostile` as itself (`h0/1`, no member): every kind, plausible numbers | 800 ms | ~14 | 1–6 (~50 a seed) |
 * | `hostile` in members' names, numbers out of reach | 800 ms | ~14 | 1–6 (~50 a seed) |
 * | `replay` of recorded frames of an earlier view | 1 500 ms | ~7.3 | 1–8 (~33 a seed) |
 * | `replay` of recorded frames re-encoded with another epoch | 1 500 ms | ~7.3 | 1–8 (~33 a seed) |
 *
 * An action carries a `seed`: every choice it makes at run time (which member, which kind,
 * which numbers, which recorded frame) comes from a random stream made from it, so it draws
 * nothing from the harness's stream and resolves the same way on every run of the seed.
 */
import { seededRandom } from '../../env/random.js';
import { deriveSeed } from '../../wire/simulated/seeds.js';
import type { ScenarioAction } from './scenario.js';

/** Tag of the hostile member's stream (the scenario uses 7, the calls 8, the targeted actions 9, the scatter queries 10). */
const STREAM_HOSTILE = 11;

export const HOSTILE_SELF_MEAN_GAP_MS = 800;
export const HOSTILE_NAMED_MEAN_GAP_MS = 800;
export const STALE_VIEW_MEAN_GAP_MS = 1_500;
export const STALE_EPOCH_MEAN_GAP_MS = 1_500;
/** Frames of one `hostile` action, and of one `replay`: 1 to this many. */
export const HOSTILE_FRAMES_MAX = 6;
export const REPLAY_FRAMES_MAX = 8;

export function generateHostile(seed: number, phaseStart: number, durationMs: number): ScenarioAction[] {
  const random = seededRandom(deriveSeed(seed, STREAM_HOSTILE, 'campaign-hostile'));
  const actions: ScenarioAction[] = [];
  const arrivals = (meanGapMs: number, each: (at: number) => void): void => {
    for (let t = phaseStart; ;) {
      t += Math.max(1, Math.floor(-Math.log(1 - random.next()) * meanGapMs));
      if (t >= durationMs) return;
      each(t);
    }
  };
  const draw = (): number => random.int(0x1_0000_0000);
  arrivals(HOSTILE_SELF_MEAN_GAP_MS, (at) => {
    actions.push({ at, kind: 'hostile', as: 'self', count: 1 + random.int(HOSTILE_FRAMES_MAX), seed: draw() });
  });
  arrivals(HOSTILE_NAMED_MEAN_GAP_MS, (at) => {
    actions.push({ at, kind: 'hostile', as: 'member', count: 1 + random.int(HOSTILE_FRAMES_MAX), seed: draw() });
  });
  arrivals(STALE_VIEW_MEAN_GAP_MS, (at) => {
    actions.push({ at, kind: 'replay', stale: 'view', count: 1 + random.int(REPLAY_FRAMES_MAX), seed: draw() });
  });
  arrivals(STALE_EPOCH_MEAN_GAP_MS, (at) => {
    actions.push({ at, kind: 'replay', stale: 'epoch', count: 1 + random.int(REPLAY_FRAMES_MAX), seed: draw() });
  });
  return actions;
}
