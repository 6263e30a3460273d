import { InvalidArgumentError } from '../errors.js';

/** Checks of plain values and option bags, shared by every entry point's own checks. */

export function validateBoolean(value: unknown, name: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean')
    throw new InvalidArgumentError(`${name} must be true or false, not ${describe(value)}`);
  return value;
}

export function validateFunction(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'function')
    throw new InvalidArgumentError(`${name} must be a function, not ${describe(value)}`);
}

/** An options bag: undefined (no options) or a plain object whose keys are all known. */
export function validateOptionsObject(value: unknown, name: string, known: Readonly<Record<string, true>>): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new InvalidArgumentError(`${name} must be an object, not ${describe(value)}`);
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(known, key)) {
      throw new InvalidArgumentError(`${name} has no option "${key}" (known: ${Object.keys(known).join(', ')})`);
    }
  }
  return value as Record<string, unknown>;
}

/** An object with the functions `methods` (and, if present, `optional`), e.g. a wire or a clock. */
export function validateMethods(value: unknown, name: string, methods: readonly string[], optional: readonly string[] = []): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object')
    throw new InvalidArgumentError(`${name} must be an object with ${methods.join(', ')}, not ${describe(value)}`);
  const record = value as Record<string, unknown>;
  for (const method of methods) {
    if (typeof record[method] !== 'function') throw new InvalidArgumentError(`${name}.${method} must be a function`);
  }
  for (const method of optional) validateFunction(record[method], `${name}.${method}`);
}

export function codeOf(error: Error): { code?: string } {
  const code: unknown = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' ? { code } : {};
}

/** A short, safe description of a bad value for an error message. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      return 'an object';
  }
}
