/**
 * BENCH_ALLOC_PROF=<dir>: the child samples every allocation it makes (V8's sampling heap
 * profiler, objects the garbage collector has since freed included) and writes the profile to
 * <dir>/alloc-<pid>.heapprofile when it exits; `heap-profile-summary.ts` reads it. Where a
 * process allocates, which is what the scavenger pays for, rather than what it holds at the end.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

/** Bytes between two samples (V8's default is 32 KiB). */
const SAMPLING_INTERVAL_BYTES = 16 * 1024;

export function startAllocationProfile(dir: string): void {
  const session = new Session();
  session.connect();
  session.post('HeapProfiler.startSampling', {
    samplingInterval: SAMPLING_INTERVAL_BYTES,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  // A same-thread session answers synchronously, so this works inside the 'exit' event.
  process.on('exit', () => {
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (!error) writeFileSync(join(dir, `alloc-${process.pid}.heapprofile`), JSON.stringify(result.profile));
    });
  });
}
