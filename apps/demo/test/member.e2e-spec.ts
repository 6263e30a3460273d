import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTraceFiles, renderTrace } from '@cohort/core/testing';

const SCRIPT = join(import.meta.dirname, '../src/member.ts');

/** A member process started as the README says, its output watched line by line. */
class MemberCli {
  readonly child: ChildProcess;
  private output = '';
  private readonly watchers: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];

  constructor(args: string[]) {
    this.child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, '--every', '300', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
      for (const watcher of [...this.watchers]) {
        const match = this.output.match(watcher.pattern);
        if (match) {
          this.watchers.splice(this.watchers.indexOf(watcher), 1);
          watcher.resolve(match);
        }
      }
    });
  }

  waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const match = this.output.match(pattern);
    if (match) return Promise.resolve(match);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${this.output}`)), timeoutMs);
      this.watchers.push({
        pattern,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  exited(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.child.once('exit', () => resolve()));
  }
}

describe("the README's real-process demo: three members in three terminals", () => {
  const members: MemberCli[] = [];
  afterAll(async () => {
    for (const m of members) if (m.child.exitCode === null && m.child.signalCode === null) m.child.kill('SIGKILL');
    await Promise.all(members.map((m) => m.exited()));
  });

  it('shows the views change when one member is killed, and leaves gracefully on SIGTERM', async () => {
    const first = new MemberCli(['--port', '0']);
    members.push(first);
    const [, address] = await first.waitFor(/listening on (127\.0\.0\.1:\d+)/);
    const second = new MemberCli(['--port', '0', '--seeds', address!]);
    const third = new MemberCli(['--port', '0', '--seeds', address!]);
    members.push(second, third);
    for (const m of members) await m.waitFor(/view \d+: 3 members/);
    // Everyone hears everyone's lines.
    await third.waitFor(/127\.0\.0\.1:\d+\/\d+: hello #2/);
    second.child.kill('SIGKILL');
    await first.waitFor(/view \d+: 2 members/);
    await third.waitFor(/view \d+: 2 members/);
    first.child.kill('SIGTERM');
    third.child.kill('SIGTERM');
    await Promise.all([first.exited(), third.exited()]);
    expect(first.child.exitCode).toBe(0);
    expect(third.child.exitCode).toBe(0);
  }, 60_000);
});

describe('the real-process demo, recorded: npm run member -- --trace run.jsonl', () => {
  const members: MemberCli[] = [];
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cohort-member-trace-'));
  });
  afterAll(async () => {
    for (const m of members) if (m.child.exitCode === null && m.child.signalCode === null) m.child.kill('SIGKILL');
    await Promise.all(members.map((m) => m.exited()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("merges the members' trace files into one picture of the run, each message drawn from its send to the other's delivery", async () => {
    const files = [join(dir, 'first.jsonl'), join(dir, 'second.jsonl')];
    const first = new MemberCli(['--port', '0', '--trace', files[0]!]);
    members.push(first);
    const [, address] = await first.waitFor(/listening on (127\.0\.0\.1:\d+)/);
    const second = new MemberCli(['--port', '0', '--seeds', address!, '--trace', files[1]!]);
    members.push(second);
    await first.waitFor(/127\.0\.0\.1:\d+\/\d+: hello #2\n[\s\S]*127\.0\.0\.1:\d+\/\d+: hello #2/);
    second.child.kill('SIGTERM');
    await second.exited();
    await first.waitFor(/view \d+: 1 members/);
    first.child.kill('SIGTERM');
    await first.exited();
    expect([first.child.exitCode, second.child.exitCode]).toEqual([0, 0]);

    const trace = readTraceFiles(files);
    const { model } = renderTrace(trace, { check: true });
    expect(model.lanes).toHaveLength(2);
    expect(model.violations).toEqual([]);
    // Each member's cbcasts reached the other: arrows both ways, all pointing forward in time.
    const lanesCrossed = new Set(model.arrows.map((a) => `${a.from.lane}→${a.to.lane}`));
    expect([...lanesCrossed].sort()).toEqual(['0→1', '1→0']);
    for (const arrow of model.arrows) expect(arrow.to.col).toBeGreaterThan(arrow.from.col);
    expect(model.bands.length).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
