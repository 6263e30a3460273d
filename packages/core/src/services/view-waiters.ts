import type { Clock } from '../env/clock.js';
import { GroupClosedError, InvalidArgumentError, ViewTimeoutError } from '../errors.js';
import type { GroupView, ViewMatch } from '../group-options.js';
import { describe as describeValue, validateOptionsObject, validateTimeout } from '../validation/index.js';

/** What awaitView() needs from its group. */
export interface ViewWaitersHost {
  readonly group: string;
  readonly clock: Clock;
  closed(): boolean;
  /** The view the protocol installed last, or null before the first. */
  installed(): GroupView | null;
}

/** The awaitView() calls of a group: each checked at every install and when the member closes. */
export class ViewWaiters {
  private readonly waiters = new Set<() => void>();

  constructor(private readonly host: ViewWaitersHost) {}

  /**
   * Resolves with the first view this member installs (the current one included) that
   * matches: `{ size: n }`, a view of exactly n members, or a predicate. Rejects with
   * ViewTimeoutError after `timeoutMs` (default 10,000), GroupClosedError if the member
   * leaves, or what the predicate throws.
   */
  wait(match: ViewMatch, options: { timeoutMs?: number }): Promise<GroupView> {
    const { clock } = this.host;
    let timeoutMs: number;
    let matches: (view: GroupView) => boolean;
    try {
      if (typeof match === 'function') {
        matches = match;
      } else {
        const size = validateOptionsObject(match, 'awaitView() match', { size: true })['size'];
        if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
          throw new InvalidArgumentError(
            `awaitView() takes a predicate or { size: n } with n a positive integer, not size ${describeValue(size)}`,
          );
        }
        matches = (view) => view.members.length === size;
      }
      timeoutMs = validateTimeout(
        validateOptionsObject(options, 'awaitView() options', { timeoutMs: true })['timeoutMs'],
        'awaitView() options.timeoutMs',
      );
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<GroupView>((resolve, reject) => {
      let timer: { cancel(): void } | null = null;
      const settle = (view: GroupView | null, error?: unknown): void => {
        this.waiters.delete(check);
        timer?.cancel();
        if (view) resolve(view);
        else reject(error);
      };
      const check = (): void => {
        if (this.host.closed()) return settle(null, new GroupClosedError('the member left the group'));
        const view = this.host.installed();
        if (!view) return;
        try {
          if (matches(view)) settle(view);
        } catch (error) {
          settle(null, error);
        }
      };
      this.waiters.add(check);
      check();
      if (!this.waiters.has(check)) return;
      timer = clock.setTimer(timeoutMs, () => settle(null, new ViewTimeoutError(this.host.group, timeoutMs, this.host.installed())));
    });
  }

  /** An install, or the member closing, may settle the calls that wait. */
  wake(): void {
    if (this.waiters.size > 0) for (const check of [...this.waiters]) check();
  }
}
