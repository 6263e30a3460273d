/**
 * Parent side of the benchmark's child processes: fork a TypeScript script with tsx, talk to
 * it over IPC, wait for its messages with a timeout, and make sure it is gone at the end.
 *
 * Every child ever forked is kept in a registry; `killAll()` SIGKILLs whatever is still
 * alive, and runs by itself when the parent exits (normally, on an uncaught error, or on
 * SIGINT/SIGTERM), so no benchmark leaves a process behind.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export type Message = { type: string; [key: string]: unknown };

/** The folder of the benchmark's scripts (children are forked from here). */
export const SRC = join(import.meta.dirname, '..');
/**
 * The repository root: children run there, so tsx finds tsconfig.json (legacy decorators,
 * which Nest's need) and `--import tsx` resolves, wherever the parent was started.
 */
export const ROOT = join(SRC, '..', '..', '..');

/**
 * Node flags every child runs with (issue 12, memory): the heap capped at 512 MB, as a user
 * would set it for a member process, and as Node sets it by itself in a container with 2 GB
 * of memory (a quarter of it). Left to size itself from this machine's 24 GB, V8 allows 4 GB
 * and lets the old generation grow to about 4 times its live size before a full collection:
 * messages held until stable survive two scavenges, are promoted, die there, and pile up to
 * 55–70 MB (live: 15–30 MB), which put the sender at 175–195 MB RSS; capped, it peaks at
 * 20–33 MB and every member at 126–152 MB. docs/decisions.md, "The benchmark's members run
 * with --max-old-space-size=512". BENCH_NODE_FLAGS comes after, so it can override it.
 */
export const CHILD_NODE_FLAGS: readonly string[] = ['--max-old-space-size=512'];

/**
 * The flags the children get: CHILD_NODE_FLAGS, then BENCH_NODE_FLAGS="--trace-gc ..." (split
 * on spaces; a later flag wins), to look at the garbage collector or try a heap setting.
 */
export function childNodeFlags(): string[] {
  return [...CHILD_NODE_FLAGS, ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '')];
}

const registry = new Set<Child>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => killAll());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** SIGKILLs every child still alive. */
export function killAll(): void {
  for (const child of registry) child.kill();
}

/** Children forked so far (alive or not): pid, and how each ended. */
export function childReport(): { name: string; pid: number | undefined; exited: boolean; code: number | null; signal: string | null }[] {
  return [...registry].map((c) => ({
    name: c.name,
    pid: c.process.pid,
    exited: c.exited,
    code: c.process.exitCode,
    signal: c.process.signalCode,
  }));
}

export class Child {
  readonly process: ChildProcess;
  private readonly inbox: Message[] = [];
  private readonly waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void; reject: (e: Error) => void }[] = [];
  private readonly listeners = new Map<string, Set<(m: Message) => void>>();
  private readonly exitPromise: Promise<void>;
  exited = false;
  private failure: Error | null = null;

  constructor(
    readonly name: string,
    script: string,
    args: readonly string[] = [],
    options: { quiet?: boolean } = {},
  ) {
    hookExit();
    // BENCH_CPU_PROF=<dir>: every child writes a V8 CPU profile there when it exits.
    const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    this.process = fork(join(SRC, script), [...args], {
      execArgv: ['--import', 'tsx', ...profile, ...childNodeFlags()],
      cwd: ROOT,
      // stdout is dropped (Nest logs) unless BENCH_CHILD_STDOUT=1 (--trace-gc writes there); stderr is kept for errors.
      stdio: ['ignore', options.quiet === false || process.env.BENCH_CHILD_STDOUT ? 'inherit' : 'ignore', 'inherit', 'ipc'],
    });
    registry.add(this);
    this.process.on('message', (message: Message) => {
      if (message?.type === 'error') {
        this.fail(new Error(`${this.name}: ${String(message.message)}`));
        return;
      }
      const listeners = this.listeners.get(message?.type);
      if (listeners && listeners.size > 0) {
        for (const listener of listeners) listener(message);
        return;
      }
      const index = this.waiters.findIndex((w) => w.match(message));
      if (index >= 0) this.waiters.splice(index, 1)[0]!.resolve(message);
      else this.inbox.push(message);
    });
    this.exitPromise = new Promise((resolve) => {
      this.process.once('exit', (code, signal) => {
        this.exited = true;
        if (code !== 0 && signal !== 'SIGKILL' && signal !== 'SIGTERM') {
          this.fail(new Error(`${this.name} (pid ${this.process.pid}) exited with ${signal ?? `code ${code}`}`));
        } else {
          this.fail(new Error(`${this.name} (pid ${this.process.pid}) exited`));
        }
        resolve();
      });
    });
    this.process.on('error', (error) => this.fail(new Error(`${this.name}: ${error.message}`)));
  }

  private fail(error: Error): void {
    if (!this.failure) this.failure = error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure);
  }

  /** The next message of `type` (matching `where`), or a rejection after `timeoutMs` or if the child dies. */
  next(type: string, timeoutMs: number, where: (m: Message) => boolean = () => true): Promise<Message> {
    const match = (m: Message): boolean => m.type === type && where(m);
    const queued = this.inbox.findIndex(match);
    if (queued >= 0) return Promise.resolve(this.inbox.splice(queued, 1)[0]!);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new Error(`timeout: ${this.name} sent no '${type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        match,
        resolve: (m: Message) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Calls `listener` for every message of `type` (instead of queueing it for next()) until unsubscribed. */
  on(type: string, listener: (m: Message) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  send(message: object): void {
    if (this.process.connected) this.process.send(message);
  }

  kill(): void {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
  }

  /** Asks the child to exit (`{ cmd: 'exit' }`), and SIGKILLs it if it has not within `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.exited) return;
    // Writing a CPU profile takes a while.
    if (process.env.BENCH_CPU_PROF) graceMs = Math.max(graceMs, 15_000);
    this.send({ cmd: 'exit' });
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exitPromise;
    clearTimeout(timer);
  }

  whenExited(): Promise<void> {
    return this.exitPromise;
  }
}

/** Stops every child given (gracefully, then by SIGKILL), whatever happens. */
export async function stopAll(children: readonly Child[], graceMs = 2000): Promise<void> {
  await Promise.all(children.map((c) => c.stop(graceMs).catch(() => c.kill())));
}

/** Rejects after `ms` with `message` unless `promise` settles first. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout: ${message} (after ${ms} ms)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
