/**
 * Shared vocabulary of the history checker: what a violation is, the stable property
 * names, the options, and the shape of one property checker.
 */
import type { HistoryEvent, MemberId } from '../history.js';
import type { HistoryContext, MemberState } from './context.js';

/** One broken guarantee, worded for a human: it names the members, message ids and view ids. */
export interface Violation {
  property: string;
  message: string;
  /**
   * With `locate`: the index in the history of the event at which it was found (absent when
   * found only at the end of the pass, as a missing delivery is).
   */
  at?: number;
}

/** The stable names of the checked properties (README.md defines each). */
export type PropertyName =
  | 'view-agreement'
  | 'view-sequence'
  | 'primary-partition'
  | 'fifo'
  | 'view-synchrony'
  | 'self-delivery'
  | 'no-duplicate'
  | 'integrity'
  | 'after-exit'
  | 'survivor-delivery'
  | 'causal'
  | 'total-agreement'
  | 'group-position'
  | 'safe'
  | 'orphans'
  | 'eventual-delivery'
  | 'replies'
  | 'no-silent-loss'
  | 'handled'
  | 'at-most-once';

export interface CheckHistoryOptions {
  /**
   * The run was allowed to settle before it ended (no message in flight, no view change
   * pending). Turns on 'survivor-delivery' and 'eventual-delivery', lets 'safe',
   * 'orphans', 'group-position' and 'no-silent-loss' treat the members alive at the end as
   * survivors of their last view, makes 'no-silent-loss' judge the senders alive at the
   * end too, and makes 'handled' ask a member alive at the end to have handled all it
   * delivered. Default false.
   */
  quiescent?: boolean;
  /** Only these properties are checked (default: all). */
  properties?: readonly PropertyName[];
  /** At most this many violations are listed per property; the rest are counted in one summary line. Default 1000. */
  maxViolationsPerProperty?: number;
  /** Each violation found during the pass carries `at`, where it was found (a trace draws it there). Default false. */
  locate?: boolean;
}

export type SendEvent = Extract<HistoryEvent, { kind: 'send' }>;
export type DeliverEvent = Extract<HistoryEvent, { kind: 'deliver' }>;
export type ViewEvent = Extract<HistoryEvent, { kind: 'view' }>;
export type ExitEvent = Extract<HistoryEvent, { kind: 'crash' | 'excluded' | 'left' }>;
export type ContextEvent = Extract<HistoryEvent, { kind: 'context-out' | 'context-in' }>;
export type ReplyEvent = Extract<HistoryEvent, { kind: 'reply' }>;
export type ServeEvent = Extract<HistoryEvent, { kind: 'serve' }>;
export type UnconfirmedEvent = Extract<HistoryEvent, { kind: 'unconfirmed' }>;
export type HandledEvent = Extract<HistoryEvent, { kind: 'handled' }>;

/** Reports one violation of the checker's own property. */
export type Report = (message: string) => void;

/**
 * One property. The runner makes a single pass over the history; for each event it calls
 * the matching handler of every checker with the context as it was BEFORE the event (the
 * member's installed view, what it delivered so far, ...), then applies the event to the
 * context. A checker has handlers only for the kinds of event it cares about; `finish`
 * runs once after the pass (it may re-read `ctx.events` for details of a violation).
 * `msg` is the context's number for the event's message id (see HistoryContext).
 */
export interface PropertyChecker {
  readonly property: PropertyName;
  onSend?(event: SendEvent, msg: number, sender: MemberState, ctx: HistoryContext): void;
  onDeliver?(event: DeliverEvent, msg: number, member: MemberState, ctx: HistoryContext): void;
  onView?(event: ViewEvent, member: MemberState, ctx: HistoryContext): void;
  onExit?(event: ExitEvent, member: MemberState, ctx: HistoryContext): void;
  onContext?(event: ContextEvent, member: MemberState, ctx: HistoryContext): void;
  onReply?(event: ReplyEvent, ctx: HistoryContext): void;
  onServe?(event: ServeEvent, ctx: HistoryContext): void;
  onUnconfirmed?(event: UnconfirmedEvent, member: MemberState, ctx: HistoryContext): void;
  /**
   * `msg` is the context's number for the id if the history named it before (a send or a
   * delivery of it), else -1: a handled id alone does not number a message.
   */
  onHandled?(event: HandledEvent, msg: number, member: MemberState, ctx: HistoryContext): void;
  finish?(ctx: HistoryContext): void;
}

export type CheckerFactory = (report: Report, options: CheckHistoryOptions) => PropertyChecker;

/** "[a, b, c]" with at most `limit` items, then "…". */
export function listSome(items: Iterable<string>, limit = 5): string {
  const shown: string[] = [];
  for (const item of items) {
    if (shown.length === limit) return `[${shown.join(', ')}, …]`;
    shown.push(item);
  }
  return `[${shown.join(', ')}]`;
}

/** An error for a report: "Name: message", or the value as a string. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

export function formatView(id: number, members: readonly MemberId[]): string {
  return `view ${id} [${members.join(', ')}]`;
}
