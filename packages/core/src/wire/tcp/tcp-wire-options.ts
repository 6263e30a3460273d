import { isIP } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import { realClock, type Clock } from '../../env/clock.js';
import { realRandom, type Random } from '../../env/random.js';
import { InvalidArgumentError } from '../../errors.js';
import type { DelayRange } from './backoff.js';
import { MAX_ADDRESS_BYTES } from './address.js';
import { FRAME_HEADER_BYTES, MAX_BODY_BYTES } from './frame-parser.js';

export interface TcpWireTlsOptions {
  /** This wire's private key and certificate, presented both as a server and as a client. */
  key: NonNullable<SecureContextOptions['key']>;
  cert: NonNullable<SecureContextOptions['cert']>;
  /**
   * Trusted certificate authorities. When given, TLS is mutual: the server asks every
   * connecting peer for a certificate signed by one of them and refuses the others, and the
   * client verifies the server against them. Without it the system's CAs verify servers and
   * clients are not asked for certificates.
   */
  ca?: SecureContextOptions['ca'];
  passphrase?: string;
  /** Default true: refuse peers whose certificate does not verify. */
  rejectUnauthorized?: boolean;
  /** Replaces Node's host name check of the server certificate (e.g. when dialing by IP). */
  checkServerIdentity?: (host: string, cert: import('node:tls').PeerCertificate) => Error | undefined;
}

export interface TcpWireOptions {
  /** The interface to listen on, e.g. "127.0.0.1" or "0.0.0.0". */
  host: string;
  /** The port to listen on; 0 picks a free one (read it back from `wire.address`). */
  port: number;
  /**
   * The host peers should dial, announced in the hello and used in `wire.address`. Default:
   * `host`. Required when `host` is a wildcard ("0.0.0.0", "::").
   */
  advertiseHost?: string;
  /** Largest frame sent or accepted, 4-byte header included. Default 16 MiB. */
  maxFrameBytes?: number;
  /** Bytes that may wait for one peer (queued or unsent in its socket); beyond, frames are dropped. Default 64 MiB. */
  maxBufferedBytesPerPeer?: number;
  /** Peers this wire talks to at once; beyond, new ones are refused. Default 1024. */
  maxPeers?: number;
  /** Reconnect backoff: the first wait is about `min`, doubling up to `max`, with jitter. Default { min: 50, max: 5000 }. */
  reconnectDelayMs?: DelayRange;
  /** A connection that has not sent a valid hello within this is closed. Default 5000. */
  handshakeTimeoutMs?: number;
  /** Serve and dial over TLS (node:tls) instead of plain TCP. */
  tls?: TcpWireTlsOptions;
  /** Timers (backoff, handshake timeout) and the end-of-turn flush. Default realClock. */
  clock?: Clock;
  /** Backoff jitter and the wire's instance id. Default realRandom. */
  random?: Random;
  /** Called when the frame receiver throws (the error is also counted in stats.receiverErrors). */
  onReceiverError?: (error: unknown) => void;
}

export interface ResolvedTcpWireOptions {
  host: string;
  port: number;
  advertiseHost: string;
  maxFrameBytes: number;
  maxBufferedBytesPerPeer: number;
  maxPeers: number;
  reconnectDelayMs: DelayRange;
  handshakeTimeoutMs: number;
  tls: TcpWireTlsOptions | undefined;
  clock: Clock;
  random: Random;
  onReceiverError: ((error: unknown) => void) | undefined;
}

export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_BUFFERED_BYTES_PER_PEER = 64 * 1024 * 1024;
export const DEFAULT_MAX_PEERS = 1024;
export const DEFAULT_RECONNECT_DELAY_MS: DelayRange = { min: 50, max: 5000 };
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5000;

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

export function resolveTcpWireOptions(options: TcpWireOptions): ResolvedTcpWireOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('tcpWire options must be an object with host and port');
  }
  const { host, port } = options;
  if (typeof host !== 'string' || host.length === 0 || /\s/.test(host)) {
    throw new InvalidArgumentError(`tcpWire host must be a non-empty host name or IP, got ${String(host)}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidArgumentError(`tcpWire port must be an integer in 0..65535, got ${String(port)}`);
  }
  const advertiseHost = options.advertiseHost ?? host;
  if (typeof advertiseHost !== 'string' || WILDCARDS.has(advertiseHost) || /[\s[\]]/.test(advertiseHost)) {
    throw new InvalidArgumentError(
      `tcpWire cannot advertise "${String(advertiseHost)}" as its address: pass advertiseHost, the host peers should dial`,
    );
  }
  if (advertiseHost.includes(':') && isIP(advertiseHost) !== 6) {
    throw new InvalidArgumentError(`tcpWire advertiseHost "${advertiseHost}" is not a host name or IP`);
  }
  if (Buffer.byteLength(advertiseHost) + 8 > MAX_ADDRESS_BYTES) {
    throw new InvalidArgumentError(`tcpWire advertiseHost is longer than ${MAX_ADDRESS_BYTES - 8} bytes`);
  }
  const maxFrameBytes = integer(
    options.maxFrameBytes,
    DEFAULT_MAX_FRAME_BYTES,
    'maxFrameBytes',
    FRAME_HEADER_BYTES,
    FRAME_HEADER_BYTES + MAX_BODY_BYTES,
  );
  const maxBufferedBytesPerPeer = integer(
    options.maxBufferedBytesPerPeer,
    DEFAULT_MAX_BUFFERED_BYTES_PER_PEER,
    'maxBufferedBytesPerPeer',
    1,
    Number.MAX_SAFE_INTEGER,
  );
  const maxPeers = integer(options.maxPeers, DEFAULT_MAX_PEERS, 'maxPeers', 1, Number.MAX_SAFE_INTEGER);
  const handshakeTimeoutMs = positive(options.handshakeTimeoutMs, DEFAULT_HANDSHAKE_TIMEOUT_MS, 'handshakeTimeoutMs');
  const reconnectDelayMs = options.reconnectDelayMs ?? DEFAULT_RECONNECT_DELAY_MS;
  if (typeof reconnectDelayMs !== 'object' || reconnectDelayMs === null) {
    throw new InvalidArgumentError('tcpWire reconnectDelayMs must be { min, max }');
  }
  const min = positive(reconnectDelayMs.min, undefined, 'reconnectDelayMs.min');
  const max = positive(reconnectDelayMs.max, undefined, 'reconnectDelayMs.max');
  if (max < min) throw new InvalidArgumentError(`tcpWire reconnectDelayMs.max (${max}) is below min (${min})`);
  const tls = options.tls;
  if (tls !== undefined && (typeof tls !== 'object' || tls === null || tls.key === undefined || tls.cert === undefined)) {
    throw new InvalidArgumentError('tcpWire tls needs at least key and cert');
  }
  const clock = options.clock ?? realClock;
  if (typeof clock?.setTimer !== 'function' || typeof clock.defer !== 'function' || typeof clock.now !== 'function') {
    throw new InvalidArgumentError('tcpWire clock must implement now, setTimer and defer');
  }
  const random = options.random ?? realRandom;
  if (typeof random?.next !== 'function' || typeof random.int !== 'function') {
    throw new InvalidArgumentError('tcpWire random must implement next and int');
  }
  if (options.onReceiverError !== undefined && typeof options.onReceiverError !== 'function') {
    throw new InvalidArgumentError('tcpWire onReceiverError must be a function');
  }
  return {
    host,
    port,
    advertiseHost,
    maxFrameBytes,
    maxBufferedBytesPerPeer,
    maxPeers,
    reconnectDelayMs: { min, max },
    handshakeTimeoutMs,
    tls,
    clock,
    random,
    onReceiverError: options.onReceiverError,
  };
}

function integer(value: number | undefined, fallback: number, name: string, low: number, high: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < low || value > high) {
    throw new InvalidArgumentError(`tcpWire ${name} must be an integer in ${low}..${high}, got ${String(value)}`);
  }
  return value;
}

function positive(value: number | undefined, fallback: number | undefined, name: string): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`tcpWire ${name} must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}
