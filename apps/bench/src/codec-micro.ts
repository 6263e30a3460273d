/**
 * The frame codec alone, in one process: nanoseconds per message to encode and to decode the
 * frames the fifo benchmark sends (packs of many small multicasts on one topic), lone data
 * messages, and the time the garbage collector took meanwhile.
 *
 *   npx tsx apps/bench/src/codec-micro.ts [--messages 1024] [--size 64] [--frames 400] [--reps 5]
 *
 * Each figure is the best of `reps` runs, in CPU time (other processes on the machine only ever add to it).
 */
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { decodeFrame, encodeFrame, type Frame } from '../../../packages/core/src/protocol/frames.js';
import type { DataBody } from '../../../packages/core/src/protocol/reliable/reliable.header.js';
import { Args, fmt, isMain, machine } from './lib/args.js';

export interface CodecFigure {
  label: string;
  encodeNsPerMessage: number;
  decodeNsPerMessage: number;
  /** Garbage collection during the decoding runs, per message. */
  decodeGcNsPerMessage: number;
}

/** Garbage-collection pauses seen so far: [start, duration] in performance.now() ms. */
const gcPauses: [number, number][] = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauses.push([entry.startTime, entry.duration]);
});

function message(seq: number, size: number): DataBody {
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = (seq + i) & 0xff;
  return { type: 'data', seq, topic: 'bench', payload };
}

/**
 * The best of `reps` timings of `run`: CPU time of the process in ns (not wall time, which on a
 * busy machine counts the waits for a core; the GC's helper threads are counted), with the GC
 * pauses within that run. GC entries reach the observer a turn later, hence the wait.
 */
async function best(reps: number, run: () => void): Promise<{ ns: number; gcNs: number }> {
  let bestNs = Infinity;
  let bestGcNs = 0;
  for (let i = 0; i < reps; i++) {
    const from = performance.now();
    const start = process.cpuUsage();
    run();
    const used = process.cpuUsage(start);
    const ns = (used.user + used.system) * 1000;
    const to = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (ns < bestNs) {
      bestNs = ns;
      bestGcNs = gcPauses.filter(([at]) => at >= from && at <= to).reduce((sum, [, ms]) => sum + ms * 1e6, 0);
    }
  }
  return { ns: bestNs, gcNs: bestGcNs };
}

export async function measure(label: string, messagesPerFrame: number, size: number, frames: number, reps: number): Promise<CodecFigure> {
  const messages = Array.from({ length: messagesPerFrame }, (_, i) => message(i + 1, size));
  const frame: Frame = {
    epoch: 3_000_000_000,
    group: 'bench',
    from: '127.0.0.1:7001/1',
    viewId: 3,
    body: messagesPerFrame === 1 ? messages[0]! : { type: 'pack', messages },
  };
  const bytes = encodeFrame(frame);
  let sink = 0;
  const encode = await best(reps, () => {
    for (let i = 0; i < frames; i++) sink += encodeFrame(frame).length;
  });
  const decode = await best(reps, () => {
    for (let i = 0; i < frames; i++) {
      const body = decodeFrame(bytes).body;
      // Touch what a receiver reads, so nothing is optimized away.
      if (body.type === 'pack') for (const m of body.messages) sink += m.payload[0]! + m.topic.length;
      else if (body.type === 'data') sink += body.payload[0]! + body.topic.length;
    }
  });
  if (sink === 0) throw new Error('nothing decoded');
  const total = frames * messagesPerFrame;
  return {
    label,
    encodeNsPerMessage: encode.ns / total,
    decodeNsPerMessage: decode.ns / total,
    decodeGcNsPerMessage: decode.gcNs / total,
  };
}

export async function runCodecMicro(options: { messages: number; size: number; frames: number; reps: number }): Promise<CodecFigure[]> {
  gcObserver.observe({ entryTypes: ['gc'] });
  try {
    // A warm-up pass of each (not reported) lets the JIT settle first.
    await measure('warm-up', options.messages, options.size, options.frames, 1);
    await measure('warm-up', 1, options.size, options.frames * 16, 1);
    return [
      await measure(`pack of ${options.messages} × ${options.size} B`, options.messages, options.size, options.frames, options.reps),
      await measure(`lone data message of ${options.size} B`, 1, options.size, options.frames * 64, options.reps),
    ];
  } finally {
    gcObserver.disconnect();
  }
}

if (isMain(import.meta.filename)) {
  const args = new Args(process.argv.slice(2), ['messages', 'size', 'frames', 'reps']);
  const options = {
    messages: args.int('messages', 1024, 1, 65_536),
    size: args.int('size', 64, 1, 1 << 20),
    frames: args.int('frames', 400, 1),
    reps: args.int('reps', 5, 1),
  };
  console.log(`machine: ${machine()}`);
  for (const f of await runCodecMicro(options)) {
    console.log(
      `  ${f.label}: encode ${fmt(f.encodeNsPerMessage, 1)} ns/message, decode ${fmt(f.decodeNsPerMessage, 1)} ns/message ` +
        `(GC during decoding ${fmt(f.decodeGcNsPerMessage, 1)} ns/message)`,
    );
  }
}
