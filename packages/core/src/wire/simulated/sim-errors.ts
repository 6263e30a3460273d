import { CohortError } from '../../errors.js';

/** The simulated network was closed: sleep()/runUntil() after (or pending at) close(). */
export class SimulationClosedError extends CohortError {
  constructor() {
    super('SIM_CLOSED', 'the simulated network is closed');
  }
}

/** assertHealthy() found errors thrown by event callbacks (timers, deferred calls, receivers). */
export class SimulationUnhealthyError extends CohortError {
  constructor(readonly errors: readonly unknown[]) {
    const first = errors[0];
    const detail = first instanceof Error ? `${first.name}: ${first.message}` : String(first);
    super('SIM_UNHEALTHY', `${errors.length} error(s) were thrown by simulated event callbacks; the first: ${detail}`, { cause: first });
  }
}

/** wire(address) while that address already has a live (not crashed, not closed) wire. */
export class AddressInUseError extends CohortError {
  constructor(address: string) {
    super('SIM_ADDRESS_IN_USE', `address "${address}" already has a live wire on this simulated network`);
  }
}
