import { CohortError } from '@cohort/core';

/** natsWire could not connect to any of its servers (unreachable, refused, authentication failed). */
export class NatsConnectError extends CohortError {
  constructor(servers: readonly string[], cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('WIRE_CONNECT', `natsWire cannot connect to NATS (${servers.join(', ')}): ${reason}`, { cause });
  }
}

/** Another live wire answered on this wire's address: two processes must not share one. */
export class AddressInUseError extends CohortError {
  constructor(address: string, subject: string) {
    super('WIRE_ADDRESS_IN_USE', `natsWire: another wire already holds address "${address}" (it answered on ${subject})`);
  }
}

/** Seed discovery found fewer seeds than asked for within its time. */
export class SeedDiscoveryError extends CohortError {
  constructor(
    message: string,
    /** What each source gave (or why it failed). */
    readonly sources: readonly { readonly source: string; readonly found: readonly string[]; readonly error?: string }[],
  ) {
    super('SEED_DISCOVERY', message);
  }
}
