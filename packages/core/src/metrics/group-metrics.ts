import type { Group } from '../group.js';
import type { GroupStatus } from '../group-options.js';
import type { CallRecord, GroupStats } from '../group-stats.js';
import { addressOf } from '../protocol/types.js';
import { InvalidArgumentError } from '../errors.js';

/*
 * The OpenTelemetry binding of a Group's counters and gauges. Core has no runtime dependency:
 * these few interfaces are the part of @opentelemetry/api's `Meter` the binding calls, so a
 * real Meter (`metrics.getMeter('cohort')`, any SDK, any exporter) is one of them. Counters
 * and gauges are observable instruments that read `group.stats` once per collection; the
 * call latency is a histogram fed by the Group's 'call' event.
 */

export type MetricsAttributes = Record<string, string | number | boolean>;

/** What an observable instrument is to the binding: a handle to observe it by. */
export type MetricsObservable = object;

export interface MetricsInstrumentOptions {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}

export interface MetricsBatchResult {
  observe(observable: MetricsObservable, value: number, attributes?: MetricsAttributes): void;
}

/** The part of an OpenTelemetry `Meter` (@opentelemetry/api 1.x) that groupMetrics uses. */
export interface MetricsMeter {
  createObservableCounter(name: string, options?: MetricsInstrumentOptions): MetricsObservable;
  createObservableUpDownCounter(name: string, options?: MetricsInstrumentOptions): MetricsObservable;
  createObservableGauge(name: string, options?: MetricsInstrumentOptions): MetricsObservable;
  createHistogram(name: string, options?: MetricsInstrumentOptions): { record(value: number, attributes?: MetricsAttributes): void };
  addBatchObservableCallback(callback: (result: MetricsBatchResult) => void, observables: MetricsObservable[]): void;
  removeBatchObservableCallback(callback: (result: MetricsBatchResult) => void, observables: MetricsObservable[]): void;
}

export interface GroupMetricsOptions {
  meter: MetricsMeter;
  /** Added to every observation (after `cohort.group` and `cohort.member`), e.g. a service name. */
  attributes?: MetricsAttributes;
}

export interface GroupMetrics {
  /** Stops observing the group (idempotent); the instruments stay in the meter, silent. */
  close(): void;
}

type Kind = 'counter' | 'updown' | 'gauge';
/** One value, or one value per extra attribute set. */
type Reading = number | readonly (readonly [number, MetricsAttributes])[];

interface MetricSpec {
  readonly name: string;
  readonly kind: Kind;
  readonly unit: string;
  readonly description: string;
  readonly read: (stats: GroupStats, status: GroupStatus) => Reading;
}

const STATES: readonly GroupStatus['state'][] = ['joining', 'member', 'blocked', 'rejoining', 'closed'];

/**
 * Every instrument the binding creates, by its OpenTelemetry name (a Prometheus exporter
 * writes `cohort.messages.sent` as `cohort_messages_sent_total`). Counters count for the life
 * of the Group, across rejoins.
 */
export const GROUP_METRICS: readonly MetricSpec[] = [
  {
    name: 'cohort.messages.sent',
    kind: 'counter',
    unit: '{message}',
    description: 'Multicasts this member sent',
    read: (s) => s.messagesSent,
  },
  {
    name: 'cohort.messages.delivered',
    kind: 'counter',
    unit: '{message}',
    description: 'Messages delivered to this member',
    read: (s) => s.messagesDelivered,
  },
  {
    name: 'cohort.messages.retransmitted',
    kind: 'counter',
    unit: '{message}',
    description: "Messages this member sent again on a member's nak",
    read: (s) => s.messagesRetransmitted,
  },
  {
    name: 'cohort.messages.orphaned',
    kind: 'counter',
    unit: '{message}',
    description: 'Messages discarded at a flush: a causal predecessor was lost in a crash',
    read: (s) => s.orphansDiscarded,
  },
  {
    name: 'cohort.window.waits',
    kind: 'counter',
    unit: '{wait}',
    description: 'Times a multicast waited for the send window',
    read: (s) => s.windowWaits,
  },
  {
    name: 'cohort.view.changes',
    kind: 'counter',
    unit: '{view}',
    description: 'Views this member installed',
    read: (s) => s.viewsInstalled,
  },
  {
    name: 'cohort.frames.rejected',
    kind: 'counter',
    unit: '{frame}',
    description: 'Frames refused: malformed, breaking an invariant, or of another epoch',
    read: (s) => [
      [s.framesMalformed, { 'cohort.frame.reason': 'malformed' }],
      [s.framesRejected, { 'cohort.frame.reason': 'invalid' }],
      [s.framesOtherEpoch, { 'cohort.frame.reason': 'other_epoch' }],
    ],
  },
  {
    name: 'cohort.frames.dropped',
    kind: 'counter',
    unit: '{frame}',
    description: 'Stale or unexpected frames dropped (a past view, a non-member)',
    read: (s) => s.framesDropped,
  },
  {
    name: 'cohort.joins.refused',
    kind: 'counter',
    unit: '{join}',
    description: 'Joins this coordinator refused: the view was full',
    read: (s) => s.joinsRefused,
  },
  {
    name: 'cohort.client_requests.refused',
    kind: 'counter',
    unit: '{request}',
    description: 'Client requests this member refused',
    read: (s) => s.clientRequestsRefused,
  },
  {
    name: 'cohort.calls',
    kind: 'counter',
    unit: '{call}',
    description: 'Synchronous multicasts of this member, by outcome',
    read: (s) => [
      [s.callsQuorumMet, { 'cohort.call.outcome': 'quorum-met' }],
      [s.callsQuorumNotMet, { 'cohort.call.outcome': 'quorum-not-met' }],
      [s.callsFailed, { 'cohort.call.outcome': 'failed' }],
    ],
  },
  {
    name: 'cohort.calls.in_flight',
    kind: 'updown',
    unit: '{call}',
    description: 'Synchronous multicasts waiting for replies',
    read: (s) => s.callsInFlight,
  },
  {
    name: 'cohort.messages.unstable',
    kind: 'updown',
    unit: '{message}',
    description: 'Messages held until every member has them',
    read: (s) => s.unstableMessages,
  },
  {
    name: 'cohort.queue.messages',
    kind: 'updown',
    unit: '{message}',
    description: 'Messages waiting: for their order (causal, total, safe, group), for the handlers, or to be sent',
    read: (s) => [
      [s.orderQueueMessages, { 'cohort.queue': 'order' }],
      [s.deliveryQueueMessages, { 'cohort.queue': 'delivery' }],
      [s.pendingMessages, { 'cohort.queue': 'pending' }],
    ],
  },
  {
    name: 'cohort.window.messages',
    kind: 'updown',
    unit: '{message}',
    description: "This member's multicasts not yet stable",
    read: (s) => s.windowMessages,
  },
  {
    name: 'cohort.window.limit',
    kind: 'updown',
    unit: '{message}',
    description: 'The send window (windowMessagesMax)',
    read: (s) => s.windowMessagesMax,
  },
  {
    name: 'cohort.members.slow',
    kind: 'gauge',
    unit: '{member}',
    description: 'Members of the view whose application lags',
    read: (s) => s.slowMembers,
  },
  {
    name: 'cohort.view.members',
    kind: 'gauge',
    unit: '{member}',
    description: 'Members of the installed view',
    read: (s) => s.viewMembers,
  },
  {
    name: 'cohort.view.id',
    kind: 'gauge',
    unit: '1',
    description: 'The id of the installed view',
    read: (_s, status) => status.view?.id ?? 0,
  },
  {
    name: 'cohort.member.state',
    kind: 'gauge',
    unit: '1',
    description: '1 for the state this member is in (joining, member, blocked, rejoining, closed), 0 for the others',
    read: (_s, status) => STATES.map((state) => [state === status.state ? 1 : 0, { 'cohort.member.state': state }] as const),
  },
  {
    name: 'cohort.state.transferred',
    kind: 'gauge',
    unit: '1',
    description: "1 once the member has the group's state (formed it, or applied what it joined with)",
    read: (_s, status) => (status.stateTransferred ? 1 : 0),
  },
];

/** Call durations in seconds: from a loopback round trip to the longest timeout. */
const CALL_DURATION_BOUNDARIES_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Observes one Group with an OpenTelemetry Meter: the counters and gauges of GROUP_METRICS
 * (read from `group.stats` at each collection) and the histogram `cohort.call.duration`
 * (seconds, by `cohort.call.outcome` and `cohort.order`). Every observation carries
 * `cohort.group` (the group's name) and `cohort.member` (this member's address: the same
 * across rejoins). Call `close()` when the group is left.
 */
export function groupMetrics(group: Group, options: GroupMetricsOptions): GroupMetrics {
  const meter = options?.meter;
  if (!meter || typeof meter.addBatchObservableCallback !== 'function' || typeof meter.createHistogram !== 'function') {
    throw new InvalidArgumentError('groupMetrics() takes { meter }, an OpenTelemetry Meter (metrics.getMeter(...) of @opentelemetry/api)');
  }
  const base: MetricsAttributes = { 'cohort.group': group.name, 'cohort.member': addressOf(group.me), ...options.attributes };
  const instruments = GROUP_METRICS.map((spec) => {
    const instrumentOptions = { description: spec.description, unit: spec.unit };
    const create =
      spec.kind === 'counter'
        ? meter.createObservableCounter
        : spec.kind === 'updown'
          ? meter.createObservableUpDownCounter
          : meter.createObservableGauge;
    return { spec, observable: create.call(meter, spec.name, instrumentOptions) };
  });
  const observe = (result: MetricsBatchResult): void => {
    const stats = group.stats;
    const status = group.status;
    for (const { spec, observable } of instruments) {
      const reading = spec.read(stats, status);
      if (typeof reading === 'number') result.observe(observable, reading, base);
      else for (const [value, extra] of reading) result.observe(observable, value, { ...base, ...extra });
    }
  };
  const observables = instruments.map((instrument) => instrument.observable);
  meter.addBatchObservableCallback(observe, observables);

  const duration = meter.createHistogram('cohort.call.duration', {
    description: 'Synchronous multicasts of this member: from the call to its outcome',
    unit: 's',
    advice: { explicitBucketBoundaries: CALL_DURATION_BOUNDARIES_S },
  });
  const stopCalls = group.on('call', (record: CallRecord) => {
    duration.record(record.durationMs / 1000, { ...base, 'cohort.call.outcome': record.outcome, 'cohort.order': record.order });
  });

  let closed = false;
  return {
    close: () => {
      if (closed) return;
      closed = true;
      stopCalls();
      meter.removeBatchObservableCallback(observe, observables);
    },
  };
}
