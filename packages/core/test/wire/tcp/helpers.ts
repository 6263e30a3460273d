import { afterEach } from '@jest/globals';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock, TimerHandle } from '../../../src/env/clock.js';
import { tcpWire, type TcpWire, type TcpWireOptions } from '../../../src/wire/tcp/index.js';

export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
export const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/**
 * Polls `predicate` until it holds; false if it still does not after `polls` rounds of at
 * least 5 ms (by default about 4 s, inside Jest's 5 s per test, and generous: loopback needs
 * a few ms). Not a timing assertion: only a bound, so a failing test ends.
 */
export async function eventually(predicate: () => boolean, polls = 800): Promise<boolean> {
  for (let i = 0; i < polls; i++) {
    if (predicate()) return true;
    await sleep(5);
  }
  return predicate();
}

/** A loopback port that was free a moment ago and that nothing listens on now. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Wires made through the returned function are closed after each test. */
export function loopbackWires(): (options?: Partial<TcpWireOptions>) => Promise<TcpWire> {
  const open: TcpWire[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((wire) => wire.close()));
  });
  return async (options = {}) => {
    const wire = await tcpWire({ host: '127.0.0.1', port: 0, ...options });
    open.push(wire);
    return wire;
  };
}

export interface PendingTimer {
  delayMs: number;
  fire(): void;
  cancelled: boolean;
}

/**
 * Real `now` and `defer`, but timers fire only when the test says so: backoff and handshake
 * timeouts become steps of the test instead of races against the wall clock.
 */
export class ManualTimers implements Clock {
  readonly timers: PendingTimer[] = [];

  now(): number {
    return performance.now();
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timer: PendingTimer = {
      delayMs,
      cancelled: false,
      fire: () => {
        if (timer.cancelled) return;
        timer.cancelled = true;
        fn();
      },
    };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  defer(fn: () => void): void {
    setImmediate(fn);
  }

  /** Timers not yet fired or cancelled whose delay is below `belowMs` (to skip handshake timeouts). */
  pending(belowMs = Number.POSITIVE_INFINITY): PendingTimer[] {
    return this.timers.filter((t) => !t.cancelled && t.delayMs < belowMs);
  }
}
