/**
 * Summarizes a V8 heap snapshot (`.heapsnapshot`, as written by the benchmark's children with
 * BENCH_HEAP_SNAPSHOT_MB=<n>, or by `node --heapsnapshot-signal`): objects counted and their
 * own (shallow) sizes, grouped by constructor (objects) or kind (strings, arrays, code, ...),
 * the largest groups first. What the live heap holds, without opening DevTools.
 *
 *   npx tsx apps/bench/src/heap-snapshot-summary.ts <file> [--top 30]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: (string | string[])[] }; node_count: number };
  nodes: number[];
  strings: string[];
}

/** Per group (constructor name, or "(kind)"), how many nodes and their self size in bytes. */
export function groupBySelfSize(snapshot: Snapshot): Map<string, { count: number; bytes: number }> {
  const fields = snapshot.snapshot.meta.node_fields;
  const kinds = snapshot.snapshot.meta.node_types[0] as string[];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const groups = new Map<string, { count: number; bytes: number }>();
  const { nodes, strings } = snapshot;
  for (let i = 0; i < nodes.length; i += width) {
    const kind = kinds[nodes[i + typeAt]!]!;
    // Objects are grouped by constructor; the rest (strings, arrays, code, hidden) by kind.
    const key = kind === 'object' || kind === 'closure' ? `${strings[nodes[i + nameAt]!]} (${kind})` : `(${kind})`;
    const group = groups.get(key) ?? { count: 0, bytes: 0 };
    group.count++;
    group.bytes += nodes[i + sizeAt]!;
    groups.set(key, group);
  }
  return groups;
}

function main(): void {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) throw new Error('usage: heap-snapshot-summary.ts <file.heapsnapshot> [--top 30]');
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 30;
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const groups = [...groupBySelfSize(snapshot).entries()].sort((a, b) => b[1].bytes - a[1].bytes);
  const totalBytes = groups.reduce((s, [, g]) => s + g.bytes, 0);
  console.log(`${file}: ${snapshot.snapshot.node_count} nodes, ${(totalBytes / 1e6).toFixed(1)} MB self size in all`);
  for (const [name, g] of groups.slice(0, top)) {
    console.log(`${(g.bytes / 1e6).toFixed(2).padStart(8)} MB ${String(g.count).padStart(9)}  ${name}`);
  }
}

main();
