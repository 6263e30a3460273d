/**
 * Smoke test of the benchmark scripts: the fbcast benchmark runs end to end with tiny counts
 * (real processes, real TCP on 127.0.0.1), every member delivers exactly what was sent, and no
 * child process outlives the run. Nothing here looks at speed.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { alive, ROOT } from './support/process.js';

const SCRIPT = join(ROOT, 'apps', 'bench', 'src', 'fbcast-throughput.ts');

interface Output {
  result: {
    options: { count: number; senders: number; order: string };
    receivers: { member: number; delivered: number; expected: number; fifoViolations: number }[];
    sameSequence: boolean;
  };
  children: { name: string; pid: number; exited: boolean }[];
}

/** Runs the CLI with --json; resolves with its parsed output and exit code (kills it after `timeoutMs`). */
function runBench(args: string[], timeoutMs = 45_000): Promise<{ code: number | null; output: Output; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, '--quick', '--json', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fbcast-throughput ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve({ code, output: JSON.parse(line) as Output, stderr });
      } catch {
        reject(new Error(`fbcast-throughput ${args.join(' ')} exited with ${code} and no JSON:\n${stdout}\n${stderr}`));
      }
    });
  });
}

describe('apps/bench fbcast-throughput (--quick, tiny counts)', () => {
  it.each([
    ['fifo', '1', 2_000],
    ['total', '3', 2_001],
  ])(
    '%s order, %s sender(s): every member delivers exactly the %i messages sent; every child exits',
    async (order, senders, count) => {
      const { code, output, stderr } = await runBench(['--count', String(count), '--order', order, '--senders', senders]);
      expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
      const { result, children } = output;
      expect(result.options).toMatchObject({ count, order, senders: Number(senders) });
      expect(result.receivers).toHaveLength(3);
      for (const receiver of result.receivers) {
        expect(receiver).toMatchObject({ delivered: count, expected: count, fifoViolations: 0 });
      }
      // Total order: the same sequence everywhere (compared by a hash of each member's sequence).
      if (order === 'total') expect(result.sameSequence).toBe(true);
      // The three members, all gone: reported exited, and no such process any more.
      expect(children).toHaveLength(3);
      for (const child of children) {
        expect(child.exited).toBe(true);
        expect(alive(child.pid)).toBe(false);
      }
    },
    60_000,
  );
});
