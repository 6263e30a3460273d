import { InvalidArgumentError } from './errors.js';

/** Checks of what the application hands a group member: each failure an InvalidArgumentError. */

export const TOPIC_LENGTH_MAX = 255;
/** Topics Cohort's own protocols use (snapshot, key rotation); applications cannot. */
export const RESERVED_TOPIC_PREFIX = 'cohort:';
export const CALL_TIMEOUT_MS_MAX = 24 * 3600 * 1000;
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;

export function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  const resolved = value ?? fallback;
  if (!Number.isInteger(resolved) || resolved < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return resolved;
}

export function codeOf(error: Error): { code?: string } {
  const code: unknown = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' ? { code } : {};
}

export function validateTimeout(timeoutMs: unknown): number {
  if (timeoutMs === undefined) return DEFAULT_CALL_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > CALL_TIMEOUT_MS_MAX) {
    throw new InvalidArgumentError(`timeoutMs must be an integer from 1 to ${CALL_TIMEOUT_MS_MAX}`);
  }
  return timeoutMs;
}

/** No lone surrogate: a string that survives UTF-8 as itself (String#isWellFormed is ES2024). */
export function isWellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

export function validateTopic(topic: string): void {
  if (typeof topic !== 'string' || topic.length === 0 || topic.length > TOPIC_LENGTH_MAX) {
    throw new InvalidArgumentError('topic must be a non-empty string of at most 255 characters');
  }
  if (!isWellFormed(topic)) throw new InvalidArgumentError('topic must be well-formed Unicode (no lone surrogates)');
  if (topic.startsWith(RESERVED_TOPIC_PREFIX)) throw new InvalidArgumentError(`topics starting with "${RESERVED_TOPIC_PREFIX}" are Cohort's own`);
}
