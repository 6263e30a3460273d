import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('npm run demo:sim (the simulated-network story)', () => {
  // Each run draws its picture in a folder of its own (COHORT_TRACE_DIR), not the shared .traces/.
  let traces: string;
  beforeEach(() => {
    traces = mkdtempSync(join(tmpdir(), 'cohort-demo-trace-'));
  });
  afterEach(() => rmSync(traces, { recursive: true, force: true }));

  it('tells the story and ends with a clean history check', () => {
    const run = spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'apps/demo/src/simulation.ts', '--seed', '7'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, COHORT_TRACE_DIR: traces },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('excluded (it was cut off)');
    expect(run.stdout).toMatch(/History checker: \d+ events, 0 violations\./);
    // The run, drawn: the page's path is printed; its trace holds the handover's causal wait.
    const drawn = /The run, drawn: (\S+\.html)/.exec(run.stdout)![1]!;
    expect(readFileSync(resolve(root, drawn), 'utf8')).toContain('class="space-time"');
    expect(readFileSync(resolve(root, drawn.replace(/\.html$/, '.jsonl')), 'utf8')).toMatch(/"kind":"held".*"reason":"causal"/);
  }, 90_000);
});
