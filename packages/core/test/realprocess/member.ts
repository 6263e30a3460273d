/**
 * One group member in a process of its own, over the TCP wire on 127.0.0.1, driven by its
 * parent over IPC (the real-process tests of this folder). argv[2]: a MemberConfig as JSON.
 *
 * It writes every history event (historyObserver) as a JSONL line with the wall-clock time to
 * <dir>/<name>.history.jsonl, keeps the outcome of every multicast it issued (resolved or
 * rejected, by payload) and every 'excluded' report, and writes them on 'dump' to
 * <dir>/<name>.log.json, so the parent can check that nothing whose promise resolved was lost
 * in silence. Live events (views, exclusions, errors, blocked/unblocked) go to the parent as
 * they happen, stamped with the wall-clock time (one machine, one clock).
 */
import { openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  Group,
  tcpWire,
  type BlockedReason,
  type ExclusionReport,
  type GroupObserver,
  type GroupOptions,
  type GroupView,
  type Replies,
} from '../../src/index.js';
import type { DataMessage } from '../../src/protocol/types.js';
import { historyObserver } from '../../src/testing/history-observer.js';
import type { HistoryEvent } from '../../src/testing/history.js';
import type { Command, MemberConfig, MemberLog, Progress, SendOrder, StatusLike } from './types.js';

const config = JSON.parse(process.argv[2] ?? '') as MemberConfig;
if (!config.group || !process.send) throw new Error('usage: member.ts <config json> (forked with IPC)');

const now = (): number => performance.timeOrigin + performance.now();
const tell = (message: object): void => {
  if (process.connected) process.send!({ t: now(), ...message });
};
// The parent going away (test ended or crashed) ends this process too.
process.on('disconnect', () => process.exit(0));

// ---- event-loop stalls: the longest gap between two 10 ms ticks -------------------------------
const TICK_MS = 10;
let lastTick = performance.now();
let maxStallMs = 0;
const stalls: { t: number; ms: number }[] = [];
setInterval(() => {
  const at = performance.now();
  const gap = at - lastTick - TICK_MS;
  lastTick = at;
  if (gap > maxStallMs) maxStallMs = gap;
  if (gap >= 200 && stalls.length < 200) stalls.push({ t: now(), ms: Math.round(gap) });
}, TICK_MS);

// ---- history ----------------------------------------------------------------------------------
// Written synchronously: a line reaches the OS before the frame it records leaves the process,
// so a SIGKILL loses no 'send' another process then delivers.
const out = openSync(join(config.dir, `${config.name}.history.jsonl`), 'a');
const recorder = {
  record(event: HistoryEvent): void {
    writeSync(out, `${JSON.stringify({ t: now(), event })}\n`);
  },
};
let delivered = 0;
const base = historyObserver(recorder as never);
const observer: GroupObserver = {
  ...base,
  delivered: (member: string, message: DataMessage) => {
    if (message.topic === 'm' || message.topic === 'q') delivered++;
    base.delivered!(member, message);
  },
};

// ---- join -------------------------------------------------------------------------------------
const wire = await tcpWire({ host: '127.0.0.1', port: config.port });
const options: GroupOptions = { wire, seeds: config.seeds, observer, ...config.options };
const joinStarted = now();
let group: Group;
try {
  group = await Group.join(config.group, options);
} catch (error) {
  tell({
    type: 'join-failed',
    code: codeOf(error),
    message: String((error as Error)?.message ?? error),
    ms: now() - joinStarted,
    address: wire.address,
  });
  await wire.close().catch(() => undefined);
  // Stay up until the parent ends us: it reads the files and decides.
  await new Promise(() => undefined);
  throw new Error('unreachable', { cause: error });
}

const incarnations = new Set<string>([group.me]);
const resolved: string[] = [];
const rejected: { payload: string; code: string }[] = [];
const excludedReports: MemberLog['excludedReports'] = [];
const errors: MemberLog['errors'] = [];
const rejectionSamples: string[] = [];
let issued = 0;
let handled = 0;
let sendLoops = 0;
let excludedCount = 0;
let rejoinedCount = 0;
let firstResolveT: number | null = null;
let lastResolveT: number | null = null;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const spin = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* a busy handler */
  }
};

const handler = config.handler;
group.handle('m', () => {
  if (handler.kind === 'async')
    return sleep(handler.ms).then(() => {
      handled++;
    });
  if (handler.kind === 'busy') spin(handler.ms);
  handled++;
  return undefined;
});
group.handle('q', () => {
  handled++;
  return group.me;
});

// ---- events -----------------------------------------------------------------------------------
const viewOf = (view: GroupView | null | undefined): { id: number; members: string[] } | null =>
  view ? { id: view.id, members: [...view.members] } : null;

group.on('view', (view) => tell({ type: 'view', me: group.me, ...viewOf(view)! }));
// The report is read defensively (its payloads normalised to the strings sent).
group.on('excluded', (lastView: GroupView | null, report?: ExclusionReport) => {
  excludedCount++;
  const unconfirmed = unconfirmedPayloads(report);
  excludedReports.push({ t: now(), lastViewId: lastView?.id ?? null, unconfirmed, hadReport: report !== undefined });
  tell({
    type: 'excluded',
    me: group.me,
    lastViewId: lastView?.id ?? null,
    unconfirmed: unconfirmed.length,
    hadReport: report !== undefined,
    reason: report?.reason ?? null,
    resent: report?.resent ?? null,
    lost: report?.unconfirmed.filter((u) => u.lost).length ?? null,
  });
});
group.on('rejoined', (view) => {
  rejoinedCount++;
  incarnations.add(group.me);
  tell({ type: 'rejoined', me: group.me, ...viewOf(view)! });
});
let calledOnSlowConsumer = false;
group.on('error', (error) => {
  const code = codeOf(error);
  errors.push({ t: now(), code, message: String((error as Error)?.message ?? error) });
  tell({ type: 'error', code, message: String((error as Error)?.message ?? error) });
  if (code === 'SLOW_CONSUMER' && config.callsOnSlowConsumer && !calledOnSlowConsumer) {
    calledOnSlowConsumer = true;
    callFromErrorHandler();
  }
});
group.on('blocked', (reason: BlockedReason) => {
  tell({
    type: 'blocked',
    me: group.me,
    code: reason?.code ?? null,
    message: reason?.message ?? null,
    reachable: reason?.reachable ?? null,
  });
});
group.on('unblocked', (view: GroupView) => tell({ type: 'unblocked', me: group.me, view: viewOf(view) }));

tell({ type: 'joined', me: group.me, address: wire.address, ms: now() - joinStarted });
// The view it joined in may have been announced before the listener was there.
tell({ type: 'view', me: group.me, ...viewOf(group.view)! });

// ---- multicasts -------------------------------------------------------------------------------
const ORDERS = ['fifo', 'causal', 'total'] as const;

function issue(payload: string, order: Exclude<SendOrder, 'mixed'>): Promise<void> {
  issued++;
  let promise: Promise<void>;
  try {
    promise = group.multicast('m', payload, { order });
  } catch (error) {
    promise = Promise.reject(error);
  }
  return promise.then(
    () => {
      resolved.push(payload);
      const t = now();
      firstResolveT ??= t;
      lastResolveT = t;
    },
    (error: unknown) => {
      rejected.push({ payload, code: codeOf(error) });
      if (rejectionSamples.length < 3) rejectionSamples.push(String((error as Error)?.stack ?? error).slice(0, 600));
      throw error;
    },
  );
}

async function sendLoop(command: Extract<Command, { cmd: 'send' }>): Promise<void> {
  sendLoops++;
  // How long this loop itself held the event loop (the application's share of a stall).
  let burstStarted = performance.now();
  let longestBurstMs = 0;
  try {
    for (let i = 0; i < command.count; i++) {
      const order = command.order === 'mixed' ? ORDERS[i % ORDERS.length]! : command.order;
      issue(`${config.name}:${command.id}:${i}`, order).catch(() => undefined);
      if (command.burst > 0 && (i + 1) % command.burst === 0 && i + 1 < command.count) {
        longestBurstMs = Math.max(longestBurstMs, performance.now() - burstStarted);
        await (command.pauseMs > 0 ? sleep(command.pauseMs) : new Promise((resolve) => setImmediate(resolve)));
        burstStarted = performance.now();
      }
    }
  } finally {
    longestBurstMs = Math.max(longestBurstMs, performance.now() - burstStarted);
    sendLoops--;
    tell({ type: 'sent', id: command.id, issued, longestBurstMs: Math.round(longestBurstMs) });
  }
}

/** From inside the 'error' handler (SLOW_CONSUMER): a multicast and a flush, each timed. */
function callFromErrorHandler(): void {
  const started = now();
  const report = (op: string) =>
    [
      () => tell({ type: 'after-error', op, outcome: 'resolved', ms: now() - started }),
      (error: unknown) =>
        tell({
          type: 'after-error',
          op,
          outcome: 'rejected',
          ms: now() - started,
          code: codeOf(error),
          message: String((error as Error)?.message ?? error),
          name: (error as Error)?.name ?? null,
          isCohortError: typeof (error as { code?: unknown })?.code === 'string',
        }),
    ] as const;
  const [mOk, mFail] = report('multicast');
  issue(`${config.name}:after-error:0`, 'fifo').then(mOk, mFail);
  const [fOk, fFail] = report('flush');
  let flushed: Promise<void>;
  try {
    flushed = group.flush();
  } catch (error) {
    flushed = Promise.reject(error);
  }
  flushed.then(fOk, fFail);
}

function call(command: Extract<Command, { cmd: 'call' }>): void {
  const started = now();
  let promise: Promise<Replies>;
  try {
    promise = group.multicast('q', command.id, { order: 'fifo', replies: command.replies, timeoutMs: command.timeoutMs });
  } catch (error) {
    promise = Promise.reject(error);
  }
  promise.then(
    (replies) =>
      tell({
        type: 'call',
        id: command.id,
        outcome: 'resolved',
        ms: now() - started,
        quorumMet: replies.quorumMet,
        replies: replies.replies.length,
        expected: replies.expected.length,
        viewId: replies.viewId,
      }),
    (error: unknown) => tell({ type: 'call', id: command.id, outcome: 'rejected', ms: now() - started, code: codeOf(error) }),
  );
}

function status(): StatusLike | null {
  try {
    return group.status ?? null;
  } catch {
    return null;
  }
}

function progress(id: string): Progress {
  const view = viewOf(group.view) ?? { id: 0, members: [] };
  let pending = -1;
  let held = -1;
  try {
    pending = group.pendingMessages;
    held = group.heldMessages;
  } catch {
    /* a stopped member */
  }
  const s = status();
  return {
    type: 'progress',
    id,
    t: now(),
    me: group.me,
    view,
    status: s ? (JSON.parse(JSON.stringify(s)) as StatusLike) : null,
    delivered,
    handled,
    issued,
    resolved: resolved.length,
    rejected: rejected.length,
    sendLoops,
    excluded: excludedCount,
    rejoined: rejoinedCount,
    errors: errors.map((e) => e.code),
    pending,
    held,
    maxStallMs: Math.round(maxStallMs),
  };
}

process.on('message', (command: Command) => {
  switch (command.cmd) {
    case 'send':
      void sendLoop(command);
      return;
    case 'call':
      call(command);
      return;
    case 'progress':
      tell(progress(command.id));
      return;
    case 'dump': {
      incarnations.add(group.me);
      const log: MemberLog = {
        name: config.name,
        incarnations: [...incarnations],
        resolved,
        rejected,
        excludedReports,
        errors,
        stalls,
        maxStallMs: Math.round(maxStallMs),
        firstResolveT,
        lastResolveT,
        rejectionSamples,
      };
      writeFileSync(join(config.dir, `${config.name}.log.json`), JSON.stringify(log));
      tell({ type: 'dumped', id: command.id });
      return;
    }
    case 'leave':
      void group.leave().finally(() => {
        tell({ type: 'left', id: command.id });
        process.exit(0);
      });
      return;
  }
});

// ---- helpers ----------------------------------------------------------------------------------
function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : ((error as Error)?.name ?? 'UNKNOWN');
}

const decoder = new TextDecoder();

/** The payloads (as sent) of report.unconfirmed, whatever form the library gives them in. */
function unconfirmedPayloads(report: unknown): string[] {
  const list = (report as { unconfirmed?: unknown } | null | undefined)?.unconfirmed;
  if (!Array.isArray(list)) return [];
  return list.map((entry: unknown) => {
    const payload = (entry as { payload?: unknown } | null)?.payload ?? entry;
    if (typeof payload === 'string') return payload;
    if (payload instanceof Uint8Array) {
      const text = decoder.decode(payload);
      try {
        const value: unknown = JSON.parse(text);
        return typeof value === 'string' ? value : text;
      } catch {
        return text;
      }
    }
    return JSON.stringify(payload);
  });
}
