/**
 * What the parent (a jest test) and a member process (member.ts) say to each other over IPC.
 * Types only: both sides import them, nothing runs here.
 */

export type QuorumPolicyName = 'majority' | 'tie-breaker' | 'two-node';

/** How the member handles topic 'm' (topic 'q', the calls, is always answered at once). */
export type HandlerKind =
  | { kind: 'none' }
  /** An async handler that waits `ms` on a timer (in-order: it holds back the next delivery). */
  | { kind: 'async'; ms: number }
  /** A synchronous handler that spins the CPU for `ms` (a busy handler). */
  | { kind: 'busy'; ms: number };

export interface MemberConfig {
  group: string;
  /** Names the files (<dir>/<name>.history.jsonl, <dir>/<name>.log.json) and tags payloads. */
  name: string;
  dir: string;
  /** 0: any free port. */
  port: number;
  seeds: string[];
  handler: HandlerKind;
  /** Passed to Group.join as they are. */
  options: {
    timing?: Record<string, number>;
    deliveryQueueMax?: number;
    windowMessagesMax?: number;
    quorum?: { policy: QuorumPolicyName };
    resendUnconfirmed?: boolean;
    rejoin?: boolean;
  };
  /** On the first SLOW_CONSUMER 'error': call multicast() and flush() from inside the handler. */
  callsOnSlowConsumer?: boolean;
}

export type SendOrder = 'fifo' | 'causal' | 'total' | 'mixed';

export type Command =
  /**
   * Issues `count` multicasts on topic 'm' without awaiting them: `burst` per turn of the
   * event loop (0: all in one turn), `pauseMs` between bursts (0: setImmediate).
   */
  | { cmd: 'send'; id: string; count: number; order: SendOrder; burst: number; pauseMs: number }
  /** A synchronous multicast on topic 'q'. */
  | { cmd: 'call'; id: string; replies: 'all' | 'majority'; timeoutMs: number }
  | { cmd: 'progress'; id: string }
  /** Writes <dir>/<name>.log.json (see MemberLog). */
  | { cmd: 'dump'; id: string }
  | { cmd: 'leave'; id: string };

/** What `status` the library reports (the API being added): loosely typed on purpose. */
export interface StatusLike {
  state?: string;
  view?: { id: number; members: readonly string[] } | null;
  blocked?: { code: string; message: string } | null;
}

export interface Progress {
  type: 'progress';
  id: string;
  t: number;
  me: string;
  view: { id: number; members: string[] };
  /** group.status, or null while the library has none. */
  status: StatusLike | null;
  /** Protocol deliveries of topics 'm' and 'q' (the history observer's), and handler runs. */
  delivered: number;
  handled: number;
  issued: number;
  resolved: number;
  rejected: number;
  sendLoops: number;
  excluded: number;
  rejoined: number;
  errors: string[];
  pending: number;
  held: number;
  /** Longest gap of the event loop seen so far (ms), SIGSTOP included. */
  maxStallMs: number;
}

/** Written by 'dump': everything the parent needs to judge "nothing resolved is silently lost". */
export interface MemberLog {
  name: string;
  /** Every incarnation this process was (group.me over time). */
  incarnations: string[];
  /** Payloads (as sent, a string) whose multicast promise resolved. */
  resolved: string[];
  rejected: { payload: string; code: string }[];
  /** One per 'excluded' event: the messages it could not confirm (payload strings). */
  excludedReports: { t: number; lastViewId: number | null; unconfirmed: string[]; hadReport: boolean }[];
  errors: { t: number; code: string; message: string }[];
  stalls: { t: number; ms: number }[];
  maxStallMs: number;
  firstResolveT: number | null;
  lastResolveT: number | null;
  /** The first few rejections, with their stacks (for failure messages). */
  rejectionSamples: string[];
}

export type Reply = { type: string; t: number; [key: string]: unknown };
