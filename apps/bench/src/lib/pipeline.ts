/**
 * Calls kept in flight (child side): `outstanding` lanes, each starting its next call as soon
 * as its previous one settled, until `total` calls were made. Calls/s is the figure; each
 * call's round trip (with the others in flight) is kept too.
 */
import { summarizeLatencies, type LatencySummary } from './payload.js';

export interface PipelinedSummary extends LatencySummary {
  /** Calls in flight at once. */
  outstanding: number;
  /** calls / the whole run's wall time. */
  callsPerSec: number;
  /** Calls that did not get every reply they asked for. */
  incomplete: number;
}

/**
 * Makes `total` calls, `outstanding` at a time; `call(i)` resolves true when the call got every
 * reply. `check()` runs every 256 calls (a deadline).
 */
export async function runPipelined(
  total: number,
  outstanding: number,
  call: (i: number) => Promise<boolean>,
  check: () => void,
): Promise<{ samplesMs: number[]; totalMs: number; incomplete: number }> {
  const samplesMs: number[] = [];
  let incomplete = 0;
  let issued = 0;
  const t0 = performance.now();
  const lane = async (): Promise<void> => {
    while (issued < total) {
      const i = issued++;
      const start = performance.now();
      if (!(await call(i))) incomplete++;
      samplesMs.push(performance.now() - start);
      if ((i & 255) === 0) check();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(outstanding, total)) }, lane));
  return { samplesMs, totalMs: performance.now() - t0, incomplete };
}

/** A warm-up (not measured) then `calls` measured calls, `outstanding` in flight: the summary a child reports. */
export async function pipelined(
  calls: number,
  warmup: number,
  outstanding: number,
  call: (i: number) => Promise<boolean>,
  check: () => void,
): Promise<PipelinedSummary> {
  if (warmup > 0) await runPipelined(warmup, outstanding, call, check);
  const run = await runPipelined(calls, outstanding, (i) => call(warmup + i), check);
  return {
    ...summarizeLatencies(run.samplesMs, run.totalMs),
    outstanding,
    callsPerSec: calls / Math.max(1e-6, run.totalMs / 1000),
    incomplete: run.incomplete,
  };
}
