/** @cohort/nats — a Cohort wire over NATS core subjects, and discovery of seeds. */
export { natsWire, NatsWire } from './nats-wire.js';
export type { NatsWireStats } from './nats-wire.js';
export type { NatsWireOptions, NatsWireOwnOptions } from './options.js';
export { CONNECTION_DEFAULTS, DEFAULT_SUBJECT_PREFIX } from './options.js';
export { AddressInUseError, NatsConnectError, SeedDiscoveryError } from './errors.js';
export { isValidAddress as isValidNatsAddress } from './subjects.js';
// Authenticators for nkeys, JWTs and creds files, so users need no second import.
export {
  credsAuthenticator,
  jwtAuthenticator,
  nkeyAuthenticator,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
} from '@nats-io/transport-node';
export { discoverSeeds } from './discovery.js';
export type { DiscoverSeedsOptions, DnsAddressMapping, DnsSeedRecord, DnsSeedSource } from './discovery.js';
