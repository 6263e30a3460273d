/**
 * The NATS rows of `npm run bench` (all.ts): with tiny counts, a run prints them in its summary
 * beside the TCP wire and Nest's NATS transport of the same run, every member delivers what was
 * sent over natsWire, and neither a child process nor a nats-server outlives the run. Without
 * nats-server the rows are skipped with a line saying so. Nothing here looks at speed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { natsRows, runNatsRows, type AllOptions, type AllResults } from '../src/all.js';
import { alive, ROOT } from './support/process.js';

const SCRIPT = join(ROOT, 'apps', 'bench', 'src', 'all.ts');

/** Runs all.ts to its end (killed after `timeoutMs`): exit code, stdout, stderr. */
function runBench(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`all.ts ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

type Json = AllResults & { children: { name: string; pid: number; exited: boolean }[] };

describe('npm run bench: the NATS rows (tiny counts)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cohort-bench-nats-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints natsWire throughput and all-replies latency beside tcpWire and Nest Transport.NATS; nothing is left running', async () => {
    const json = join(dir, 'all.json');
    const count = 300;
    const { code, stdout, stderr } = await runBench(
      [
        '--quick',
        '--only',
        'async,replies,nats',
        '--orders',
        'fifo',
        '--count',
        String(count),
        '--warmup',
        '0',
        '--calls',
        '20',
        '--raw-count',
        '1000',
        '--nest-count',
        '200',
        '--json',
        json,
      ],
      150_000,
    );
    expect({ code, stderr: code === 0 ? '' : `${stdout}\n${stderr}` }).toEqual({ code: 0, stderr: '' });
    const summary = stdout.slice(stdout.indexOf('# Summary'));
    for (const senders of ['1 sender', '3 senders']) {
      expect(summary).toMatch(new RegExp(`over NATS \\(1 server\\) fifo, ${senders}: .*Cohort on tcpWire: `));
      expect(summary).toMatch(new RegExp(`over NATS \\(1 server\\) fifo, ${senders}: .*Nest NATS emit\\(\\): `));
    }
    for (const q of ['p50', 'p99']) {
      expect(summary).toContain(`over NATS (1 server) multicast replies:'all' ${q}`);
      expect(summary).toMatch(new RegExp(`Nest NATS send\\(\\) ${q}: `));
    }

    const results = JSON.parse(readFileSync(json, 'utf8')) as Json;
    if ('skipped' in results.nats) throw new Error(`NATS rows skipped: ${results.nats.skipped}`);
    const { cohort, nest, serverPids } = results.nats;
    expect(cohort.wire).toBe('nats');
    expect(cohort.throughput).toHaveLength(2);
    for (const run of cohort.throughput) {
      if ('failure' in run) throw new Error(`natsWire run failed: ${run.failure}`);
      for (const receiver of run.receivers) expect(receiver).toMatchObject({ delivered: count, expected: count, fifoViolations: 0 });
    }
    expect(cohort.latency).toMatchObject({ calls: 20, incomplete: 0 });
    expect(nest.emit).toMatchObject({ count: 200 });
    expect(nest.latency).toMatchObject({ calls: 20 });
    expect(serverPids).toHaveLength(1);
    for (const pid of serverPids) expect(alive(pid)).toBe(false);
    for (const child of results.children) {
      expect(child.exited).toBe(true);
      expect(alive(child.pid)).toBe(false);
    }
  }, 160_000);

  it('skips them without nats-server, with a line saying so', async () => {
    const saved = process.env.NATS_SERVER_BIN;
    const logged: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((line: unknown) => {
      logged.push(String(line));
    });
    try {
      process.env.NATS_SERVER_BIN = join(dir, 'no-nats-server-here');
      const nats = await runNatsRows({ natsServers: 1 } as AllOptions);
      expect(nats).toEqual({ skipped: expect.stringContaining('nats-server is not installed') });
      expect(logged.join('\n')).toContain('# Over NATS: skipped: nats-server is not installed');
      expect(natsRows({ nats } as AllResults)).toEqual([
        { metric: 'over NATS (natsWire)', ours: 'skipped', baseline: expect.stringContaining('nats-server is not installed'), ratio: '' },
      ]);
    } finally {
      spy.mockRestore();
      if (saved === undefined) delete process.env.NATS_SERVER_BIN;
      else process.env.NATS_SERVER_BIN = saved;
    }
  });
});
