import { InvalidArgumentError } from '../errors.js';
import { isWellFormed, NAME_LENGTH_MAX } from './names.js';

export const TOPIC_LENGTH_MAX = NAME_LENGTH_MAX;
/** Topics Cohort's own protocols use (snapshot, key rotation); applications cannot. */
export const RESERVED_TOPIC_PREFIX = 'cohort:';

/** The topic rule: 1 to 255 characters, well-formed, not under the reserved "cohort:" prefix. */
export function validateTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string' || topic.length === 0 || topic.length > TOPIC_LENGTH_MAX) {
    throw new InvalidArgumentError(`topic must be a non-empty string of at most ${TOPIC_LENGTH_MAX} characters`);
  }
  if (!isWellFormed(topic)) throw new InvalidArgumentError('topic must be well-formed Unicode (no lone surrogates)');
  if (topic.startsWith(RESERVED_TOPIC_PREFIX))
    throw new InvalidArgumentError(`topics starting with "${RESERVED_TOPIC_PREFIX}" are Cohort's own`);
}
