/**
 * One small run on the simulated network, recorded as a trace, for the trace tests: p, s and
 * t form a group; p's link to t is slow, so s's cbcast b (sent after s delivered p's a)
 * reaches t first and waits there; p and s abcast x and y at once; t crashes, and p and s
 * flush and install a view of two; p fbcasts z in it.
 */
import { Group } from '../../src/group.js';
import { TraceRecorder, memoryTraceSink } from '../../src/trace/trace-recorder.js';
import type { HistoryEvent } from '../../src/testing/history.js';
import { SimulatedNetwork } from '../../src/wire/simulated/simulated-network.js';

export interface TracedRun {
  /** The trace file's text (JSONL). */
  text: string;
  history: HistoryEvent[];
  me: { p: string; s: string; t: string };
}

export async function tracedRun(seed = 21): Promise<TracedRun> {
  const net = new SimulatedNetwork({ seed });
  const sink = memoryTraceSink();
  const trace = new TraceRecorder(sink, { clock: net, keepHistory: true, title: 'p, s and t' });
  const observer = trace.observer();
  try {
    const p = await Group.join('g', { wire: net.wire('p'), observer });
    const s = await Group.join('g', { wire: net.wire('s'), seeds: ['p'], observer });
    const t = await Group.join('g', { wire: net.wire('t'), seeds: ['p'], observer });
    await net.runUntil(() => [p, s, t].every((g) => g.view.members.length === 3), { timeoutMs: 10_000 });
    p.handle('e', () => undefined);
    t.handle('e', () => undefined);
    s.handle('e', async (x) => {
      if (x === 'a') await s.cbcast('e', 'b');
    });
    net.setLink('p', 't', { delayMs: { min: 80, max: 80 } });
    await p.cbcast('e', 'a');
    await net.sleep(200);
    net.clearLink('p', 't');
    await Promise.all([p.abcast('e', 'x'), s.abcast('e', 'y')]);
    await net.sleep(200);
    const me = { p: p.me, s: s.me, t: t.me };
    trace.record({ kind: 'crash', member: t.me });
    net.crash('t');
    await net.runUntil(() => p.view.members.length === 2 && s.view.members.length === 2, { timeoutMs: 10_000 });
    await p.fbcast('e', 'z');
    await net.sleep(100);
    return { text: sink.text(), history: trace.events, me };
  } finally {
    await net.close();
    await trace.close();
  }
}

/** What a drawing of `history` must show: one arrow per message and member it reached (its sender excepted), one band per view. */
export function expectedCounts(lines: readonly { kind: string; id?: string; member?: string; sender?: string; view?: { id: number } }[]): {
  arrows: number;
  bands: number;
  holds: number;
} {
  const sent = new Set(lines.filter((e) => e.kind === 'send').map((e) => e.id));
  const reached = new Set<string>();
  for (const e of lines) {
    if ((e.kind === 'deliver' || e.kind === 'held') && sent.has(e.id) && e.member !== e.sender) reached.add(`${e.member} ${e.id}`);
  }
  return {
    arrows: reached.size,
    bands: new Set(lines.filter((e) => e.kind === 'view').map((e) => e.view!.id)).size,
    holds: lines.filter((e) => e.kind === 'held').length,
  };
}
