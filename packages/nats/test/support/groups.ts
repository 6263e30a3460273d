/**
 * Groups over natsWire for the tests of this folder: members in this process (each with its own
 * NATS connection, to the server the test picks), a history recorder that stamps each event with
 * the wall-clock time (so a child process's history merges in), bounded waits.
 */
import { Group, type GroupOptions, type Order, type Timing } from '@cohort/core';
import { checkHistory, historyObserver, type HistoryEvent } from '@cohort/core/testing';
import { readFileSync, existsSync } from 'node:fs';
import { natsWire, type NatsWire, type NatsWireOptions } from '../../src/index.js';

export const now = (): number => performance.timeOrigin + performance.now();
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls every 10 ms until `predicate` holds; false after `timeoutMs`. */
export async function eventually(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (predicate()) return true;
    await sleep(10);
  }
  return predicate();
}

export interface StampedEvent {
  t: number;
  event: HistoryEvent;
}

/** Records history events with their wall-clock time. */
export class StampedRecorder {
  readonly lines: StampedEvent[] = [];
  record(event: HistoryEvent): void {
    this.lines.push({ t: now(), event });
  }
}

/** Reads a child's JSONL history ({ t, event } per line). */
export function readStamped(path: string): StampedEvent[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as StampedEvent);
}

/**
 * The crash of a SIGKILLed child, as a stamped event: at the kill, or after the last line the
 * child wrote if its clock (its own performance.timeOrigin) runs ahead of ours — a killed
 * process records nothing after the signal, so nothing of its own may follow its crash.
 */
export function crashOf(member: string, killedAt: number, own: readonly StampedEvent[]): StampedEvent[] {
  let last = killedAt;
  for (const line of own) if (line.t > last) last = line.t;
  return [{ t: last, event: { kind: 'crash', member } }];
}

/** One history from several, in time order (ties: the order given). */
export function merge(...sources: StampedEvent[][]): HistoryEvent[] {
  const all = sources.flatMap((lines, s) => lines.map((line, i) => ({ ...line, s, i })));
  all.sort((a, b) => a.t - b.t || a.s - b.s || a.i - b.i);
  return all.map((line) => line.event);
}

export interface Member {
  wire: NatsWire;
  group: Group;
  /** Payloads delivered on topic 'm', in delivery order. */
  delivered: string[];
}

export interface MembersOptions {
  /** Servers for member i (its first is where it connects; the rest are for failover). */
  servers: (i: number) => string[];
  subjectPrefix: string;
  group: string;
  timing?: Partial<Timing>;
  recorder: StampedRecorder;
  wire?: Partial<NatsWireOptions>;
  group_options?: Partial<GroupOptions>;
}

export async function startWire(i: number, options: MembersOptions): Promise<NatsWire> {
  return natsWire({
    servers: options.servers(i),
    noRandomize: true,
    subjectPrefix: options.subjectPrefix,
    group: options.group,
    ...options.wire,
  });
}

export async function joinMember(wire: NatsWire, seeds: string[], options: MembersOptions): Promise<Member> {
  const group = await Group.join(options.group, {
    wire,
    seeds,
    observer: historyObserver(options.recorder as never),
    ...(options.timing ? { timing: options.timing } : {}),
    ...options.group_options,
  });
  const member: Member = { wire, group, delivered: [] };
  group.handle('m', (payload) => {
    member.delivered.push(payload as string);
  });
  return member;
}

/**
 * `count` members: the first forms the group, the others join it concurrently (the coordinator
 * admits them in as few view changes as it can). Resolves once all are in one view of `count`.
 */
export async function startMembers(count: number, options: MembersOptions, joinTimeoutMs = 20_000): Promise<Member[]> {
  const wires = await Promise.all(Array.from({ length: count }, (_, i) => startWire(i, options)));
  const members: Member[] = [];
  try {
    members.push(await joinMember(wires[0]!, [], options));
    const rest = await Promise.allSettled(wires.slice(1).map((wire) => joinMember(wire, [wires[0]!.address], options)));
    for (const r of rest) if (r.status === 'fulfilled') members.push(r.value);
    const failed = rest.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const ok = await eventually(
      () => members.every((m) => m.group.view.members.length === count && m.group.view.id === members[0]!.group.view.id),
      joinTimeoutMs,
    );
    if (!ok)
      throw new Error(`no common view of ${count}: ${members.map((m) => `${m.group.view.id}/${m.group.view.members.length}`).join(' ')}`);
  } catch (error) {
    await stopMembers(members, wires);
    throw error;
  }
  return members;
}

/**
 * Leaves one after the other, the coordinator last, and closes every wire. Each leave is bounded
 * (3 s). The last member's leave is given 300 ms only: a member alone in its view completes its
 * leave after timing.leaveTimeoutMs (10 s; the same on the TCP wire), and a test need not wait
 * for that (its timers do not keep the process alive).
 */
export async function stopMembers(members: readonly Member[], wires: readonly NatsWire[] = members.map((m) => m.wire)): Promise<void> {
  const order = [...members].reverse();
  for (const [k, m] of order.entries()) {
    let timer: NodeJS.Timeout | undefined;
    const bound = k === order.length - 1 ? 300 : 3000;
    await Promise.race([
      m.group.leave().catch(() => undefined),
      new Promise((resolve) => {
        timer = setTimeout(resolve, bound);
      }),
    ]);
    clearTimeout(timer);
  }
  await Promise.all(wires.map((w) => w.close().catch(() => undefined)));
}

export const ORDERS: readonly Order[] = ['fifo', 'causal', 'total', 'group'];

/**
 * Member `index` multicasts `count` messages on topic 'm', cycling through every order, `burst`
 * at a time with a pause between bursts; resolves with the payloads whose multicast resolved.
 */
export async function sendMix(
  member: Member,
  index: number,
  count: number,
  burst = 10,
  pauseMs = 5,
  orders: readonly Order[] = ORDERS,
): Promise<string[]> {
  const resolved: string[] = [];
  for (let i = 0; i < count; i += burst) {
    const batch: Promise<void>[] = [];
    for (let k = i; k < Math.min(count, i + burst); k++) {
      const payload = `m${index}-${k}`;
      const order = orders[k % orders.length]!;
      batch.push(
        member.group.multicast('m', payload, { order }).then(() => {
          resolved.push(payload);
        }),
      );
    }
    await Promise.all(batch);
    if (pauseMs > 0) await sleep(pauseMs);
  }
  return resolved;
}

/** The checker's verdict, as lines a failing expect prints in full. */
export function violations(history: readonly HistoryEvent[]): string[] {
  return checkHistory(history, { quiescent: true }).map((v) => `${v.property}: ${v.message}`);
}
