import { InvalidArgumentError } from '../errors.js';

/** Protocol timing. Defaults fit a LAN: a crashed member leaves the view in about a second. */
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
  suspectTimeoutMs: 600,
  retransmitIntervalMs: 40,
  nakDelayMs: 10,
  phaseTimeoutMs: 400,
  joinRetryIntervalMs: 150,
  discoveryTimeoutMs: 600,
  joinTimeoutMs: 5000,
  leaveTimeoutMs: 3000,
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
