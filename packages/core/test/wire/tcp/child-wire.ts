import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { Address } from '../../../src/wire/wire.js';

const SCRIPT = join(import.meta.dirname, 'child-wire-process.ts');

/** How long a forked wire may take to start (tsx compiles on the fly; a busy CI is slow). */
export const CHILD_START_TIMEOUT_MS = 20_000;

/** A TCP wire in a child process (child-wire-process.ts) that echoes every frame to its sender. */
export interface ChildWire {
  readonly address: Address;
  readonly pid: number;
  /** SIGKILLs the child by its PID and resolves once it has exited; idempotent. */
  kill(): Promise<void>;
}

/** Forks child-wire-process.ts with tsx and resolves once its wire listens. */
export function startChildWire(): Promise<ChildWire> {
  const child = fork(SCRIPT, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const kill = async (): Promise<void> => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await exited;
  };
  return new Promise<ChildWire>((resolve, reject) => {
    const timer = setTimeout(() => {
      void kill();
      reject(new Error(`child wire did not start within ${CHILD_START_TIMEOUT_MS} ms`));
    }, CHILD_START_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      void kill();
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`child wire exited before it was ready (code ${code}, signal ${signal})`));
    });
    child.on('message', (message: { type?: string; address?: string }) => {
      if (message.type !== 'ready' || typeof message.address !== 'string') return;
      clearTimeout(timer);
      child.removeAllListeners('message');
      resolve({ address: message.address, pid: child.pid!, kill });
    });
  });
}

/** Kills every child wire given, by PID; for afterAll and finally blocks. */
export async function killAll(children: Iterable<ChildWire | undefined>): Promise<void> {
  await Promise.all([...children].map((child) => child?.kill()));
}
