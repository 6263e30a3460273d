/**
 * Summarizes V8 sampling heap profiles (`.heapprofile`, as written by the benchmark's children
 * with BENCH_ALLOC_PROF=<dir>, or by `node --heap-prof`): the functions that allocated the most
 * bytes (self; a native function such as slice is named with its caller), and the source files
 * (a native function's bytes count for its caller's file), per profile.
 *
 *   npx tsx apps/bench/src/heap-profile-summary.ts <file-or-dir> [--top 25]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

function file(node: HeapNode): string {
  const { url } = node.callFrame;
  return url ? relative(process.cwd(), url.replace(/^file:\/\//, '')) : '(native)';
}

function label(node: HeapNode): string {
  const { functionName, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${file(node)}:${lineNumber + 1}`;
}

function summarize(path: string, top: number): void {
  const { head } = JSON.parse(readFileSync(path, 'utf8')) as { head: HeapNode };
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  // A native function (slice, Promise, ...) is named with its caller: "slice <- readPack ...".
  const stack: { node: HeapNode; caller: HeapNode | null }[] = [{ node: head, caller: null }];
  while (stack.length > 0) {
    const { node, caller } = stack.pop()!;
    total += node.selfSize;
    if (node.selfSize > 0) {
      const native = !node.callFrame.url && caller !== null;
      const name = native ? `${node.callFrame.functionName} <- ${label(caller)}` : label(node);
      byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
      byFile.set(file(native ? caller : node), (byFile.get(file(native ? caller : node)) ?? 0) + node.selfSize);
    }
    for (const child of node.children) stack.push({ node: child, caller: node });
  }
  const rows = (m: Map<string, number>, n: number): string[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, bytes]) => `${(bytes / 1e6).toFixed(1).padStart(8)} MB ${((bytes / total) * 100).toFixed(1).padStart(5)} %  ${name}`);
  console.log(`${path}: ${(total / 1e6).toFixed(1)} MB allocated (sampled)`);
  console.log('  by function (self):');
  for (const row of rows(byFunction, top)) console.log(`  ${row}`);
  console.log('  by file:');
  for (const row of rows(byFile, Math.min(top, 15))) console.log(`  ${row}`);
}

const args = process.argv.slice(2);
const target = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
if (!target) throw new Error('usage: heap-profile-summary.ts <file-or-dir> [--top 25]');
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args[topAt + 1]) : 25;
const files = statSync(target).isDirectory()
  ? readdirSync(target)
      .filter((f) => f.endsWith('.heapprofile'))
      .map((f) => join(target, f))
  : [target];
for (const path of files) summarize(path, top);
