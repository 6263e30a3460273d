import { runScenario } from '../../src/testing/campaign/run-scenario.js';
import { isHistoryEvent, type TraceEvent } from '../../src/trace/trace-event.js';
import { parseTrace } from '../../src/trace/trace-reader.js';
import { memoryTraceSink } from '../../src/trace/trace-recorder.js';

const SEED = 1;

/** A trace's history events without their stamps: what the checker judged. */
function historyOf(events: readonly TraceEvent[]): unknown[] {
  return events.filter(isHistoryEvent).map(({ t: _t, vt: _vt, position: _position, ...event }) => event);
}

describe('a traced campaign seed (npm run sim -- --seeds 1 --trace run.jsonl)', () => {
  it('records the same history the checker judged, in virtual time, with the flushes of its view changes', async () => {
    const sink = memoryTraceSink();
    const result = await runScenario(SEED, { trace: sink });
    expect(result.violations).toEqual([]);
    const { header, events } = parseTrace(sink.text(), `seed-${SEED}.jsonl`);
    expect(header).toMatchObject({ clock: 'virtual', title: `campaign seed ${SEED}` });
    expect(historyOf(events)).toEqual(result.history);
    expect(events.filter((e) => e.kind === 'flush').length).toBeGreaterThan(0);
    expect(events.filter((e) => e.kind === 'violation')).toEqual([]);
    // The trace does not change the run: the same seed untraced gives the same history.
    expect(JSON.stringify((await runScenario(SEED)).history)).toBe(JSON.stringify(result.history));
  }, 120_000);

  it('ends with the violations found, each as a line of the trace', async () => {
    const sink = memoryTraceSink();
    const result = await runScenario(SEED, {
      trace: sink,
      // A delivery recorded twice: the judged history breaks 'no-duplicate'.
      mutateHistory: (events) => [...events, events.find((e) => e.kind === 'deliver')!],
    });
    const recorded = parseTrace(sink.text()).events.filter((e) => e.kind === 'violation');
    expect(result.violations.map((v) => v.property)).toContain('no-duplicate');
    expect(recorded.map((v) => v.kind === 'violation' && v.property)).toEqual(result.violations.map((v) => v.property));
  }, 120_000);
});
