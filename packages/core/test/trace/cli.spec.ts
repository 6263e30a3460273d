import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/cohort.js';
import { tracedRun } from './traced-run.js';

describe('cohort trace (the command, in process)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cohort-trace-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function run(...argv: string[]): { code: number; out: string; err: string } {
    const out: string[] = [];
    const err: string[] = [];
    const code = main(
      argv,
      (l) => out.push(l),
      (l) => err.push(l),
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('writes the page and says what it drew', async () => {
    const jsonl = join(dir, 'run.jsonl');
    writeFileSync(jsonl, (await tracedRun()).text);
    const html = join(dir, 'run.html');
    const result = run('trace', jsonl, '--html', html, '--check', '--title', 'p, s & t');
    expect(result).toEqual({ code: 0, out: `wrote ${html}: 3 processes, 9 arrows, 4 views, 5 held, 0 violations`, err: '' });
    expect(readFileSync(html, 'utf8')).toContain('<title>p, s &amp; t — space-time diagram</title>');
  }, 30_000);

  it('answers bad usage with exit code 2 and the usage, and an unreadable trace with 1', () => {
    expect(run('trace', 'run.jsonl')).toMatchObject({ code: 2, err: expect.stringContaining('--html <out.html> is required') });
    expect(run('trace', '--html', 'x.html')).toMatchObject({ code: 2, err: expect.stringContaining('name at least one trace file') });
    expect(run('draw')).toMatchObject({ code: 2, err: expect.stringContaining('unknown command draw') });
    expect(run('--help')).toMatchObject({ code: 0, out: expect.stringContaining('usage: cohort trace') });
    const broken = join(dir, 'broken.jsonl');
    writeFileSync(broken, '{"t":1,"kind":"view"\n');
    expect(run('trace', broken, '--html', join(dir, 'b.html'))).toMatchObject({
      code: 1,
      err: expect.stringContaining('broken.jsonl:1: not JSON'),
    });
    expect(run('trace', join(dir, 'missing.jsonl'), '--html', join(dir, 'm.html'))).toMatchObject({
      code: 1,
      err: expect.stringContaining('ENOENT'),
    });
  });
});
