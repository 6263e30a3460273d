import type { BlockedReason, ExclusionReport, GroupView } from '../group-options.js';
import type { CohortLogger } from '../util/logger.js';
import type { MemberId } from '../protocol/types.js';

/** A view's members are listed up to this many in a line; the rest are counted. */
export const LOG_MEMBERS_MAX = 8;

/**
 * 'error' events that are warnings: the member goes on (a frame dropped, a slow consumer that
 * rejoins, a leave the others did not fully confirm). FRAME_REJECTED comes at most once a
 * second per member (Group.reportRejected), so a flood of bad frames is one line a second.
 */
const WARNING_CODES: ReadonlySet<string> = new Set(['FRAME_REJECTED', 'SLOW_CONSUMER', 'LEAVE_TIMEOUT', 'LEAVE_INCOMPLETE']);

/**
 * A member's log lines, one per event (src/logger.ts says which level each takes). The Group
 * tells it what the protocol does as it happens (not when the handlers reach it), and it tells
 * a join from a rejoin from a view change by the member id: a new id is a new incarnation.
 * Without a logger every method returns at once. A logger that throws is ignored: logging
 * must never change what the member does.
 */
export class GroupLog {
  /** The incarnation whose views were logged last; null until the first join. */
  private me: MemberId | null = null;
  private members: readonly MemberId[] = [];

  constructor(
    private readonly logger: CohortLogger | undefined,
    private readonly group: string,
    private readonly address: string,
  ) {}

  get enabled(): boolean {
    return this.logger !== undefined;
  }

  /** A view installed at `me`: its first as a join (or a rejoin), any later one as a view change. */
  installed(me: MemberId, view: GroupView): void {
    if (!this.logger) return;
    const previous = this.me;
    const before = this.members;
    this.me = me;
    this.members = view.members;
    const listed = `view ${view.id} (${describeMembers(view.members)})`;
    if (previous === null) return this.write('log', me, `joined ${listed}${view.members.length === 1 ? ', forming the group' : ''}`);
    if (previous !== me) return this.write('log', me, `rejoined as a new incarnation (was ${previous}) in ${listed}`);
    const joined = view.members.filter((member) => !before.includes(member));
    const left = before.filter((member) => !view.members.includes(member));
    const changes = [joined.length > 0 ? `joined: ${list(joined)}` : '', left.length > 0 ? `left: ${list(left)}` : ''].filter(Boolean);
    this.write('log', me, `${listed}${changes.length > 0 ? `; ${changes.join('; ')}` : ''}`);
  }

  excluded(me: MemberId, last: GroupView | null, report: ExclusionReport, stayingOut: boolean): void {
    if (!this.logger) return;
    const count = report.unconfirmed.length;
    const unconfirmed = `${count} multicast${count === 1 ? '' : 's'} unconfirmed${count > 0 ? (report.resent ? ', re-sent after the rejoin' : ', not re-sent') : ''}`;
    const from = last ? `view ${last.id}` : 'the group';
    this.write('warn', me, `excluded from ${from} (${report.reason}); ${unconfirmed}; ${stayingOut ? 'staying out' : 'rejoining'}`);
  }

  /** `reason` null: unblocked, in `view`. */
  blocked(me: MemberId, reason: BlockedReason | null, view: GroupView | null): void {
    if (!this.logger) return;
    if (reason) this.write('warn', me, `blocked (${reason.code}): ${reason.message}`);
    else this.write('log', me, `unblocked${view ? ` in view ${view.id}` : ''}`);
  }

  rejoinFailed(retryMs: number): void {
    if (!this.logger) return;
    this.write('debug', this.me, `a rejoin attempt did not complete; trying again in ${retryMs} ms`);
  }

  left(me: MemberId | null): void {
    if (!this.logger) return;
    this.write('log', me, 'left the group');
  }

  /** An 'error' event: a warning for the codes the member goes on after, else an error with its stack. */
  error(error: unknown): void {
    if (!this.logger) return;
    const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined;
    const message = error instanceof Error ? error.message : String(error);
    const text = code && !message.startsWith(code) ? `${code}: ${message}` : message;
    if (code && WARNING_CODES.has(code)) this.write('warn', this.me, text);
    else this.write('error', this.me, text, error instanceof Error ? error.stack : undefined);
  }

  private write(level: 'debug' | 'log' | 'warn' | 'error', me: MemberId | null, text: string, stack?: string): void {
    const line = `${this.group} ${me ?? this.address}: ${text}`;
    try {
      if (level === 'error') {
        if (stack === undefined) this.logger!.error(line);
        else this.logger!.error(line, stack);
      } else if (level === 'debug') this.logger!.debug?.(line);
      else this.logger![level](line);
    } catch {
      // A failing logger must not fail the member.
    }
  }
}

function describeMembers(members: readonly MemberId[]): string {
  return `${members.length} member${members.length === 1 ? '' : 's'}: ${list(members)}`;
}

function list(members: readonly MemberId[]): string {
  const shown = members.slice(0, LOG_MEMBERS_MAX).join(', ');
  return members.length > LOG_MEMBERS_MAX ? `${shown} and ${members.length - LOG_MEMBERS_MAX} more` : shown;
}
