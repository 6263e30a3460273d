import { InvalidArgumentError } from '../errors.js';
import { describe } from './values.js';

/** Group names, addresses and topics travel in every frame: at most this many characters. */
export const NAME_LENGTH_MAX = 255;

/** No lone surrogate: a string that survives UTF-8 as itself (String#isWellFormed is ES2024). */
export function isWellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

export function validateGroupName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > NAME_LENGTH_MAX || !isWellFormed(name)) {
    throw new InvalidArgumentError('group name must be a non-empty, well-formed string of at most 255 characters');
  }
}

/** Whitespace, C0/C1 controls, DEL, and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex
const BAD_ADDRESS_CHARACTER = /[\s\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * A transport address: a non-empty, well-formed string of at most 255 characters with no
 * whitespace or control character. Its shape beyond that is the wire's business ("host:port"
 * for TCP; any such string on the simulated network).
 */
export function validateAddress(address: unknown, name = 'address'): asserts address is string {
  if (typeof address !== 'string' || address.length === 0 || address.length > NAME_LENGTH_MAX) {
    throw new InvalidArgumentError(`${name} must be a non-empty string of at most ${NAME_LENGTH_MAX} characters, not ${describe(address)}`);
  }
  if (BAD_ADDRESS_CHARACTER.test(address) || !isWellFormed(address)) {
    throw new InvalidArgumentError(`${name} ${JSON.stringify(address)} contains whitespace, a control character or a lone surrogate`);
  }
}

/** `seeds`: an array of addresses (`'host:port'` on TCP). */
export function validateSeeds(seeds: unknown): readonly string[] {
  if (seeds === undefined) return [];
  if (!Array.isArray(seeds))
    throw new InvalidArgumentError(`seeds must be an array of addresses (e.g. ['10.0.0.1:7000']), not ${describe(seeds)}`);
  seeds.forEach((seed: unknown, index) => validateAddress(seed, `seeds[${index}]`));
  return seeds as string[];
}
