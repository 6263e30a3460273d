/**
 * Scatter-gather queries from clients outside the group (issue 11): the split phone book of
 * docs/replies.md, asked mostly in direct mode — where members may run one request in
 * different views — and now and then relayed. Each member answers for `shareOf` its part of
 * SCATTER_ITEMS items; the workload checks that the answer is complete, or visibly incomplete
 * (`missingRanks`, `quorumMet`), never parts of two divisions merged as one (workload.ts).
 *
 * Drawn from a random stream of its own (STREAM_SCATTER), like the calls and the targeted
 * actions: the schedule the other streams draw for a seed is the one it always was. A Poisson
 * process over the fault phase, mean gap SCATTER_MEAN_GAP_MS (~7 per seed).
 */
import { seededRandom } from '../../env/random.js';
import { deriveSeed } from '../../wire/simulated/seeds.js';
import type { ScenarioAction } from './scenario.js';

/** Tag of the scatter queries' stream (the scenario uses 7, the calls 8, the targeted actions 9). */
const STREAM_SCATTER = 10;
export const SCATTER_MEAN_GAP_MS = 1_500;
/** Items of the phone book the queries split. */
export const SCATTER_ITEMS = 1_000;
/** The clients that ask them: "c3" sends direct, "c4" relays. */
export const SCATTER_DIRECT_CLIENT = 3;
export const SCATTER_RELAY_CLIENT = 4;

export function generateScatter(seed: number, phaseStart: number, durationMs: number): ScenarioAction[] {
  const random = seededRandom(deriveSeed(seed, STREAM_SCATTER, 'campaign-scatter'));
  const actions: ScenarioAction[] = [];
  for (let t = phaseStart; ;) {
    t += Math.max(1, Math.floor(-Math.log(1 - random.next()) * SCATTER_MEAN_GAP_MS));
    if (t >= durationMs) break;
    const direct = random.next() < 0.75;
    const q = random.next();
    const quorum = q < 0.7 ? 'all' : q < 0.9 ? 'majority' : 'first';
    const timeoutMs = random.next() < 0.2 ? 300 + random.int(1_200) : 5_000;
    actions.push({
      at: t,
      kind: 'scatter',
      client: direct ? SCATTER_DIRECT_CLIENT : SCATTER_RELAY_CLIENT,
      mode: direct ? 'direct' : 'relay',
      quorum,
      timeoutMs,
    });
  }
  return actions;
}
