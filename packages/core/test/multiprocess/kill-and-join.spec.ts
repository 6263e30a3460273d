import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHistory } from '../../src/testing/checker/history-checker.js';
import { mergeHistories, MemberProcess } from './processes.js';

const GROUP = 'multiprocess';
const STREAM = 2_000;

describe('a group of real processes over TCP on 127.0.0.1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cohort-mp-'));
  const processes: MemberProcess[] = [];
  const spawn = (name: string, seeds: string[]): MemberProcess => {
    const p = new MemberProcess(join(dir, `${name}.jsonl`), GROUP, seeds);
    processes.push(p);
    return p;
  };

  afterAll(async () => {
    for (const p of processes) p.kill();
    await Promise.all(processes.map((p) => p.exited()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('mixed fbcast/cbcast/abcast streams, one process SIGKILLed mid-stream, another joining: the survivors pass the history checker', async () => {
    const first = await spawn('p1', []).joined();
    const others = await Promise.all(['p2', 'p3', 'p4'].map((name) => spawn(name, [first.address]).joined()));
    const [p2, p3, p4] = others as [MemberProcess, MemberProcess, MemberProcess];
    await Promise.all([first, ...others].map((p) => p.next('view', (r) => r.size === 4)));

    for (const p of [first, p2, p3, p4]) p.command({ cmd: 'stream', count: STREAM });
    // Mid-stream: p3 dies without a word once it has sent a little, and p5 joins.
    for (let sent = 0; sent < 100;) {
      p3.command({ cmd: 'progress' });
      sent = (await p3.next('progress')).sent as number;
    }
    p3.kill('SIGKILL');
    const crashedAt = performance.timeOrigin + performance.now();
    const p5 = await spawn('p5', [first.address, p2.address]).joined();
    const survivors = [first, p2, p4, p5];
    await Promise.all(survivors.map((p) => p.next('view', (r) => r.size === 4 && (r.id as number) > 2, 30_000)));
    await Promise.all([first, p2, p4].map((p) => p.next('streamed', () => true, 30_000)));
    p5.command({ cmd: 'stream', count: 300 });
    await p5.next('streamed', () => true, 30_000);

    // Quiescence: everything sent, and nobody's deliveries moved for three polls in a row (the
    // checker, run quiescent, then asks that every survivor delivered what was sent in its view).
    const deadline = performance.now() + 30_000;
    let last = '';
    for (let still = 0; still < 3;) {
      for (const p of survivors) p.command({ cmd: 'progress' });
      const progress = await Promise.all(survivors.map((p) => p.next('progress')));
      const sentAll = progress.every((r, i) => (r.sent as number) === (i === 3 ? 300 : STREAM));
      const now = JSON.stringify(progress);
      still = sentAll && now === last ? still + 1 : 0;
      last = now;
      if (performance.now() > deadline) throw new Error(`no quiescence: ${now}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    for (const p of survivors) p.command({ cmd: 'leave' });
    await Promise.all(survivors.map((p) => p.exited()));

    const history = mergeHistories(
      processes.map((p) => p.historyPath),
      [{ t: crashedAt, event: { kind: 'crash', member: p3.me } }],
    );
    expect(history.filter((e) => e.kind === 'send').length).toBeGreaterThan(3 * STREAM);
    // p3 really died mid-stream.
    const p3Sends = history.filter((e) => e.kind === 'send' && e.member === p3.me).length;
    expect(p3Sends).toBeGreaterThanOrEqual(100);
    expect(p3Sends).toBeLessThan(STREAM);
    expect(history.filter((e) => e.kind === 'deliver' && e.member === p5.me).length).toBeGreaterThan(0);
    expect(checkHistory(history, { quiescent: true })).toEqual([]);
  }, 120_000);
});
