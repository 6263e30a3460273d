/** @cohort/core/testing — test your own services on the simulated network and check their histories. */
export { SimulatedNetwork, SimulatedWire, SimClock } from '../wire/simulated/simulated-network.js';
export type {
  SimulatedNetworkOptions,
  NetworkStats,
  RunUntilOptions,
  FrameTraceEvent,
  DropReason,
} from '../wire/simulated/simulated-network.js';
export type { DelayRange, LinkFaults, LinkOverride } from '../wire/simulated/simulated-network.js';
export { SimulationClosedError, SimulationUnhealthyError, AddressInUseError } from '../wire/simulated/simulated-network.js';
export { HistoryRecorder } from './history.js';
export type { HistoryEvent, ViewRecord } from './history.js';
export { connectionObserver, historyObserver, messageId } from './history-observer.js';
export { checkHistory, assertHistory, HistoryViolationError, PROPERTY_NAMES } from './checker/history-checker.js';
export type { CheckHistoryOptions, PropertyName, Violation } from './checker/history-checker.js';
export { readTraceFiles, renderTrace, writeTraceHtml } from '../trace/render.js';
export type { RenderTraceOptions, RenderedTrace } from '../trace/render.js';
export { mergeTraces, parseTrace, TraceFormatError } from '../trace/trace-reader.js';
export type { Trace, TraceSource } from '../trace/trace-reader.js';
export { historyOf, layoutSpaceTime } from '../trace/space-time.layout.js';
export type { SpaceTime, LocatedViolation } from '../trace/space-time.layout.js';
export { renderSpaceTimeHtml } from '../trace/space-time.html.js';
