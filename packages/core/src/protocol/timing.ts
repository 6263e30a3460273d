import { InvalidArgumentError } from '../errors.js';

/**
 * Protocol timing (docs/protocol.md, "Timing defaults"). A crashed process is suspected at
 * once when the wire sees its connection close; silence is suspected only after
 * `suspectTimeoutMs`, long enough that event-loop stalls of up to 2 s (GC, a busy turn, a
 * loaded machine) never exclude a member.
 */
export interface Timing {
  heartbeatIntervalMs: number;
  suspectTimeoutMs: number;
  retransmitIntervalMs: number;
  nakDelayMs: number;
  phaseTimeoutMs: number;
  joinRetryIntervalMs: number;
  discoveryTimeoutMs: number;
  joinTimeoutMs: number;
  leaveTimeoutMs: number;
}

export const DEFAULT_TIMING: Timing = {
  heartbeatIntervalMs: 100,
  suspectTimeoutMs: 3000,
  retransmitIntervalMs: 40,
  nakDelayMs: 10,
  phaseTimeoutMs: 3000,
  joinRetryIntervalMs: 150,
  discoveryTimeoutMs: 600,
  joinTimeoutMs: 10_000,
  leaveTimeoutMs: 10_000,
};

export function resolveTiming(overrides: Partial<Timing> = {}): Timing {
  const timing = { ...DEFAULT_TIMING, ...overrides };
  for (const [name, value] of Object.entries(timing)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new InvalidArgumentError(`timing.${name} must be a positive number of milliseconds, got ${String(value)}`);
    }
  }
  if (timing.suspectTimeoutMs <= timing.heartbeatIntervalMs) {
    throw new InvalidArgumentError('timing.suspectTimeoutMs must be longer than timing.heartbeatIntervalMs');
  }
  return timing;
}
