import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError } from '@cohort/core';

/** A signing key for causal contexts over HTTP: at least this many bytes (a string counts its UTF-8 bytes). */
export const CAUSAL_KEY_BYTES_MIN = 16;
/** Bytes of HMAC-SHA256 kept in the header: 128 bits. */
const TAG_BYTES = 16;

/** A key checked once: bytes of at least CAUSAL_KEY_BYTES_MIN. */
export function causalKeyBytes(key: unknown, name = 'httpKey'): Buffer {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key instanceof Uint8Array ? Buffer.from(key) : null;
  if (!bytes || bytes.length < CAUSAL_KEY_BYTES_MIN) {
    throw new InvalidArgumentError(
      `${name} must be a string or Uint8Array of at least ${CAUSAL_KEY_BYTES_MIN} bytes (use 32 random bytes)`,
    );
  }
  return bytes;
}

function tagOf(encoded: string, key: Buffer): Buffer {
  return createHmac('sha256', key).update('cohort-causal-context\0').update(encoded).digest().subarray(0, TAG_BYTES);
}

/** `<context>.<tag>`: the encoded context and a truncated HMAC-SHA256 of it (base64url). */
export function signCausalContext(encoded: string, key: Buffer): string {
  return `${encoded}.${tagOf(encoded, key).toString('base64url')}`;
}

/** The encoded context of a header signed with `key`, or undefined (unsigned, altered, another key). */
export function verifyCausalContext(header: string, key: Buffer): string | undefined {
  const dot = header.lastIndexOf('.');
  if (dot < 0) return undefined;
  const encoded = header.slice(0, dot);
  const given = Buffer.from(header.slice(dot + 1), 'base64url');
  const expected = tagOf(encoded, key);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return encoded;
}
