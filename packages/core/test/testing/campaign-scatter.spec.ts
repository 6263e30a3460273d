import { generateScenario } from '../../src/testing/campaign/scenario.js';
import { runScenario } from '../../src/testing/campaign/run-scenario.js';

describe('campaign: scatter-gather queries from clients (issue 11)', () => {
  it("come from a stream of their own: every seed's other actions are the ones drawn without them", () => {
    let direct = 0;
    let relay = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const withScatter = generateScenario(seed);
      const without = generateScenario(seed, { scatter: false });
      expect(without.actions.some((a) => a.kind === 'scatter')).toBe(false);
      expect(withScatter.actions.filter((a) => a.kind !== 'scatter')).toEqual(without.actions);
      for (const a of withScatter.actions) {
        if (a.kind !== 'scatter') continue;
        if (a.mode === 'direct') direct++;
        else relay++;
        expect(a.client).toBe(a.mode === 'direct' ? 3 : 4);
      }
    }
    // ~7 per seed, three in four direct.
    expect(direct + relay).toBeGreaterThan(400);
    expect(direct).toBeGreaterThan(2 * relay);
  });

  it('asks them during a run, and checks every answer', async () => {
    const result = await runScenario(3);
    expect(result.stats.scatters).toBeGreaterThan(0);
    expect(result.violations.filter((v) => v.property === 'call-result')).toEqual([]);
    expect(result.log.some((line) => line.includes('scatter-gather'))).toBe(true);
  }, 120_000); // a whole scenario: seconds on a loaded machine
});
