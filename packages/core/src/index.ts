/** @cohort/core — the public entry point. */
export { Group } from './group.js';
export type {
  Delivery, GroupEvents, GroupObserver, GroupOptions, GroupView, Handler, MulticastOptions, Order,
} from './group.js';
export type { MemberId, View } from './protocol/types.js';
export { CausalContext } from './context/causal-context.js';
export type { GroupCausality } from './context/causal-context.js';
export type { Timing } from './protocol/timing.js';
export { DEFAULT_TIMING } from './protocol/timing.js';
export type { Wire, Address } from './wire/wire.js';
export type { Clock, TimerHandle } from './env/clock.js';
export { realClock } from './env/clock.js';
export type { Random } from './env/random.js';
export { realRandom, seededRandom } from './env/random.js';
export type { Serializer } from './serializer.js';
export { jsonSerializer } from './serializer.js';
export {
  CohortError, DecodeError, ExcludedError, GroupClosedError, InvalidArgumentError, JoinTimeoutError,
} from './errors.js';
