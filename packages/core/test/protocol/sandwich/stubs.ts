import type { Clock, TimerHandle } from '../../../src/env/clock.js';
import { seededRandom } from '../../../src/env/random.js';
import { Incarnation, type LayerContext } from '../../../src/protocol/incarnation.js';
import { emptyMemberStats, type MemberEvents, type MemberOptions } from '../../../src/protocol/member-api.js';
import { MAJORITY } from '../../../src/protocol/membership/quorum-policy.js';
import { DEFAULT_TIMING } from '../../../src/protocol/timing.js';
import type { DataMessage, MemberId, View } from '../../../src/protocol/types.js';

/**
 * Shared by the sandwich tests: a clock the test turns by hand (deferred work runs on
 * `turn()`, timers on `advance()`), and a layer's context whose events are recorded.
 */
export class ManualClock implements Clock {
  private nowMs = 0;
  private deferred: (() => void)[] = [];
  private timers: { atMs: number; fn: () => void; cancelled: boolean }[] = [];

  now(): number {
    return this.nowMs;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timer = { atMs: this.nowMs + delayMs, fn, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  defer(fn: () => void): void {
    this.deferred.push(fn);
  }

  /** Ends the current turn: runs what was deferred (and what that defers), in order. */
  turn(): void {
    while (this.deferred.length > 0) this.deferred.shift()!();
  }

  /** Moves time on, running each timer due (in due order) and the turns between. */
  advance(ms: number): void {
    const until = this.nowMs + ms;
    this.turn();
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.atMs <= until).sort((a, b) => a.atMs - b.atMs)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.nowMs = due.atMs;
      due.fn();
      this.turn();
    }
    this.nowMs = until;
  }
}

/** What a layer reported up to the application (MemberEvents), in order. */
export interface EventLog {
  readonly delivered: string[];
  readonly held: string[];
  readonly sent: string[];
  readonly installed: View[];
  readonly rejected: string[];
  readonly other: string[];
}

export const label = (m: DataMessage): string => `${m.sender}#${m.seq}`;

export function layerContext(
  me: MemberId,
  clock: ManualClock,
  overrides: Partial<MemberOptions> = {},
): { ctx: LayerContext; log: EventLog } {
  const log: EventLog = { delivered: [], held: [], sent: [], installed: [], rejected: [], other: [] };
  const events: MemberEvents = {
    sent: (m) => void log.sent.push(label(m)),
    deliver: (m) => void log.delivered.push(label(m)),
    held: (m, reason) => void log.held.push(`${label(m)}:${reason}`),
    install: (view) => void log.installed.push(view),
    captureState: () => Promise.resolve(null),
    excluded: () => void log.other.push('excluded'),
    blocked: (reason) => void log.other.push(reason ? 'blocked' : 'unblocked'),
    rejected: (_from, kind, reason) => void log.rejected.push(`${kind}: ${reason}`),
    left: () => void log.other.push('left'),
    joinFailed: () => void log.other.push('joinFailed'),
  };
  const options = {
    group: 'g',
    me,
    clock,
    random: seededRandom(1),
    timing: DEFAULT_TIMING,
    seeds: [],
    mayFormGroup: true,
    windowMessagesMax: 8,
    quorum: MAJORITY,
    events,
    wire: { address: me.slice(0, me.lastIndexOf('/')), send: () => undefined, onFrame: () => undefined },
    ...overrides,
  } as unknown as MemberOptions;
  const life = new Incarnation(clock);
  life.phase = 'member';
  return { ctx: { me, options, stats: emptyMemberStats(), events, life }, log };
}
