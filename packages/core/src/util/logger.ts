import { InvalidArgumentError } from '../errors.js';
import { describe } from '../validation/index.js';

/**
 * Where a member writes its log lines (`Group.join(name, { logger })`). The shape is Nest's
 * `LoggerService` (log, warn, error, an optional debug), so a Nest `Logger` is passed as it
 * is, and so is `console`. Every line is one string that names the group and the member.
 *
 * - `log`: routine — joined, a view installed, unblocked, rejoined, left;
 * - `warn`: what an operator should see — excluded, blocked (NO_QUORUM), rejected frames and
 *   authentication failures (both rate-limited), a slow consumer, an incomplete leave;
 * - `error`: every other 'error' event (a handler threw, a state transfer failed), with its stack;
 * - `debug`: detail — a rejoin attempt that failed and is retried.
 *
 * Without a logger a member writes nothing (docs/decisions.md): its 'error' events and the
 * authenticated wire's process warnings are then the only reports, as before loggers existed.
 */
export interface CohortLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string, stack?: string): void;
  debug?(message: string): void;
}

/** The levels of `consoleLogger`, lowest first. */
export type CohortLogLevel = 'debug' | 'log' | 'warn' | 'error';
const LEVELS: readonly CohortLogLevel[] = ['debug', 'log', 'warn', 'error'];

/**
 * A logger for a plain Node process: the lines at `level` and above go to `console` (warn and
 * error to stderr). `consoleLogger('warn')` shows only what needs attention.
 */
export function consoleLogger(level: CohortLogLevel = 'log'): CohortLogger {
  const from = LEVELS.indexOf(level);
  if (from < 0) throw new InvalidArgumentError(`consoleLogger: level must be one of ${LEVELS.join(', ')}, not ${describe(level)}`);
  const on = (at: CohortLogLevel): boolean => LEVELS.indexOf(at) >= from;
  return {
    debug: (message) => {
      if (on('debug')) console.debug(message);
    },
    log: (message) => {
      if (on('log')) console.log(message);
    },
    warn: (message) => {
      if (on('warn')) console.warn(message);
    },
    error: (message, stack) => {
      if (on('error')) console.error(stack ? `${message}\n${stack}` : message);
    },
  };
}
