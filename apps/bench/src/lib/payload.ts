/**
 * Benchmark payloads and helpers shared by the parent and the children.
 */
import type { Serializer } from '../../../../packages/core/src/util/serializer.js';

const EMPTY = new Uint8Array(0);

/**
 * Pass-through: the application payload is the Uint8Array itself, so a 64-byte payload is
 * 64 bytes on the wire (plus the protocol's headers). `undefined` (a handler that returns
 * nothing) is the empty payload.
 */
export const passThrough: Serializer = {
  encode: (value) => (value === undefined ? EMPTY : (value as Uint8Array)),
  decode: (bytes) => bytes,
};

/**
 * A benchmark message: byte 0 the sender's index, bytes 1..4 its sequence number (u32 LE),
 * bytes 5..8 the run id; the rest is filler. At least 9 bytes.
 */
export function makePayload(size: number, sender: number, seq: number, run: number): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes[0] = sender;
  bytes[1] = seq & 0xff;
  bytes[2] = (seq >>> 8) & 0xff;
  bytes[3] = (seq >>> 16) & 0xff;
  bytes[4] = (seq >>> 24) & 0xff;
  bytes[5] = run & 0xff;
  bytes[6] = (run >>> 8) & 0xff;
  bytes[7] = (run >>> 16) & 0xff;
  bytes[8] = (run >>> 24) & 0xff;
  return bytes;
}

export function payloadSeq(bytes: Uint8Array): number {
  return (bytes[1]! | (bytes[2]! << 8) | (bytes[3]! << 16) | (bytes[4]! << 24)) >>> 0;
}

export function payloadRun(bytes: Uint8Array): number {
  return (bytes[5]! | (bytes[6]! << 8) | (bytes[7]! << 16) | (bytes[8]! << 24)) >>> 0;
}

/** p-th percentile (0..100) of sorted values, nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface LatencySummary {
  calls: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  maxUs: number;
  meanUs: number;
  totalMs: number;
}

/** Summarizes round-trip times given in milliseconds (as performance.now() differences). */
export function summarizeLatencies(samplesMs: readonly number[], totalMs: number): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const us = (ms: number): number => Math.round(ms * 1000 * 10) / 10;
  const mean = sorted.reduce((sum, v) => sum + v, 0) / Math.max(1, sorted.length);
  return {
    calls: sorted.length,
    p50Us: us(percentile(sorted, 50)),
    p90Us: us(percentile(sorted, 90)),
    p99Us: us(percentile(sorted, 99)),
    maxUs: us(sorted[sorted.length - 1] ?? NaN),
    meanUs: us(mean),
    totalMs: Math.round(totalMs),
  };
}
