import { checkHistory } from '../../src/testing/checker/history-checker.js';
import { TraceRecorder, memoryTraceSink } from '../../src/trace/trace-recorder.js';
import { parseTrace } from '../../src/trace/trace-reader.js';
import type { TraceEvent } from '../../src/trace/trace-event.js';
import { tracedRun } from './traced-run.js';

type Of<K extends TraceEvent['kind']> = Extract<TraceEvent, { kind: K }>;

describe('TraceRecorder on a simulated run', () => {
  let events: TraceEvent[];
  let me: { p: string; s: string; t: string };
  beforeAll(async () => {
    const run = await tracedRun();
    events = parseTrace(run.text, 'run.jsonl').events;
    me = run.me;
    // The trace is the run's history too, and a clean one.
    expect(checkHistory(run.history)).toEqual([]);
  }, 30_000);

  const of = <K extends TraceEvent['kind']>(kind: K): Of<K>[] => events.filter((e): e is Of<K> => e.kind === kind);
  const payloadIs =
    (text: string) =>
    (e: { payload: string }): boolean =>
      e.payload === JSON.stringify(text);

  it('stamps every event with the virtual time, never going back', () => {
    const times = events.map((e) => e.t);
    expect(times.every((t) => typeof t === 'number')).toBe(true);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it("holds s's b at t in the causal queue until p's a arrives over the slow link, then delivers a before b", () => {
    const b = of('send').find(payloadIs('b'))!;
    const held = of('held').find((e) => e.id === b.id)!;
    expect(held).toMatchObject({ member: me.t, sender: me.s, reason: 'causal' });
    const atT = events.filter((e) => e.kind === 'deliver' && e.member === me.t).map((e) => (e as Of<'deliver'>).payload);
    expect(atT.slice(0, 2)).toEqual(['"a"', '"b"']);
    const deliveredB = events.findIndex((e) => e.kind === 'deliver' && e.member === me.t && e.id === b.id);
    expect(events.indexOf(held)).toBeLessThan(deliveredB);
    expect(events[deliveredB]!.t).toBeGreaterThan(held.t);
  });

  it("gives b the vector timestamp of s's past: p's a and b itself", () => {
    const b = of('send').find(payloadIs('b'))!;
    expect(b.vt).toEqual({ [me.p]: 1, [me.s]: 1, [me.t]: 0 });
    const atT = of('deliver').find((e) => e.member === me.t && e.id === b.id)!;
    expect(atT.vt).toEqual({ [me.p]: 1, [me.s]: 1, [me.t]: 0 });
  });

  it('gives the abcasts x and y the same position at every member, and fbcasts none', () => {
    const positions = new Map<string, Set<number | undefined>>();
    for (const e of of('deliver')) {
      if (!['"x"', '"y"'].includes(e.payload)) continue;
      if (!positions.has(e.payload)) positions.set(e.payload, new Set());
      positions.get(e.payload)!.add(e.position);
    }
    expect(positions.get('"x"')!.size).toBe(1);
    expect(positions.get('"y"')!.size).toBe(1);
    expect([...positions.get('"x"')!, ...positions.get('"y"')!].sort()).toEqual([1, 2]);
    expect(
      of('deliver')
        .filter((e) => e.payload === '"z"')
        .every((e) => e.position === undefined),
    ).toBe(true);
  });

  it('records the flush of each survivor before the view that follows the crash', () => {
    const finalView = of('view')
      .filter((e) => e.view.members.length === 2 && !e.view.members.includes(me.t))
      .at(-1)!;
    for (const member of [me.p, me.s]) {
      const flush = events.findIndex((e) => e.kind === 'flush' && e.member === member && e.viewId === finalView.view.id - 1);
      const install = events.findIndex((e) => e.kind === 'view' && e.member === member && e.view.id === finalView.view.id);
      expect(flush).toBeGreaterThanOrEqual(0);
      expect(flush).toBeLessThan(install);
    }
  });
});

describe('TraceRecorder lines', () => {
  it('starts with a header that says what the times are, and records notes and violations', async () => {
    const sink = memoryTraceSink();
    const trace = new TraceRecorder(sink, { clock: { now: () => 12.3456 }, title: 'unit' });
    trace.record({ kind: 'crash', member: 'a/1' });
    trace.note({ kind: 'violation', property: 'fifo', message: 'a/1 broke it', at: 0 });
    await trace.close();
    trace.record({ kind: 'crash', member: 'a/2' });
    expect(sink.lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      { kind: 'trace', version: 1, clock: 'virtual', title: 'unit' },
      { t: 12.346, kind: 'crash', member: 'a/1' },
      { t: 12.346, kind: 'violation', property: 'fifo', message: 'a/1 broke it', at: 0 },
    ]);
    // A recorder that keeps no history holds nothing in memory.
    expect(trace.events).toEqual([]);
  });

  it('uses the wall clock (epoch milliseconds) when given no clock', () => {
    const sink = memoryTraceSink();
    const trace = new TraceRecorder(sink);
    trace.record({ kind: 'left', member: 'a/1' });
    expect(JSON.parse(sink.lines[0]!)).toMatchObject({ clock: 'wall' });
    const t = (JSON.parse(sink.lines[1]!) as { t: number }).t;
    // After 2020-01-01 and within a day of the process's own idea of now.
    expect(t).toBeGreaterThan(1_577_836_800_000);
    expect(Math.abs(t - (performance.timeOrigin + performance.now()))).toBeLessThan(86_400_000);
  });
});
