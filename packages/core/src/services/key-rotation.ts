import { CohortError, GroupClosedError, InvalidArgumentError } from '../errors.js';
import type { Replies } from '../protocol/reply/replies.js';
import type { ValidMulticastOptions } from '../validation/index.js';
import { KEY_BYTES_MIN, type AuthenticatedWire } from '../wire/authenticated-wire.js';
import type { Wire } from '../wire/wire.js';

/** The three gbcasts of a key rotation, each answered by every member (Cohort's own topics). */
export const KEY_STAGE = 'cohort:key-stage';
export const KEY_SIGN = 'cohort:key-sign';
export const KEY_RETIRE = 'cohort:key-retire';

/** What a key rotation needs from its group. */
export interface KeyRotationHost {
  readonly wire: Wire;
  closed(): boolean;
  /** Multicasts one of Cohort's own messages. */
  send(topic: string, payload: unknown, options: Partial<ValidMulticastOptions>): Promise<void | Replies>;
}

/**
 * Rotates the group key of an authenticated wire by three gbcasts, so that every member
 * switches at the same points of the delivery sequence and no member is stranded by a lost
 * frame: the new key travels sealed under the current one and is accepted by all (1); then
 * all sign with it (2); then the old key is refused (3). Resolves once every member of the
 * view has retired the old key (docs/security.md).
 */
export async function rotateKey(host: KeyRotationHost, newKey: Uint8Array | string): Promise<void> {
  const wire = host.wire as Partial<AuthenticatedWire>;
  if (typeof wire.seal !== 'function' || typeof wire.stageKey !== 'function') {
    throw new InvalidArgumentError('rotateKey needs an authenticated wire: authenticate(wire, { key })');
  }
  const bytes = typeof newKey === 'string' ? new TextEncoder().encode(newKey) : newKey;
  if (!(bytes instanceof Uint8Array) || bytes.length < KEY_BYTES_MIN)
    throw new InvalidArgumentError(`the new key must be at least ${KEY_BYTES_MIN} bytes`);
  if (host.closed()) throw new GroupClosedError('the member left the group');
  const sealed = Buffer.from(wire.seal(bytes)).toString('base64');
  // Each step waits for every member's answer before the next goes out, so no two steps
  // ever share a flush: a member behind by one step still shares a key with the others.
  for (const [topic, payload] of [
    [KEY_STAGE, sealed],
    [KEY_SIGN, ''],
    [KEY_RETIRE, ''],
  ] as const) {
    const replies = (await host.send(topic, payload, { order: 'group', quorum: 'all' })) as Replies;
    if (replies.errors.length > 0) {
      throw new CohortError(
        'KEY_ROTATION',
        `key rotation failed at ${replies.errors.map((r) => `${r.member}: ${r.error!.message}`).join('; ')}`,
      );
    }
  }
}
