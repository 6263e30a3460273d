import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { failureLine, runCampaign, type CampaignResult } from '../../src/testing/campaign/campaign.js';
import { judgeHistory, runScenario } from '../../src/testing/campaign/run-scenario.js';
import { describeScenario, generateScenario } from '../../src/testing/campaign/scenario.js';
import type { HistoryEvent } from '../../src/testing/history.js';

const TIMEOUT_MS = 300_000;
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Runs `npm run sim` (scripts/sim.ts under tsx) in a child process. */
function runSimCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/core/scripts/sim.ts', ...args], { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Drops the last delivery, by a member that is still alive at the end, of another member's message. */
function dropOneSurvivorDelivery(events: HistoryEvent[]): HistoryEvent[] {
  const exited = new Set(events.filter((e) => e.kind === 'crash' || e.kind === 'excluded' || e.kind === 'left').map((e) => e.member));
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.kind === 'deliver' && !exited.has(e.member) && e.sender !== e.member) return [...events.slice(0, i), ...events.slice(i + 1)];
  }
  throw new Error('no delivery of a survivor to drop');
}

describe('scenario generation', () => {
  it('is a pure function of the seed, within the documented bounds', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const a = generateScenario(seed);
      expect(generateScenario(seed)).toEqual(a);
      expect(a.initialMembers.length).toBeGreaterThanOrEqual(3);
      expect(a.initialMembers.length).toBeLessThanOrEqual(7);
      expect(a.network.loss).toBeLessThanOrEqual(0.2);
      expect(a.network.duplication).toBeLessThanOrEqual(0.05);
      expect(a.network.reorder).toBeLessThanOrEqual(0.2);
      expect(a.network.delayMs.min).toBeGreaterThanOrEqual(1);
      expect(a.network.delayMs.max).toBeLessThanOrEqual(5);
      expect(a.actions.map((x) => x.at)).toEqual([...a.actions.map((x) => x.at)].sort((x, y) => x - y));
      expect(a.actions.every((x) => x.at < a.durationMs)).toBe(true);
      const [first, ...others] = a.actions.filter((x) => x.kind === 'start');
      expect(first).toMatchObject({ address: 'n1', seeds: [] });
      for (const start of others) expect(start.kind === 'start' && start.seeds.includes('n1')).toBe(true);
    }
    expect(generateScenario(1)).not.toEqual(generateScenario(2));
    expect(describeScenario(generateScenario(1)).length).toBe(generateScenario(1).actions.length + 1);
  });
});

describe('the simulation campaign', () => {
  it(
    'replays a seed exactly: the same seed gives the same history',
    async () => {
      for (const seed of [1, 2, 3]) {
        const first = await runScenario(seed);
        const second = await runScenario(seed);
        expect(first.history.length).toBeGreaterThan(0);
        expect(JSON.stringify(second.history)).toBe(JSON.stringify(first.history));
        expect(second.log).toEqual(first.log);
        expect(second.violations).toEqual(first.violations);
        expect(second.stats.events).toBe(first.stats.events);
      }
    },
    TIMEOUT_MS,
  );

  it(
    'reports a broken history: the pipeline can fail',
    async () => {
      const seed = 1;
      const clean = await runScenario(seed);
      expect(clean.violations).toEqual([]);
      // The same history, judged again without one delivery of a survivor.
      const tampered = judgeHistory(dropOneSurvivorDelivery([...clean.history]));
      expect(tampered.length).toBeGreaterThan(0);
      expect(tampered.map((v) => v.property)).toEqual(expect.arrayContaining([expect.stringMatching(/survivor-delivery|view-synchrony/)]));

      // End to end: the runner and the campaign report it, with the replay line.
      const broken = await runScenario(seed, { mutateHistory: dropOneSurvivorDelivery });
      expect(broken.violations.length).toBeGreaterThan(0);
      const campaign = await runCampaign({ from: seed, count: 2, run: { mutateHistory: dropOneSurvivorDelivery } });
      expect(campaign.failed).toBe(2);
      expect(campaign.passed).toBe(0);
      expect(campaign.failures[0]!.line).toBe(failureLine(seed, campaign.failures[0]!.violations));
      expect(campaign.failures[0]!.line).toMatch(
        /^seed 1: \[(survivor-delivery|view-synchrony)\] .* — replay: npm run sim -- --seeds 1 --from 1 --verbose$/,
      );
    },
    TIMEOUT_MS,
  );

  // Through the CLI in a child process: in Jest's vm context every global lookup (Math.min,
  // Math.imul, Infinity) is some 50x slower, which makes the protocol about 3x slower than
  // under plain Node. The child runs the very same code, and the CLI is tested on the way.
  it(
    'passes seeds 1..200',
    async () => {
      // Two jobs: Jest runs one test file at a time on 2 cores, so the second core is free.
      const { code, stdout, stderr } = await runSimCli(['--seeds', '200', '--from', '1', '--jobs', '2', '--json']);
      const result = JSON.parse(stdout) as CampaignResult;
      expect(result.failures.map((f) => f.line)).toEqual([]);
      expect(result.passed).toBe(200);
      expect(code).toBe(0);
      expect(stderr.trimEnd().split('\n').at(-1)).toBe('200 passed, 0 failed');
    },
    TIMEOUT_MS,
  );
});
