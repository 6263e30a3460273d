/**
 * The parent side of the real-process tests: member processes (member.ts, forked with tsx and
 * driven over IPC), bounded waits, and the judge of "nothing resolved is silently lost".
 *
 * Every process a test starts is registered in its Cluster, and Cluster.cleanup() (afterAll)
 * SIGCONTs and SIGKILLs each one still alive by its PID, even when the test failed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryEvent } from '../../src/testing/history.js';
import type { Command, HandlerKind, MemberConfig, MemberLog, Progress, Reply } from './types.js';

const SCRIPT = join(import.meta.dirname, 'member.ts');

export const now = (): number => performance.timeOrigin + performance.now();
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;
export type CommandWithoutId = Distribute<Command>;

let requestCount = 0;

/** A member process under test. */
export class RealMember {
  readonly child: ChildProcess;
  readonly spawnedAt = now();
  /** Every message received from the child, in arrival order (never consumed). */
  readonly log: Reply[] = [];
  private readonly waiters = new Set<{ match: (r: Reply) => boolean; resolve: (r: Reply) => void }>();
  me = '';
  address = '';
  killedAt: number | null = null;
  private exitedPromise: Promise<void>;

  constructor(readonly config: MemberConfig) {
    this.child = fork(SCRIPT, [JSON.stringify(config)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.exitedPromise = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.on('message', (message: Reply) => {
      this.log.push(message);
      if (message.type === 'joined') {
        this.me = message.me as string;
        this.address = message.address as string;
      }
      if (typeof message.me === 'string' && message.me) this.me = message.me;
      for (const waiter of [...this.waiters]) {
        if (waiter.match(message)) {
          this.waiters.delete(waiter);
          waiter.resolve(message);
        }
      }
    });
    // An IPC write to a dead child must not throw into the test.
    this.child.on('error', () => undefined);
  }

  get name(): string {
    return this.config.name;
  }

  get historyPath(): string {
    return join(this.config.dir, `${this.config.name}.history.jsonl`);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * The first message (since log index `from`) of `type` matching `where`; rejects after
   * `timeoutMs`, or at once if the child has died.
   */
  waitFor(type: string, where: (r: Reply) => boolean = () => true, timeoutMs = 10_000, from = 0): Promise<Reply> {
    const match = (r: Reply): boolean => r.type === type && where(r);
    const found = this.log.slice(from).find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (r: Reply) => {
          clearTimeout(timer);
          this.child.off('exit', onExit);
          resolve(r);
        },
      };
      const fail = (why: string): void => {
        this.waiters.delete(waiter);
        this.child.off('exit', onExit);
        reject(new Error(`${this.name} (${this.me || 'not joined'}): no '${type}' ${why}`));
      };
      const timer = setTimeout(() => fail(`within ${timeoutMs} ms`), timeoutMs);
      timer.unref();
      const onExit = (): void => {
        clearTimeout(timer);
        fail('(the process exited)');
      };
      this.child.once('exit', onExit);
      this.waiters.add(waiter);
    });
  }

  /** Resolves once joined; rejects with the library's error if the join failed. */
  async joined(timeoutMs = 10_000): Promise<this> {
    const reply = await Promise.race([
      this.waitFor('joined', () => true, timeoutMs),
      this.waitFor('join-failed', () => true, timeoutMs + 1_000).then((r) => {
        throw new Error(`${this.name}: join failed after ${Math.round(r.ms as number)} ms: ${String(r.code)} ${String(r.message)}`);
      }),
    ]);
    this.me = reply.me as string;
    this.address = reply.address as string;
    return this;
  }

  command(command: Command): void {
    if (this.alive && this.child.connected) this.child.send(command);
  }

  /** Sends a command with a fresh id and waits for the answer of `type` with that id. */
  async request(command: CommandWithoutId, type: string, timeoutMs = 3_000): Promise<Reply> {
    const id = `r${++requestCount}`;
    const from = this.log.length;
    const answer = this.waitFor(type, (r) => r.id === id, timeoutMs, from);
    this.command({ ...command, id } as Command);
    return answer;
  }

  progress(timeoutMs = 3_000): Promise<Progress> {
    return this.request({ cmd: 'progress' }, 'progress', timeoutMs) as unknown as Promise<Progress>;
  }

  /** Starts a send loop; returns its id (the 'sent' message carries it). */
  send(count: number, options: { order?: 'fifo' | 'causal' | 'total' | 'mixed'; burst?: number; pauseMs?: number } = {}): string {
    const id = `s${++requestCount}`;
    this.command({ cmd: 'send', id, count, order: options.order ?? 'fifo', burst: options.burst ?? 0, pauseMs: options.pauseMs ?? 0 });
    return id;
  }

  /** A synchronous multicast (topic 'q'); resolves with the child's report of how it settled. */
  async call(timeoutMs: number, waitMs: number, replies: 'all' | 'majority' = 'all'): Promise<Reply> {
    return this.request({ cmd: 'call', replies, timeoutMs }, 'call', waitMs);
  }

  async dump(timeoutMs = 5_000): Promise<MemberLog> {
    await this.request({ cmd: 'dump' }, 'dumped', timeoutMs);
    return JSON.parse(readFileSync(join(this.config.dir, `${this.config.name}.log.json`), 'utf8')) as MemberLog;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.alive || this.child.pid === undefined) return;
    if (signal === 'SIGKILL' && this.killedAt === null) this.killedAt = now();
    process.kill(this.child.pid, signal);
  }

  /** Resolves once the process exited, or after `timeoutMs` anyway. */
  exited(timeoutMs = 3_000): Promise<void> {
    if (!this.alive) return Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    return Promise.race([this.exitedPromise, bound]).finally(() => clearTimeout(timer));
  }
}

export interface SpawnOptions {
  port?: number;
  seeds?: string[];
  handler?: HandlerKind;
  options?: MemberConfig['options'];
  callsOnSlowConsumer?: boolean;
}

/** The processes of one test file, in a temporary directory; cleanup() ends them all. */
export class Cluster {
  readonly dir: string;
  readonly members: RealMember[] = [];

  constructor(readonly group: string) {
    this.dir = mkdtempSync(join(tmpdir(), `cohort-rp-${group}-`));
  }

  spawn(name: string, options: SpawnOptions = {}): RealMember {
    const member = new RealMember({
      group: this.group,
      name,
      dir: this.dir,
      port: options.port ?? 0,
      seeds: options.seeds ?? [],
      handler: options.handler ?? { kind: 'none' },
      options: options.options ?? {},
      ...(options.callsOnSlowConsumer ? { callsOnSlowConsumer: true } : {}),
    });
    this.members.push(member);
    return member;
  }

  /** SIGKILLs (after a SIGCONT, in case it was stopped) every process still alive, by PID. */
  async cleanup(): Promise<void> {
    for (const member of this.members) {
      const pid = member.child.pid;
      if (!member.alive || pid === undefined) continue;
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        /* already gone */
      }
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await Promise.all(this.members.map((m) => m.exited(3_000)));
    if (!process.env.COHORT_KEEP_REALPROCESS) rmSync(this.dir, { recursive: true, force: true });
    else console.log(`real-process files kept in ${this.dir}`);
  }
}

/**
 * `n` free TCP ports on 127.0.0.1, ascending, all with the same number of digits (so the
 * string order of their addresses, which the library uses, is their numeric order).
 */
export async function freePorts(n: number): Promise<number[]> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const servers = await Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<Server>((resolve, reject) => {
            const server = createServer();
            server.once('error', reject);
            server.listen(0, '127.0.0.1', () => resolve(server));
          }),
      ),
    );
    const ports = servers.map((s) => (s.address() as AddressInfo).port);
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    if (new Set(ports.map((p) => String(p).length)).size === 1) return ports.sort((a, b) => a - b);
  }
  throw new Error('no free ports with the same number of digits');
}

/**
 * Polls `probe` every `intervalMs` until it returns a value other than undefined; bounded both
 * in time (`timeoutMs`) and in count (timeoutMs / intervalMs + 1 probes). Throws with `label`
 * and the last probe's detail on timeout.
 */
export async function pollUntil<T>(
  label: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number; detail?: () => string },
): Promise<T> {
  const interval = options.intervalMs ?? 200;
  const deadline = performance.now() + options.timeoutMs;
  const maxProbes = Math.ceil(options.timeoutMs / interval) + 1;
  let lastError: unknown = null;
  for (let i = 0; i < maxProbes && performance.now() <= deadline; i++) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastError = null;
    } catch (error) {
      lastError = error;
    }
    await sleep(interval);
  }
  throw new Error(
    `${label}: not within ${options.timeoutMs} ms${lastError ? ` (last error: ${String(lastError)})` : ''}${options.detail ? `; ${options.detail()}` : ''}`,
  );
}

/** Every member's progress (a member that does not answer in time gives null). */
export function progressOf(members: readonly RealMember[], timeoutMs = 2_000): Promise<(Progress | null)[]> {
  return Promise.all(members.map((m) => m.progress(timeoutMs).catch(() => null)));
}

const viewKey = (p: Progress): string => `${p.view.id}:${[...p.view.members].sort().join(',')}`;

/** All answered, all in one view of `size` that holds exactly their current incarnations. */
export function inOneView(progress: readonly (Progress | null)[], size: number): boolean {
  if (progress.some((p) => p === null)) return false;
  const all = progress as Progress[];
  const key = viewKey(all[0]!);
  return all.every((p) => viewKey(p) === key && p.view.members.length === size) && all.every((p) => all[0]!.view.members.includes(p.me));
}

/**
 * Waits until the members are in one view of `size`, their send loops are done, every promise
 * they issued has settled, and deliveries stopped moving for three polls in a row.
 */
export async function quiesce(members: readonly RealMember[], size: number, timeoutMs: number): Promise<Progress[]> {
  let last = '';
  let still = 0;
  let lastProgress: (Progress | null)[] = [];
  return pollUntil(
    'quiescence',
    async () => {
      lastProgress = await progressOf(members);
      if (!inOneView(lastProgress, size)) {
        still = 0;
        return undefined;
      }
      const all = lastProgress as Progress[];
      const settled = all.every((p) => p.sendLoops === 0 && p.issued === p.resolved + p.rejected);
      const key = JSON.stringify(all.map((p) => [p.delivered, p.handled, p.resolved]));
      still = settled && key === last ? still + 1 : 0;
      last = key;
      return still >= 3 ? all : undefined;
    },
    { timeoutMs, intervalMs: 200, detail: () => JSON.stringify(lastProgress.map(brief)) },
  );
}

/** A one-line summary of a progress report, for failure messages. */
export function brief(p: Progress | null): unknown {
  if (!p) return null;
  return {
    me: p.me,
    view: `${p.view.id}:[${p.view.members.length}]`,
    state: p.status?.state,
    delivered: p.delivered,
    handled: p.handled,
    issued: p.issued,
    resolved: p.resolved,
    rejected: p.rejected,
    loops: p.sendLoops,
    excluded: p.excluded,
    errors: p.errors,
    pending: p.pending,
    maxStallMs: p.maxStallMs,
  };
}

interface Line {
  t: number;
  event: HistoryEvent;
}

/** Merges the members' JSONL histories by wall-clock time (one machine, one clock). */
export function mergeHistories(members: readonly RealMember[]): HistoryEvent[] {
  const lines: (Line & { file: number; index: number })[] = [];
  members.forEach((member, file) => {
    if (!existsSync(member.historyPath)) return;
    readFileSync(member.historyPath, 'utf8')
      .split('\n')
      .forEach((raw, index) => {
        if (!raw.trim()) return;
        try {
          lines.push({ ...(JSON.parse(raw) as Line), file, index });
        } catch {
          // the torn last line of a killed process
        }
      });
  });
  members.forEach((member, i) => {
    if (member.killedAt !== null) {
      const own = lines.filter((l) => l.file === i && 'member' in l.event);
      for (const me of new Set(own.map((l) => (l.event as { member: string }).member))) {
        // The child stamps with its own clock, which may run ahead of ours: its crash comes after
        // the last thing it recorded (a SIGKILLed process writes nothing after the signal).
        // A loop, not Math.max(...): a flood's history has too many lines to pass as arguments.
        let last = member.killedAt;
        for (const l of own) if ((l.event as { member: string }).member === me && l.t > last) last = l.t;
        lines.push({ t: last, event: { kind: 'crash', member: me }, file: members.length, index: i });
      }
    }
  });
  // Histories are appended per process; the same file may hold two processes (a restart).
  lines.sort((a, b) => a.t - b.t || a.file - b.file || a.index - b.index);
  return causallyOrdered(lines);
}

/**
 * The lines in time order, except that a delivery never comes before the send of its message:
 * each process stamps with its own performance.timeOrigin, and two processes' origins can
 * disagree by more than a loopback hop (~50 µs), so a delivery stamped before its send is the
 * clocks', not the protocol's (it made the checker report an integrity violation that was
 * not one). Each file's own order is kept: a delivery waits, with what follows it in its
 * file, until its send is out; a send that no file holds (a torn line) holds nothing back.
 */
function causallyOrdered(lines: readonly (Line & { file: number })[]): HistoryEvent[] {
  const sendIds = new Set<string>();
  for (const line of lines) if (line.event.kind === 'send') sendIds.add(line.event.id);
  const sent = new Set<string>();
  const out: HistoryEvent[] = [];
  // Per file, the lines not yet out (in time order); the files blocked on a send.
  const queues = new Map<number, (Line & { file: number })[]>();
  for (const line of lines) {
    const queue = queues.get(line.file);
    if (queue) queue.push(line);
    else queues.set(line.file, [line]);
  }
  const heads = new Map<number, number>([...queues.keys()].map((file) => [file, 0]));
  const ready = (line: Line): boolean => line.event.kind !== 'deliver' || sent.has(line.event.id) || !sendIds.has(line.event.id);
  for (let emitted = 0; emitted < lines.length; emitted++) {
    let best: (Line & { file: number }) | undefined;
    let fallback: (Line & { file: number }) | undefined;
    for (const [file, queue] of queues) {
      const head = queue[heads.get(file)!];
      if (!head) continue;
      if (!fallback || head.t < fallback.t) fallback = head;
      if (ready(head) && (!best || head.t < best.t)) best = head;
    }
    // Every head waiting for a send no head can emit would be a cycle: take the earliest.
    const next = (best ?? fallback)!;
    heads.set(next.file, heads.get(next.file)! + 1);
    if (next.event.kind === 'send') sent.add(next.event.id);
    out.push(next.event);
  }
  return out;
}

export interface LossReport {
  /** Resolved multicasts of the members judged (not SIGKILLed). */
  resolved: number;
  /** ... of which listed in their sender's excluded report. */
  reported: number;
  /** ... delivered by no member of the final view and not reported: must be 0. */
  lostUnreported: number;
  /** ... reported but delivered by no member of the final view (re-sending would deliver them). */
  reportedNotDelivered: number;
  /** ... delivered by some but not all members of the final view that were members when it was sent (informative). */
  partiallyDelivered: number;
  samples: string[];
}

/**
 * "Nothing resolved is silently lost": every message whose promise resolved at a live sender is
 * delivered by at least one member of `finalView` (by payload, so a re-sent copy counts) or is
 * listed in that sender's excluded report. SIGKILLed members are not judged as senders.
 */
export function lossReport(history: readonly HistoryEvent[], logs: readonly MemberLog[], finalView: readonly string[]): LossReport {
  const survivors = new Set(finalView);
  const deliveredBy = new Map<string, Set<string>>();
  for (const event of history) {
    if (event.kind !== 'deliver' || !survivors.has(event.member)) continue;
    let payload: string;
    try {
      payload = JSON.parse(event.payload) as string;
    } catch {
      continue;
    }
    let set = deliveredBy.get(payload);
    if (!set) deliveredBy.set(payload, (set = new Set()));
    set.add(event.member);
  }
  const report: LossReport = { resolved: 0, reported: 0, lostUnreported: 0, reportedNotDelivered: 0, partiallyDelivered: 0, samples: [] };
  for (const log of logs) {
    const reported = new Set(log.excludedReports.flatMap((r) => r.unconfirmed));
    for (const payload of log.resolved) {
      report.resolved++;
      const by = deliveredBy.get(payload);
      const isReported = reported.has(payload);
      if (isReported) report.reported++;
      if (!by || by.size === 0) {
        if (isReported) report.reportedNotDelivered++;
        else {
          report.lostUnreported++;
          if (report.samples.length < 10) report.samples.push(payload);
        }
      } else if (by.size < survivors.size) {
        report.partiallyDelivered++;
      }
    }
  }
  return report;
}

/** How many rejections of each code the members' multicasts got. */
export function rejectionCodes(logs: readonly MemberLog[]): Record<string, number> {
  const codes: Record<string, number> = {};
  for (const log of logs) for (const r of log.rejected) codes[r.code] = (codes[r.code] ?? 0) + 1;
  return codes;
}

/** Payloads each member incarnation delivered (protocol deliveries, from the history). */
export function deliveredPayloads(history: readonly HistoryEvent[], member: string): Set<string> {
  const set = new Set<string>();
  for (const event of history) {
    if (event.kind === 'deliver' && event.member === member) {
      try {
        set.add(JSON.parse(event.payload) as string);
      } catch {
        /* not one of ours */
      }
    }
  }
  return set;
}

/**
 * The longest time `follower`'s group.view (its 'view' events, in delivery order) was behind
 * `leader`'s, from the two processes' own wall-clock stamps, up to `until`.
 */
export function longestViewLagMs(leader: RealMember, follower: RealMember, until: number): number {
  const views = (m: RealMember): { t: number; id: number }[] =>
    m.log.filter((r) => r.type === 'view').map((r) => ({ t: r.t, id: r.id as number }));
  const events = [
    ...views(leader).map((v) => ({ ...v, who: 'leader' as const })),
    ...views(follower).map((v) => ({ ...v, who: 'follower' as const })),
  ].sort((a, b) => a.t - b.t);
  let leaderId = 0;
  let followerId = 0;
  let since: number | null = null;
  let longest = 0;
  for (const event of events) {
    if (event.t > until) break;
    if (event.who === 'leader') leaderId = Math.max(leaderId, event.id);
    else followerId = Math.max(followerId, event.id);
    const behind = followerId > 0 && followerId < leaderId;
    if (behind && since === null) since = event.t;
    if (!behind && since !== null) {
      longest = Math.max(longest, event.t - since);
      since = null;
    }
  }
  if (since !== null) longest = Math.max(longest, until - since);
  return Math.round(longest);
}

const RESULTS = process.env.COHORT_REALPROCESS_RESULTS ?? join(tmpdir(), 'cohort-realprocess-results.jsonl');

/** Prints the figures a test measured and appends them to the results file. */
export function figures(test: string, values: Record<string, unknown>): void {
  const line = JSON.stringify({ at: new Date().toISOString(), test, ...values });
  console.log(`[realprocess] ${line}`);
  try {
    appendFileSync(RESULTS, `${line}\n`);
  } catch {
    /* figures are informative */
  }
}

/**
 * Soft checks: a test records each claim and goes on (so one run reports every claim that
 * fails, not only the first), then asserts the list of failed claims is empty.
 */
export class Claims {
  readonly failed: string[] = [];
  that(claim: string, holds: boolean, detail: unknown = ''): boolean {
    if (!holds) this.failed.push(`${claim}${detail === '' ? '' : `: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}`);
    return holds;
  }
}
