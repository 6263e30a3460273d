/**
 * Parent side of the memory figure: each child samples its resident set size every 100 ms
 * (lib/child-side.ts); `peakRss` asks every child of a row for its peak so far, in MB.
 */
import { fmt } from './args.js';
import type { Child } from './children.js';

/** Issue 12's target: every member process stays under this resident set size for the whole run. */
export const RSS_TARGET_MB = 150;

const MB = 1024 * 1024;

/** Each child's peak resident set size so far, in MB (null: it did not answer, e.g. it had exited). */
export async function peakRss(children: readonly Child[], timeoutMs = 5_000): Promise<(number | null)[]> {
  for (const child of children) child.send({ cmd: 'rss' });
  const replies = await Promise.all(children.map((c) => c.next('rss', timeoutMs).catch(() => null)));
  // BENCH_MEM=1: each child also sent how its peak splits (lib/child-side.ts).
  replies.forEach((r, i) => {
    if (r?.peakSplit) process.stderr.write(`[mem] ${children[i]!.name} at its RSS peak (MB): ${JSON.stringify(r.peakSplit)}\n`);
  });
  return replies.map((r) => (r ? Math.round(((r.peakBytes as number) / MB) * 10) / 10 : null));
}

/** The highest of the peaks (NaN when none answered). */
export function maxRss(peaksMb: readonly (number | null)[]): number {
  const known = peaksMb.filter((v): v is number => v !== null);
  return known.length > 0 ? Math.max(...known) : NaN;
}

/** "61.2 / 58.0 / 57.9 MB": each process's peak, in the order given. */
export function describeRss(peaksMb: readonly (number | null)[] | undefined): string {
  if (!peaksMb || peaksMb.length === 0) return '–';
  return `${peaksMb.map((v) => (v === null ? '?' : fmt(v, 1))).join(' / ')} MB`;
}
