/** The TCP (and TLS) wire. See README.md in this folder. */
export { tcpWire, TcpWire } from './tcp-wire.js';
export type { FrameReceiver } from './tcp-wire.js';
export type { TcpWireOptions, TcpWireTlsOptions } from './tcp-wire-options.js';
export type { TcpWireStats } from './tcp-wire-stats.js';
export type { DelayRange } from './backoff.js';
export { WireListenError } from './tcp-errors.js';
