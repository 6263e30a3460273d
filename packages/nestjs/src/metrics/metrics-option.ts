import { groupMetrics, InvalidArgumentError, type Group, type GroupMetrics, type MetricsAttributes, type MetricsMeter } from '@cohort/core';
import { metrics } from '@opentelemetry/api';

/** The instrumentation scope of the meter the module asks a MeterProvider for. */
export const COHORT_METER_NAME = '@cohort/core';

/** A MeterProvider as far as the module needs one (@opentelemetry/api's, or an SDK's). */
export interface MeterProviderLike {
  getMeter(name: string): MetricsMeter;
}

/**
 * GroupModule's `metrics` option: `true` observes the member with the global MeterProvider
 * (`metrics.getMeterProvider()` of @opentelemetry/api: whatever SDK the application
 * registered); an object names the provider or the meter, and attributes to add.
 */
export interface GroupModuleMetricsOptions {
  /** Default: the global one. */
  meterProvider?: MeterProviderLike;
  /** A meter of your own (then `meterProvider` is not asked). */
  meter?: MetricsMeter;
  /** Added to every observation, e.g. `{ 'service.instance.id': ... }`. */
  attributes?: MetricsAttributes;
}

/** Checks the option before the join (a bad one must not leave a member behind). */
export function meterFor(
  option: boolean | GroupModuleMetricsOptions | undefined,
): { meter: MetricsMeter; attributes?: MetricsAttributes } | null {
  if (option === undefined || option === false) return null;
  if (option === true) return { meter: metrics.getMeterProvider().getMeter(COHORT_METER_NAME) };
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw new InvalidArgumentError('GroupModule option metrics must be true, false or { meterProvider?, meter?, attributes? }');
  }
  if (option.meterProvider !== undefined && typeof option.meterProvider?.getMeter !== 'function') {
    throw new InvalidArgumentError('GroupModule option metrics.meterProvider must be a MeterProvider (getMeter)');
  }
  const meter = option.meter ?? (option.meterProvider ?? metrics.getMeterProvider()).getMeter(COHORT_METER_NAME);
  return { meter, ...(option.attributes ? { attributes: option.attributes } : {}) };
}

/** Observes the joined member; null when metrics are off. */
export function observeGroup(group: Group, meter: ReturnType<typeof meterFor>): GroupMetrics | null {
  return meter ? groupMetrics(group, meter) : null;
}
