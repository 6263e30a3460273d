import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('npm run demo:sim (the simulated-network story)', () => {
  it('tells the story and ends with a clean history check', () => {
    const run = spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'apps/demo/src/simulation.ts', '--seed', '7'], {
      cwd: root, encoding: 'utf8', timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('excluded (it was cut off)');
    expect(run.stdout).toMatch(/History checker: \d+ events, 0 violations\./);
  }, 90_000);
});
