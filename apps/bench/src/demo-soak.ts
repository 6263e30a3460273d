/**
 * The demo soak (issue 13): `npm start` run again and again while other processes keep the
 * machine's load average above a floor. A run passes when the demo exits 0 within its
 * timeout; a failed run prints the end of its output, so its cause is visible.
 *
 *   npm run demo:soak -- [--runs 200] [--threads 4] [--min-load 4] [--timeout 120] [--no-load] [--nats]
 *
 * The load is one child process with `--threads` spinning worker threads (default twice the
 * cores), killed by PID when the script ends (on error too). Before the first run the script
 * waits (at most 90 s) for the 1-minute load average to pass `--min-load`; each run prints the
 * load average it started at, and the summary the lowest. Every run is killed by PID at its
 * timeout.
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Args, isMain, machine } from './lib/args.js';
import { ROOT } from './lib/children.js';
import { startLoad } from './lib/load.js';

interface RunOutcome {
  ok: boolean;
  ms: number;
  code: number | null;
  tail: string;
}

/** One `npm start` (the demo's main, as npm runs it), bounded by `timeoutMs`. */
function runDemo(timeoutMs: number, extra: readonly string[]): Promise<RunOutcome> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'apps/demo/src/main.ts'), ...extra], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output += chunk.toString();
    // Only the end matters for a failure: keep the last 16 kB.
    if (output.length > 32_768) output = output.slice(-16_384);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      output += `\n[demo-soak] killed after ${timeoutMs} ms`;
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, ms: performance.now() - started, code, tail: output.split('\n').slice(-25).join('\n') });
    });
  });
}

async function waitForLoad(min: number, maxWaitMs: number): Promise<void> {
  const deadline = performance.now() + maxWaitMs;
  while (loadavg()[0]! < min && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1_000));
}

async function main(): Promise<void> {
  const args = new Args(process.argv.slice(2), ['runs', 'threads', 'min-load', 'timeout', 'no-load', 'nats']);
  const runs = args.int('runs', 200, 1, 10_000);
  const threads = args.int('threads', 2 * cpus().length, 1, 64);
  const minLoad = args.int('min-load', 4, 0, 100);
  const timeoutMs = args.int('timeout', 120, 10, 600) * 1_000;
  const extra = args.flag('nats') ? ['--nats'] : [];
  const load = args.flag('no-load') ? null : startLoad(threads);
  let passed = 0;
  let failed = 0;
  let lowestLoad = Infinity;
  const stop = (): void => {
    if (load?.pid !== undefined) {
      try {
        process.kill(load.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };
  process.once('SIGINT', () => {
    stop();
    process.exit(130);
  });
  try {
    console.log(
      `machine: ${machine()}; load: ${load ? `${threads} spinning threads (pid ${load.pid})` : 'none'}; ${runs} runs of npm start${extra.length ? ' -- --nats' : ''}`,
    );
    if (load) await waitForLoad(minLoad, 90_000);
    for (let run = 1; run <= runs; run++) {
      const atStart = loadavg()[0]!;
      lowestLoad = Math.min(lowestLoad, atStart);
      const outcome = await runDemo(timeoutMs, extra);
      if (outcome.ok) passed++;
      else failed++;
      console.log(
        `run ${run}/${runs}: ${outcome.ok ? 'ok' : `FAILED (exit ${outcome.code})`} in ${(outcome.ms / 1_000).toFixed(1)} s (load average ${atStart.toFixed(1)})`,
      );
      if (!outcome.ok) console.log(outcome.tail.replace(/^/gm, '    '));
    }
  } finally {
    stop();
  }
  console.log(`${passed} passed, ${failed} failed; lowest 1-minute load average at a run's start: ${lowestLoad.toFixed(1)}`);
  if (failed > 0) process.exitCode = 1;
}

if (isMain(import.meta.filename)) {
  main().catch((error: unknown) => {
    console.error(`demo-soak failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
