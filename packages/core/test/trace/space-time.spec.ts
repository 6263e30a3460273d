import { renderSpaceTimeHtml } from '../../src/trace/space-time.html.js';
import { historyOf, layoutSpaceTime } from '../../src/trace/space-time.layout.js';
import { mergeTraces, parseTrace, TraceFormatError } from '../../src/trace/trace-reader.js';
import { renderTrace } from '../../src/trace/render.js';
import { expectedCounts, tracedRun, type TracedRun } from './traced-run.js';

const line = (value: object): string => JSON.stringify(value);

describe('reading traces', () => {
  it('names the file and line of anything that is not a trace event', () => {
    expect(() => parseTrace('{"kind":"trace","version":1,"clock":"wall"}\nnot json\n', 'a.jsonl')).toThrow(/a\.jsonl:2: not JSON/);
    expect(() => parseTrace('{"t":1,"kind":"teleport","member":"a/1"}', 'b.jsonl')).toThrow(TraceFormatError);
    expect(() => parseTrace('{"kind":"trace","version":99,"clock":"wall"}', 'c.jsonl')).toThrow(/version 99/);
  });

  it("merges one file per process: a delivery comes after its send even when the receiver's clock is behind", () => {
    const sender = parseTrace(
      [
        line({ t: 100, kind: 'view', member: 'a/1', view: { id: 1, members: ['a/1', 'b/1'] } }),
        line({ t: 105, kind: 'send', member: 'a/1', id: 'a/1@1#1', viewId: 1, payload: '1' }),
      ].join('\n'),
      'a.jsonl',
    );
    const receiver = parseTrace(
      [
        line({ t: 99, kind: 'view', member: 'b/1', view: { id: 1, members: ['a/1', 'b/1'] } }),
        // b's clock runs 10 ms behind a's.
        line({ t: 97, kind: 'deliver', member: 'b/1', id: 'a/1@1#1', sender: 'a/1', viewId: 1, payload: '1' }),
        line({ t: 98, kind: 'violation', property: 'fifo', message: 'made up', at: 1 }),
      ].join('\n'),
      'b.jsonl',
    );
    const trace = mergeTraces([receiver, sender]);
    expect(trace.events.map((e) => `${e.kind} ${'member' in e ? e.member : ''}`)).toEqual([
      'view b/1',
      'view a/1',
      'send a/1',
      'deliver b/1',
      'violation ',
    ]);
    // A violation's `at` counts the history events of its own file: b's delivery.
    expect(trace.targets.get(trace.events[4]!)).toBe(receiver.events[1]);
    expect(trace.sources).toEqual(['b.jsonl', 'a.jsonl']);
  });
});

describe('the space-time layout', () => {
  let run: TracedRun;
  beforeAll(async () => {
    run = await tracedRun();
  }, 30_000);

  it('draws one arrow per message and member it reached, one band per view, one bar per hold, all pointing forward', () => {
    const trace = mergeTraces([parseTrace(run.text, 'run.jsonl')]);
    const model = layoutSpaceTime(trace);
    const expected = expectedCounts(trace.events as never);
    expect(model.lanes.map((lane) => lane.address)).toEqual(['p', 's', 't']);
    expect(model.arrows).toHaveLength(expected.arrows);
    expect(model.bands).toHaveLength(expected.bands);
    expect(model.holds).toHaveLength(expected.holds);
    // a and b to two members each, x and y likewise, z to s alone.
    expect(expected).toEqual({ arrows: 9, bands: 4, holds: 5 });
    for (const arrow of model.arrows) expect(arrow.to.col).toBeGreaterThan(arrow.from.col);
    // s's b reached t and waited there until a came: the arrow ends where the wait starts.
    const b = trace.events.find((e) => e.kind === 'send' && e.payload === '"b"')!;
    const toT = model.arrows.find((a) => a.msg === (b as { id: string }).id && a.to.lane === 2)!;
    const hold = model.holds.find((h) => h.msg === toT.msg && h.lane === 2)!;
    expect(toT.held).toBe(true);
    expect(hold).toMatchObject({ fromCol: toT.to.col, reason: 'causal' });
    expect(hold.toCol).toBeGreaterThan(hold.fromCol);
    // p and s flushed view 3 after t crashed.
    const view3 = model.bands.find((band) => band.viewId === 3)!;
    expect(
      view3.segments
        .filter((s) => s.flushCol !== null)
        .map((s) => s.lane)
        .sort(),
    ).toEqual([0, 1]);
  });

  it("puts a checker's violation on the event where it was found, and one it cannot tie to an event at the end", () => {
    const lines = run.text.trimEnd().split('\n');
    // t delivers a twice: 'no-duplicate' is found at the second delivery.
    const index = lines.findIndex((l) => l.includes('"kind":"deliver"') && l.includes(`"member":"${run.me.t}"`));
    lines.splice(index + 1, 0, lines[index]!);
    lines.push(line({ t: 1000, kind: 'violation', property: 'liveness', message: 'the group did not settle' }));
    const trace = mergeTraces([parseTrace(lines.join('\n'), 'broken.jsonl')]);
    const { model, html } = renderTrace(trace, { check: true });
    const duplicate = model.violations.find((v) => v.property === 'no-duplicate')!;
    expect(duplicate.place).toEqual(expect.objectContaining({ lane: 2 }));
    const second = historyOf(trace).filter((e) => e.kind === 'deliver' && e.member === run.me.t)[1]!;
    const layoutOfSecond = layoutSpaceTime(trace).marks.filter((m) => m.kind === 'deliver' && m.lane === 2)[1]!;
    expect(second.kind).toBe('deliver');
    expect(duplicate.place!.col).toBe(layoutOfSecond.col);
    expect(model.violations.find((v) => v.property === 'liveness')!.place).toBeNull();
    expect(html).toContain('class="violation"');
  });

  it('is one self-contained page: no external script, style, image or font', () => {
    const html = renderSpaceTimeHtml(layoutSpaceTime(mergeTraces([parseTrace(run.text, 'run.jsonl')])));
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|@import|url\((?!#)|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).toContain('data-arrows="9"');
    expect(html).toContain('data-bands="4"');
  });

  it('ends a wait that sees no delivery where the view ends or the member stops, and draws it dashed', () => {
    const view = (member: string, id: number, members: string[]): object => ({ t: id, kind: 'view', member, view: { id, members } });
    const text = [
      view('a/1', 1, ['a/1', 'b/1']),
      view('b/1', 1, ['a/1', 'b/1']),
      { t: 2, kind: 'send', member: 'a/1', id: 'a/1@1#1', viewId: 1, payload: 'orphan', order: 'causal' },
      { t: 3, kind: 'held', member: 'b/1', id: 'a/1@1#1', sender: 'a/1', viewId: 1, reason: 'causal' },
      { t: 3, kind: 'send', member: 'a/1', id: 'a/1@1#2', viewId: 1, payload: 'lost', order: 'causal' },
      { t: 4, kind: 'held', member: 'a/1', id: 'a/1@1#2', sender: 'a/1', viewId: 1, reason: 'safe' },
      { t: 5, kind: 'crash', member: 'a/1' },
      view('b/1', 2, ['b/1']),
    ]
      .map(line)
      .join('\n');
    const model = layoutSpaceTime(mergeTraces([parseTrace(text, 'orphan.jsonl')]));
    const [atB, atA] = [model.holds.find((h) => h.lane === 1)!, model.holds.find((h) => h.lane === 0)!];
    const install = model.marks.find((m) => m.kind === 'view' && m.lane === 1 && m.title.includes('view 2'))!;
    expect(atB).toMatchObject({ toCol: install.col, delivered: false });
    expect(atB.title).toContain('discarded at the flush');
    expect(atA).toMatchObject({ toCol: model.marks.find((m) => m.kind === 'crash')!.col, delivered: false });
    expect(renderSpaceTimeHtml(model).match(/class="held never-delivered"/g)).toHaveLength(2);
  });

  it('escapes what the run carries (payloads, addresses) so a trace cannot inject markup', () => {
    const evil = '<script>alert(1)</script>';
    const text = [
      line({ t: 1, kind: 'view', member: `${evil}/1`, view: { id: 1, members: [`${evil}/1`] } }),
      line({ t: 2, kind: 'send', member: `${evil}/1`, id: `${evil}/1@1#1`, viewId: 1, payload: evil }),
    ].join('\n');
    const html = renderSpaceTimeHtml(layoutSpaceTime(mergeTraces([parseTrace(text, 'evil.jsonl')])));
    expect(html).not.toContain(evil);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
