import { InvalidArgumentError, realClock, realRandom, type Clock, type Random } from '@cohort/core';
import type { NodeConnectionOptions } from '@nats-io/transport-node';
import { isValidAddress, isValidGroupToken, isValidPrefix, MAX_ADDRESS_LENGTH } from './subjects.js';

/** The wire's own options; every other field of NatsWireOptions goes to the NATS client as it is. */
export interface NatsWireOwnOptions {
  /** NATS servers, e.g. "nats://10.0.0.5:4222" or ["127.0.0.1:4222", "127.0.0.1:4223"]. */
  servers: string | string[];
  /** First tokens of every subject this wire uses. Default "cohort". */
  subjectPrefix?: string;
  /**
   * The group this wire's member belongs to (one subject token, e.g. the group's name). With
   * it, a frame sent to two or more members in one turn is published once on the group's
   * subject (NATS fans it out) instead of once per member, and the wire answers seed
   * discovery (`discoverSeeds({ nats: wire })`). Without it, every frame travels point to
   * point.
   */
  group?: string;
  /**
   * This wire's address: one subject token (letters, digits, `_`, `-`, `:`), unique under the
   * prefix, e.g. the pod name of a StatefulSet member (stable across restarts, so a restarted
   * process stands in for its crashed incarnation). Default: "n" and 16 random hex digits.
   */
  address?: string;
  /**
   * "Peer down" from NATS "no responders": when the server says nobody subscribes to a peer's
   * subject, and says so again for a probe `confirmMs` later, the wire reports the peer down
   * ('refused'), so the group suspects it at once instead of after `timing.suspectTimeoutMs`.
   * `confirmMs` must outlast a NATS failover of the peer (its reconnect to another server).
   * Default { confirmMs: 1000 }; false: no reports (silence alone detects crashes).
   */
  peerDown?: false | { confirmMs?: number };
  /** Largest frame sent or accepted (bigger ones travel in fragments). Default 16 MiB. */
  maxFrameBytes?: number;
  /**
   * Bytes waiting to be published: this turn's frames, and packets held while the connection
   * is down (the NATS client itself discards what is written while it reconnects). Beyond it
   * frames are dropped and counted; the protocol above retransmits. Counts frame bytes (the held
   * packets' own framing, a few bytes per frame, comes on top). Default 64 MiB.
   */
  maxBufferedBytes?: number;
  /** Largest NATS message this wire publishes. Default: the server's max_payload (1 MiB unless configured). */
  maxPacketBytes?: number;
  /**
   * At start, how long to wait for an answer from another wire already holding this address
   * (then natsWire rejects with WIRE_ADDRESS_IN_USE); "no responders" settles it at once. 0 skips
   * the check. Default 500.
   */
  addressCheckMs?: number;
  /** close() waits at most this long for the NATS client to flush. Default 2000. */
  closeTimeoutMs?: number;
  /** Timers and the end-of-turn flush. Default realClock. */
  clock?: Clock;
  /** The default address and the instance id. Default realRandom. */
  random?: Random;
  /** Called when the frame receiver or the peer-down listener throws (also counted in stats.receiverErrors). */
  onReceiverError?: (error: unknown) => void;
}

/**
 * natsWire's options: the wire's own, and any NATS connection option (`token`, `user`/`pass`,
 * `authenticator` for nkeys, JWTs or creds, `tls`, `name`, `pingInterval`, `reconnectTimeWait`,
 * `maxReconnectAttempts` ...), passed to `connect()` of `@nats-io/transport-node` unchanged.
 * `noEcho` is always true (a wire delivers its frames to itself without the server).
 */
export type NatsWireOptions = NatsWireOwnOptions & Omit<NodeConnectionOptions, 'servers' | 'port' | 'noEcho'>;

export interface ResolvedNatsWireOptions {
  servers: string[];
  subjectPrefix: string;
  group: string | undefined;
  address: string;
  peerDown: { confirmMs: number } | false;
  maxFrameBytes: number;
  maxBufferedBytes: number;
  maxPacketBytes: number | undefined;
  addressCheckMs: number;
  closeTimeoutMs: number;
  clock: Clock;
  random: Random;
  onReceiverError: ((error: unknown) => void) | undefined;
  /** What goes to connect(). */
  connection: NodeConnectionOptions;
}

export const DEFAULT_SUBJECT_PREFIX = 'cohort';
export const DEFAULT_CONFIRM_MS = 1000;
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
export const DEFAULT_ADDRESS_CHECK_MS = 500;
export const DEFAULT_CLOSE_TIMEOUT_MS = 2000;
export const MIN_PACKET_BYTES = 1024;

/**
 * NATS client defaults the wire changes (each can be overridden): reconnect forever, retry a
 * server after 250 ms (the client goes straight to the next server of the pool; the wait only
 * applies to one it tried last), ping every 5 s (a half-open connection to a dead server is
 * noticed in ~10 s, not 4 minutes), give up a first connect after 5 s.
 */
export const CONNECTION_DEFAULTS: Partial<NodeConnectionOptions> = {
  maxReconnectAttempts: -1,
  reconnectTimeWait: 250,
  pingInterval: 5000,
  maxPingOut: 2,
  timeout: 5000,
};

const OWN_KEYS = new Set<string>([
  'servers',
  'subjectPrefix',
  'group',
  'address',
  'peerDown',
  'maxFrameBytes',
  'maxBufferedBytes',
  'maxPacketBytes',
  'addressCheckMs',
  'closeTimeoutMs',
  'clock',
  'random',
  'onReceiverError',
]);

function positiveInteger(value: unknown, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(`natsWire: ${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

function randomAddress(random: Random): string {
  let hex = '';
  for (let i = 0; i < 16; i++) hex += random.int(16).toString(16);
  return `n${hex}`;
}

export function resolveNatsWireOptions(options: NatsWireOptions): ResolvedNatsWireOptions {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('natsWire takes an options object');
  const servers = typeof options.servers === 'string' ? [options.servers] : options.servers;
  if (!Array.isArray(servers) || servers.length === 0 || !servers.every((s) => typeof s === 'string' && s.length > 0)) {
    throw new InvalidArgumentError('natsWire: servers must be a non-empty string or array of strings ("host:port" or "nats://host:port")');
  }
  const subjectPrefix = options.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX;
  if (!isValidPrefix(subjectPrefix)) {
    throw new InvalidArgumentError(
      `natsWire: subjectPrefix must be dot-separated tokens of letters, digits, "_", "-", ":", got ${JSON.stringify(subjectPrefix)}`,
    );
  }
  if (options.group !== undefined && !isValidGroupToken(options.group)) {
    throw new InvalidArgumentError(
      `natsWire: group must be one subject token (letters, digits, "_", "-", ":"), got ${JSON.stringify(options.group)}`,
    );
  }
  const random = options.random ?? realRandom;
  const address = options.address ?? randomAddress(random);
  if (!isValidAddress(address)) {
    throw new InvalidArgumentError(
      `natsWire: address must be 1-${MAX_ADDRESS_LENGTH} letters, digits, "_", "-" or ":", got ${JSON.stringify(address)}`,
    );
  }
  let peerDown: ResolvedNatsWireOptions['peerDown'];
  if (options.peerDown === false) peerDown = false;
  else if (options.peerDown === undefined) peerDown = { confirmMs: DEFAULT_CONFIRM_MS };
  else if (typeof options.peerDown === 'object' && options.peerDown !== null) {
    peerDown = { confirmMs: positiveInteger(options.peerDown.confirmMs, 'peerDown.confirmMs', DEFAULT_CONFIRM_MS) };
  } else {
    throw new InvalidArgumentError('natsWire: peerDown must be false or { confirmMs }');
  }
  const maxPacketBytes =
    options.maxPacketBytes === undefined ? undefined : positiveInteger(options.maxPacketBytes, 'maxPacketBytes', 0, MIN_PACKET_BYTES);
  if (options.onReceiverError !== undefined && typeof options.onReceiverError !== 'function') {
    throw new InvalidArgumentError('natsWire: onReceiverError must be a function');
  }
  const passThrough: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (!OWN_KEYS.has(key) && value !== undefined) passThrough[key] = value;
  const connection: NodeConnectionOptions = {
    name: `cohort ${address}`,
    ...CONNECTION_DEFAULTS,
    ...(passThrough as NodeConnectionOptions),
    servers,
    noEcho: true,
  };
  return {
    servers,
    subjectPrefix,
    group: options.group,
    address,
    peerDown,
    maxFrameBytes: positiveInteger(options.maxFrameBytes, 'maxFrameBytes', DEFAULT_MAX_FRAME_BYTES),
    maxBufferedBytes: positiveInteger(options.maxBufferedBytes, 'maxBufferedBytes', DEFAULT_MAX_BUFFERED_BYTES),
    maxPacketBytes,
    addressCheckMs: positiveInteger(options.addressCheckMs, 'addressCheckMs', DEFAULT_ADDRESS_CHECK_MS, 0),
    closeTimeoutMs: positiveInteger(options.closeTimeoutMs, 'closeTimeoutMs', DEFAULT_CLOSE_TIMEOUT_MS),
    clock: options.clock ?? realClock,
    random,
    onReceiverError: options.onReceiverError,
    connection,
  };
}
