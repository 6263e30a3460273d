/**
 * The part of a scenario that aims at the places where a group can lose a message or wedge
 * (issue 10): restarts of crashed processes, costly crashes followed by their restart, and
 * crashes at the moments that matter to the flush and to safe delivery.
 *
 * Drawn from a random stream of its own (STREAM_TARGETED), like the calls: the fault
 * schedule the scenario stream draws for a seed is the one it always was, and these actions
 * are merged into it. Each kind is a Poisson process over the fault phase (exponential gaps
 * with the mean below); with the default 8–14 s fault phase a seed gets on average:
 *
 * | action | mean gap | per seed |
 * |---|---|---|
 * | `restart` of a down process | 2 000 ms | ~5.5 |
 * | costly `crash` (`tag`: half of an even view) + their `restart` 200–3 000 ms later | 12 000 ms | ~0.9 |
 * | `crash-after-accept` (armed 3 000 ms) | 5 000 ms | ~2.2 |
 * | `crash-around-safe` (1–5 safe messages, half 'sent', half 'delivered'; armed 2 000 ms) | 5 000 ms | ~2.2 |
 */
import { seededRandom } from '../../env/random.js';
import { deriveSeed } from '../../wire/simulated/seeds.js';
import type { ScenarioAction } from './scenario.js';

/** Tag of the targeted actions' stream (the scenario uses 7, the calls 8). */
const STREAM_TARGETED = 9;

export const RESTART_MEAN_GAP_MS = 2_000;
export const COSTLY_CRASH_MEAN_GAP_MS = 12_000;
export const ACCEPT_CRASH_MEAN_GAP_MS = 5_000;
export const SAFE_CRASH_MEAN_GAP_MS = 5_000;
/** A costly crash's restart follows it after this long (uniform). */
const RESTART_DELAY_MS = { min: 200, max: 3_000 };
const ACCEPT_WINDOW_MS = 3_000;
const SAFE_WINDOW_MS = 2_000;

export function generateTargeted(seed: number, phaseStart: number, durationMs: number): ScenarioAction[] {
  const random = seededRandom(deriveSeed(seed, STREAM_TARGETED, 'campaign-targeted'));
  const actions: ScenarioAction[] = [];
  const arrivals = (meanGapMs: number, each: (at: number) => void): void => {
    for (let t = phaseStart; ;) {
      t += Math.max(1, Math.floor(-Math.log(1 - random.next()) * meanGapMs));
      if (t >= durationMs) return;
      each(t);
    }
  };
  arrivals(RESTART_MEAN_GAP_MS, (at) => {
    actions.push({ at, kind: 'restart', pick: random.next(), side: random.next() });
  });
  let tag = 0;
  arrivals(COSTLY_CRASH_MEAN_GAP_MS, (at) => {
    const pick = random.next();
    const side = random.next();
    const restartAt = at + RESTART_DELAY_MS.min + Math.floor(random.next() * (RESTART_DELAY_MS.max - RESTART_DELAY_MS.min));
    // The restart must happen in the fault phase, like every action.
    if (restartAt >= durationMs) return;
    tag++;
    actions.push({ at, kind: 'crash', pick, tag });
    actions.push({ at: restartAt, kind: 'restart', pick: 0, side, of: tag });
  });
  arrivals(ACCEPT_CRASH_MEAN_GAP_MS, (at) => {
    actions.push({ at, kind: 'crash-after-accept', windowMs: ACCEPT_WINDOW_MS });
  });
  arrivals(SAFE_CRASH_MEAN_GAP_MS, (at) => {
    const pick = random.next();
    const count = 1 + random.int(5);
    const o = random.next();
    const order = o < 0.4 ? 'fifo' : o < 0.7 ? 'causal' : 'total';
    const when = random.next() < 0.5 ? 'sent' : 'delivered';
    actions.push({ at, kind: 'crash-around-safe', pick, count, order, when, windowMs: SAFE_WINDOW_MS });
  });
  return actions;
}
