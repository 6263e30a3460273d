/** @cohort/core/testing — test your own services on the simulated network and check their histories. */
export { SimulatedNetwork, SimulatedWire, SimClock } from '../wire/simulated/simulated-network.js';
export type { SimulatedNetworkOptions, NetworkStats, RunUntilOptions, FrameTraceEvent, DropReason } from '../wire/simulated/simulated-network.js';
export type { DelayRange, LinkFaults, LinkOverride } from '../wire/simulated/simulated-network.js';
export { SimulationClosedError, SimulationUnhealthyError, AddressInUseError } from '../wire/simulated/simulated-network.js';
export { HistoryRecorder } from './history.js';
export type { HistoryEvent, ViewRecord } from './history.js';
export { connectionObserver, historyObserver, messageId } from './history-observer.js';
export { checkHistory, assertHistory, HistoryViolationError, PROPERTY_NAMES } from './checker/history-checker.js';
export type { CheckHistoryOptions, PropertyName, Violation } from './checker/history-checker.js';
