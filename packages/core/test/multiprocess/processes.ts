import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryEvent } from '../../src/testing/history.js';

const SCRIPT = join(import.meta.dirname, 'member-process.ts');

type Reply = { type: string; [key: string]: unknown };

/** A member process under test: forked with tsx, talked to over IPC. */
export class MemberProcess {
  readonly child: ChildProcess;
  private readonly inbox: Reply[] = [];
  private readonly waiters: { match: (r: Reply) => boolean; resolve: (r: Reply) => void }[] = [];
  me = '';
  address = '';

  constructor(
    readonly historyPath: string,
    group: string,
    seeds: string[],
  ) {
    this.child = fork(SCRIPT, [group, historyPath, ...seeds], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: Reply) => {
      const waiter = this.waiters.findIndex((w) => w.match(message));
      if (waiter >= 0) this.waiters.splice(waiter, 1)[0]!.resolve(message);
      else this.inbox.push(message);
    });
  }

  /** The next message of `type` (and matching `where`), or a rejection after `timeoutMs`. */
  next(type: string, where: (r: Reply) => boolean = () => true, timeoutMs = 20_000): Promise<Reply> {
    const match = (r: Reply): boolean => r.type === type && where(r);
    const queued = this.inbox.findIndex(match);
    if (queued >= 0) return Promise.resolve(this.inbox.splice(queued, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.me || this.historyPath}: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
    });
  }

  async joined(): Promise<this> {
    const reply = await this.next('joined');
    this.me = reply.me as string;
    this.address = reply.address as string;
    return this;
  }

  command(message: object): void {
    this.child.send(message);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  exited(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.child.once('exit', () => resolve()));
  }
}

interface Line {
  t: number;
  event: HistoryEvent;
}

/**
 * Merges per-process JSONL histories into one, by wall-clock time (one machine, one clock):
 * a send is written before any process can receive it. Ties keep each file's order.
 */
export function mergeHistories(paths: readonly string[], extra: Line[] = []): HistoryEvent[] {
  const lines: (Line & { file: number; index: number })[] = [];
  paths.forEach((path, file) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return;
    }
    // A SIGKILLed process may have left half a line at the end.
    text.split('\n').forEach((raw, index) => {
      if (!raw.trim()) return;
      try {
        lines.push({ ...(JSON.parse(raw) as Line), file, index });
      } catch {
        // the torn last line of a killed process
      }
    });
  });
  extra.forEach((line, index) => lines.push({ ...line, file: paths.length, index }));
  lines.sort((a, b) => a.t - b.t || a.file - b.file || a.index - b.index);
  return lines.map((line) => line.event);
}
