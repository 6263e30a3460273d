import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('npm start (the README demo): Nest services on loopback, three stories', () => {
  // Each run draws its picture in a folder of its own (COHORT_TRACE_DIR), not the shared .traces/.
  let traces: string;
  beforeEach(() => {
    traces = mkdtempSync(join(tmpdir(), 'cohort-demo-trace-'));
  });
  afterEach(() => rmSync(traces, { recursive: true, force: true }));

  it('tells the flights, phone book and causal-thread stories and exits 0', () => {
    const run = spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'apps/demo/src/main.ts'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, COHORT_TRACE_DIR: traces },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // 1: every member applied the causal multicasts in the same, causal order.
    expect(run.stdout.match(/applied AF1981→D-9, BA304→D-9, AF1981→D-10/g)).toHaveLength(3);
    // 2: three members, each its third of the book.
    expect(run.stdout).toMatch(/member 0 +searched entries 0\.\.33333/);
    expect(run.stdout).toMatch(/member 2 +searched entries 66667\.\.99999/);
    // 3: t delivered a before b although the slow link held a back.
    expect(run.stdout).toContain('delivered a (EZY12→C-3) then b (EZY12→C-4)');
    expect(run.stdout).toContain('EZY12 is in sector C-4 at every member: true');
    // The flights group's run, drawn: every wait its trace recorded (t holding b for a) is on the page.
    const drawn = /The run of the flights group, drawn: (\S+\.html)/.exec(run.stdout)![1]!;
    const holds = readFileSync(resolve(root, drawn.replace(/\.html$/, '.jsonl')), 'utf8').split('"kind":"held"').length - 1;
    expect(readFileSync(resolve(root, drawn), 'utf8')).toContain(`data-holds="${holds}"`);
  }, 90_000);
});
