/**
 * Synchronous multicast latency in a Cohort group of 3 processes on loopback (TCP wire):
 * member 1 calls `multicast('r', payload, { replies: 'all' })` `calls` times in sequence (each
 * member's handler returns the payload: an echo); p50/p90/p99 of the round trips, in µs.
 *
 *   npx tsx apps/bench/src/replies-latency.ts [--calls 10000] [--warmup 1000] [--size 64]
 */
import { Args, fmt, isMain } from './lib/args.js';
import { CohortGroup, type LatencyResult, type PipelinedResult } from './fbcast-throughput.js';
import { describeRss } from './lib/rss.js';

export async function runRepliesLatency(calls: number, warmup: number, size: number): Promise<LatencyResult> {
  const group = await CohortGroup.start(3);
  try {
    return await group.latency(calls, warmup, size);
  } finally {
    await group.stop();
  }
}

export function describeLatency(l: LatencyResult, warmup: number): string {
  return (
    `multicast(..., { replies: 'all' }) x ${fmt(l.calls)} sequential from member 1 of 3 (after ${fmt(warmup)} warm-up): ` +
    `p50 ${fmt(l.p50Us, 1)} µs, p90 ${fmt(l.p90Us, 1)} µs, p99 ${fmt(l.p99Us, 1)} µs, max ${fmt(l.maxUs, 1)} µs, ` +
    `mean ${fmt(l.meanUs, 1)} µs` +
    (l.incomplete ? `; ${l.incomplete} calls without all replies` : '') +
    `\n  per call: ${l.perCall.map((p) => `member ${p.member} sent ${fmt(p.framesSent, 1)} frames in ${fmt(p.writes, 1)} writes`).join(', ')}` +
    (l.rssMb ? `\n  peak RSS since start, per member: ${describeRss(l.rssMb)}` : '')
  );
}

/** `what`: how the calls were made, e.g. "multicast(..., { replies: 'all' })". */
export function describePipelined(p: PipelinedResult, what = "multicast(..., { replies: 'all' })"): string {
  return (
    `${what} x ${fmt(p.calls)} from member 1 of 3, ${p.outstanding} outstanding: ${fmt(p.callsPerSec)} calls/s ` +
    `(${fmt(p.totalMs)} ms; each call p50 ${fmt(p.p50Us, 1)} µs, p99 ${fmt(p.p99Us, 1)} µs)` +
    (p.incomplete ? `; ${p.incomplete} calls without all replies` : '') +
    (p.rssMb ? `\n  peak RSS since start, per member: ${describeRss(p.rssMb)}` : '')
  );
}

if (isMain(import.meta.filename)) {
  const args = new Args(process.argv.slice(2), ['calls', 'warmup', 'size', 'quick']);
  const quick = args.flag('quick');
  const calls = args.int('calls', quick ? 1_000 : 10_000, 1);
  const warmup = args.int('warmup', quick ? 100 : 1_000);
  runRepliesLatency(calls, warmup, args.int('size', 64, 9)).then(
    (l) => console.log(describeLatency(l, warmup)),
    (error: unknown) => {
      console.error(`replies-latency failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
