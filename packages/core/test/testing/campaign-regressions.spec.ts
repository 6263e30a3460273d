import { describe, expect, it } from '@jest/globals';
import { runScenario, type ScenarioResult } from '../../src/testing/campaign/run-scenario.js';
import { generateScenario } from '../../src/testing/campaign/scenario.js';

const TIMEOUT_MS = 120_000;
const describeFailure = (result: ScenarioResult): string[] => result.violations.map((v) => `[${v.property}] ${v.message}`);

/**
 * Seeds of the 10,000-seed campaign that once failed, each replayed whole. The campaign runs
 * them too; here they stay in `npm test`, named after what they found.
 */
describe('campaign seeds that found bugs', () => {
  it.each([
    // A caller's causal multicast sent on top of a reply's context: the responder crashed before
    // its own multicasts named there reached anyone, so the flush discarded them and the
    // caller's multicast with them, after its promise resolved (self-delivery, no-silent-loss).
    [2297, 'a multicast on top of a reply context whose messages die with the responder'],
    [4257, 'the same symptom: self-delivery after a reply context'],
    [7345, 'the same symptom: self-delivery after a reply context'],
    // The first cure of the above made a call wait for its replies' context out of its own
    // timeout and reject with CAUSAL_CONTEXT_UNSATISFIED (call-rejected); relayed client
    // calls also fed the relaying member's context. Now the member's multicasts are held in
    // order and a call settles by its timeout like any call not yet sent.
    [35, "a call held behind a relayed request's replies"],
    [107, 'the same'],
    // An honest coordinator whose view still lists a restarted process's dead incarnation
    // sends it prepares: the joiner dropped them silently, not as FRAME_REJECTED.
    [3513, 'a prepare to a joiner from a coordinator not admitting it'],
    [6854, 'an accept to a joiner from a coordinator not admitting it'],
  ])(
    'seed %i: %s',
    async (seed) => {
      const result = await runScenario(seed);
      expect(describeFailure(result)).toEqual([]);
    },
    TIMEOUT_MS,
  );

  it(
    'seed 2129 without the hostile member: an honest prepare to a joiner is not reported',
    async () => {
      const result = await runScenario(generateScenario(2129, { hostile: false }));
      expect(describeFailure(result)).toEqual([]);
    },
    TIMEOUT_MS,
  );
});
