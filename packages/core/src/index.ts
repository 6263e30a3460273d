/** @cohort/core — the public entry point. */
export { Group, DEFAULT_CALL_TIMEOUT_MS, isGroup } from './group.js';
export type {
  AsyncOptions,
  CallOptions,
  Delivery,
  GroupEvents,
  GroupObserver,
  GroupOptions,
  GroupView,
  Handler,
  MulticastOptions,
  Order,
  BlockedReason,
  ExclusionReport,
  GroupStatus,
  QuorumPolicy,
  UnconfirmedMessage,
  MulticastResult,
  ViewMatch,
} from './group.js';
export { addressOf } from './group-options.js';
export type { GroupStats, CallRecord, CallOutcome } from './group-stats.js';
export { groupMetrics, GROUP_METRICS } from './metrics/group-metrics.js';
export type { GroupMetrics, GroupMetricsOptions, MetricsAttributes, MetricsMeter } from './metrics/group-metrics.js';
export { consoleLogger } from './util/logger.js';
export type { CohortLogger, CohortLogLevel } from './util/logger.js';
export {
  DEFAULT_CONTEXT_WAIT_MS,
  ORDERS,
  REPLY_QUORUM_NAMES,
  TOPIC_LENGTH_MAX,
  isOrder,
  isReplyQuorum,
  validateAddress,
  validateMulticastOptions,
  validateOrder,
  validateReplies,
  validateSeeds,
  validateTopic,
} from './validation/index.js';
export type { ValidMulticastOptions } from './validation/index.js';
export type { MemberId, View } from './protocol/types.js';
export { Replies } from './protocol/reply/replies.js';
export type { Reply, ReplyError } from './protocol/reply/replies.js';
export type { ReplyQuorum } from './protocol/reply/quorum.js';
export { shareOf } from './protocol/reply/scatter.js';
export { GroupConnection } from './group-connection.js';
export type { ConnectionMode, ConnectionObserver, GroupConnectionOptions } from './group-connection.js';
export {
  CausalContext,
  CONTEXT_GROUPS_MAX,
  CONTEXT_SEQ_MAX,
  CONTEXT_VECTOR_LENGTH_MAX,
  CONTEXT_VIEW_ID_MAX,
} from './context/causal-context.js';
export type { GroupCausality } from './context/causal-context.js';
export type { Timing } from './protocol/timing.js';
export { DEFAULT_TIMING } from './protocol/timing.js';
export type { Wire, Address, PeerDownReason, PeerDownListener } from './wire/wire.js';
export type { Clock, TimerHandle } from './env/clock.js';
export { realClock } from './env/clock.js';
export type { Random } from './env/random.js';
export { realRandom, seededRandom } from './env/random.js';
export type { Serializer } from './util/serializer.js';
export { jsonSerializer } from './util/serializer.js';
export {
  CausalContextUnsatisfiedError,
  CohortError,
  ConnectTimeoutError,
  DecodeError,
  ExcludedError,
  GroupClosedError,
  InvalidArgumentError,
  JoinTimeoutError,
  NotAcceptedError,
  ViewTimeoutError,
  isCohortError,
} from './errors.js';
export { authenticate, type AuthenticateOptions, type AuthenticatedWire, type AuthenticatedWireStats } from './wire/authenticated-wire.js';
export { tcpWire, TcpWire, WireListenError } from './wire/tcp/index.js';
export type { TcpWireOptions, TcpWireStats, TcpWireTlsOptions } from './wire/tcp/index.js';
export { TraceRecorder, memoryTraceSink } from './trace/trace-recorder.js';
export type { TraceRecorderOptions, TraceSink } from './trace/trace-recorder.js';
export { traceFile } from './trace/trace-file.js';
export type { TraceFile } from './trace/trace-file.js';
export type { HoldReason, TraceEvent, TraceExtra, TraceHeader, VectorTimestamp } from './trace/trace-event.js';
