/**
 * Child side of the benchmark's processes: report to the parent over IPC, obey `{ cmd: 'exit' }`,
 * die with the parent, and report any uncaught error before exiting with code 1. Every child
 * also samples its resident set size every 100 ms and answers `{ cmd: 'rss' }` with its peak
 * (`{ type: 'rss', peakBytes, nowBytes }`): the memory figure of issue 12, measured where it is spent.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { startAllocationProfile } from './alloc-profile.js';

export type Command = { cmd: string; [key: string]: unknown };

if (!process.send) throw new Error('this script is a benchmark child: fork it with an IPC channel (see lib/children.ts)');

export function report(message: { type: string; [key: string]: unknown }): void {
  if (process.connected) process.send!(message);
}

/** Reports the error to the parent and exits with code 1. */
export function die(error: unknown): never {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  report({ type: 'error', message });
  // Let the IPC message leave before exiting.
  setTimeout(() => process.exit(1), 50).unref();
  throw error;
}

process.on('uncaughtException', (error) => {
  try {
    die(error);
  } catch {
    /* reported */
  }
});
process.on('unhandledRejection', (error) => {
  try {
    die(error);
  } catch {
    /* reported */
  }
});
// The parent going away (finished, crashed or killed) ends this process too.
process.on('disconnect', () => process.exit(0));

/** How often the resident set size is sampled: a peak shorter than this may be missed. */
export const RSS_SAMPLE_MS = 100;
let rssPeakBytes = process.memoryUsage.rss();
/** BENCH_MEM=1: how the peak splits (heap, external, V8's spaces), kept at each new peak. */
const memDetail = Boolean(process.env.BENCH_MEM);
let peakSplit: Record<string, number> | null = null;

/** The highest resident set size seen so far in this process (sampled, and read now). */
export function rssPeak(): { peakBytes: number; nowBytes: number; peakSplit?: Record<string, number> } {
  const nowBytes = process.memoryUsage.rss();
  if (nowBytes > rssPeakBytes) {
    rssPeakBytes = nowBytes;
    if (memDetail) peakSplit = splitOfRss();
  }
  return { peakBytes: rssPeakBytes, nowBytes, ...(peakSplit ? { peakSplit } : {}) };
}

/** RSS and what V8 accounts for in it, in MB: heap used/total, external, array buffers, each heap space's committed size. */
function splitOfRss(): Record<string, number> {
  const mb = (bytes: number): number => Math.round((bytes / (1024 * 1024)) * 10) / 10;
  const usage = process.memoryUsage();
  const split: Record<string, number> = {
    rss: mb(usage.rss),
    heapTotal: mb(usage.heapTotal),
    heapUsed: mb(usage.heapUsed),
    external: mb(usage.external),
    arrayBuffers: mb(usage.arrayBuffers),
  };
  for (const space of getHeapSpaceStatistics()) split[`${space.space_name}.committed`] = mb(space.physical_space_size);
  return split;
}

// BENCH_HEAP_SNAPSHOT_MB=<n>: the first time a sample finds more than n MB of heap in use, the
// process writes a heap snapshot to the temporary directory and says where on stderr. Writing
// one stops the process for seconds: run with --suspect-ms 60000.
const snapshotAtBytes = Number(process.env.BENCH_HEAP_SNAPSHOT_MB ?? 0) * 1024 * 1024;
let snapshotTaken = false;

if (process.env.BENCH_ALLOC_PROF) startAllocationProfile(process.env.BENCH_ALLOC_PROF);

setInterval(() => {
  rssPeak();
  if (snapshotAtBytes > 0 && !snapshotTaken && process.memoryUsage().heapUsed > snapshotAtBytes) {
    snapshotTaken = true;
    process.stderr.write(
      `[mem] pid ${process.pid}: heap snapshot written to ${writeHeapSnapshot(join(tmpdir(), `heap-${process.pid}-${Date.now()}.heapsnapshot`))}\n`,
    );
  }
}, RSS_SAMPLE_MS).unref();

/** Runs `handler` for every command from the parent; `exit` and `rss` are handled here (exit after `onExit`). */
export function onCommand(handler: (command: Command) => void | Promise<void>, onExit?: () => Promise<void> | void): void {
  process.on('message', (command: Command) => {
    if (command.cmd === 'rss') {
      report({ type: 'rss', ...rssPeak() });
      return;
    }
    if (command.cmd === 'exit') {
      const hardStop = setTimeout(() => process.exit(0), 1500);
      hardStop.unref();
      void Promise.resolve()
        .then(() => onExit?.())
        .catch(() => undefined)
        .finally(() => process.exit(0));
      return;
    }
    Promise.resolve()
      .then(() => handler(command))
      .catch((error: unknown) => {
        try {
          die(error);
        } catch {
          /* reported */
        }
      });
  });
}

/** A wall-clock deadline for loops in children: `check()` throws once it has passed. */
export function deadline(ms: number, what: string): { check(): void } {
  const end = performance.now() + ms;
  return {
    check() {
      if (performance.now() > end) throw new Error(`timeout: ${what} did not finish within ${ms} ms`);
    },
  };
}
