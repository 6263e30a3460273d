/**
 * A slice of `npm run demo:soak` (the demo run again and again under load): one run with one
 * spinning thread. The demo exits 0, the script says so, and its load process is gone after.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { alive, ROOT } from './support/process.js';

const SCRIPT = join(ROOT, 'apps', 'bench', 'src', 'demo-soak.ts');

describe('npm run demo:soak', () => {
  it('runs the demo under load, reports each run, and stops its load process', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', SCRIPT, '--runs', '1', '--threads', '1', '--min-load', '0', '--timeout', '150'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      }, 170_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(stdout).toMatch(/^run 1\/1: ok in [\d.]+ s \(load average [\d.]+\)$/m);
    expect(stdout).toMatch(/^1 passed, 0 failed; lowest 1-minute load average/m);
    expect(code).toBe(0);
    const loadPid = Number(/1 spinning threads \(pid (\d+)\)/.exec(stdout)?.[1]);
    expect(Number.isInteger(loadPid) && loadPid > 0).toBe(true);
    expect(alive(loadPid)).toBe(false);
  }, 180_000);
});
