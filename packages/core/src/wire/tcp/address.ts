import { isIPv6 } from 'node:net';
import type { Address } from '../wire.js';

/** The longest address a hello may carry (a DNS name is at most 253 bytes, plus ":65535"). */
export const MAX_ADDRESS_BYTES = 300;

export interface HostPort {
  host: string;
  port: number;
}

/** "host:port", with an IPv6 host in brackets ("[::1]:5000") so the last colon is the port's. */
export function formatAddress(host: string, port: number): Address {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Parses "host:port" (or "[v6]:port"). Returns undefined for anything else: a wire never
 * throws for a bad destination, it drops the frame and counts it.
 */
export function parseAddress(address: string): HostPort | undefined {
  if (address.length === 0 || Buffer.byteLength(address) > MAX_ADDRESS_BYTES) return undefined;
  const colon = address.lastIndexOf(':');
  if (colon <= 0) return undefined;
  let host = address.slice(0, colon);
  const portText = address.slice(colon + 1);
  if (!/^[0-9]{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65_535) return undefined;
  if (host.startsWith('[') && host.endsWith(']')) {
    host = host.slice(1, -1);
    if (!isIPv6(host)) return undefined;
  } else if (host.includes(':') || host.includes('[') || host.includes(']')) {
    return undefined;
  }
  if (host.length === 0 || /\s/.test(host)) return undefined;
  return { host, port };
}
