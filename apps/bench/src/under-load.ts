/**
 * The throughput benchmark under load (issue 10): 3 senders in every order, with library
 * defaults, while another process keeps both cores busy. A run passes when every member
 * delivers every message with no exclusion or view change; the script prints each run and
 * ends with "N passed, M failed".
 *
 *   npx tsx apps/bench/src/under-load.ts [--runs 10] [--count 200000] [--orders fifo,causal,total] [--no-load]
 *
 * The load is one child process with a worker thread per core, each spinning; it is killed
 * by PID when the script ends (on error too). Every run is bounded by its timeout.
 */
import { cpus, loadavg } from 'node:os';
import { Args, fmt, isMain, machine } from './lib/args.js';
import { killAll } from './lib/children.js';
import { startLoad } from './lib/load.js';
import { DEFAULT_FBCAST, RunFailedError, runFbcast, type Order } from './fbcast-throughput.js';

async function main(): Promise<void> {
  const args = new Args(process.argv.slice(2), ['runs', 'count', 'orders', 'no-load', 'timeout']);
  const runs = args.int('runs', 10, 1, 100);
  const count = args.int('count', DEFAULT_FBCAST.count, 1);
  const orders = (args.string('orders') ?? 'fifo,causal,total').split(',') as Order[];
  for (const order of orders) if (!['fifo', 'causal', 'total'].includes(order)) throw new Error(`unknown order ${order}`);
  const load = args.flag('no-load') ? null : startLoad(cpus().length);
  let passed = 0;
  let failed = 0;
  try {
    console.log(`machine: ${machine()}; load: ${load ? `${cpus().length} spinning threads (pid ${load.pid})` : 'none'}`);
    for (let run = 1; run <= runs; run++) {
      for (const order of orders) {
        const label = `run ${run}/${runs} ${order}, 3 senders, ${fmt(count)} messages`;
        try {
          const { result } = await runFbcast({
            ...DEFAULT_FBCAST,
            count,
            senders: 3,
            order,
            timeoutMs: args.int('timeout', DEFAULT_FBCAST.timeoutMs, 1000),
          });
          // Every member delivers every message in FIFO order; with total order, in one sequence.
          const ok =
            result.receivers.every((r) => r.delivered === r.expected && r.fifoViolations === 0) &&
            (order !== 'total' || result.sameSequence);
          if (ok) passed++;
          else failed++;
          console.log(
            `${label}: ${ok ? 'ok' : 'FAILED'} slowest receiver ${fmt(result.minPerSec)}/s (load average ${loadavg()[0]!.toFixed(1)})`,
          );
        } catch (error) {
          failed++;
          console.log(
            `${label}: FAILED ${error instanceof RunFailedError ? error.message : String(error)} (load average ${loadavg()[0]!.toFixed(1)})`,
          );
        }
      }
    }
  } finally {
    if (load?.pid !== undefined) process.kill(load.pid, 'SIGKILL');
    killAll();
  }
  console.log(`${passed} passed, ${failed} failed`);
  if (failed > 0) process.exitCode = 1;
}

if (isMain(import.meta.filename)) {
  main().catch((error: unknown) => {
    console.error(`under-load failed: ${error instanceof Error ? error.message : String(error)}`);
    killAll();
    process.exitCode = 1;
  });
}
