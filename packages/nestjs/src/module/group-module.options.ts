import type { CohortLogger, GroupOptions } from '@cohort/core';
import type { GroupModuleMetricsOptions } from '../metrics/metrics-option.js';

/** GroupModule.forRoot(): the group to join and how (every option of `Group.join`). */
export interface GroupModuleOptions extends Omit<GroupOptions, 'logger'> {
  /**
   * Where the member's lines go (join, view change, exclusion, block, rejoin, leave, errors,
   * rejected frames): by default Nest's `Logger` with context 'Cohort', so the application's
   * logger and log levels apply; any other logger (a Nest LoggerService fits); or `false` for
   * none (the member's errors are then logged by Nest's 'GroupDispatcher' context, as before).
   */
  logger?: CohortLogger | false;
  /** The group's name. */
  name: string;
  /** Leave the group when the application shuts down (default true). */
  leaveOnShutdown?: boolean;
  /**
   * OpenTelemetry metrics of the member (docs/nestjs.md, Metrics): `true` for the global
   * MeterProvider, or `{ meterProvider?, meter?, attributes? }`. Default: none.
   */
  metrics?: boolean | GroupModuleMetricsOptions;
}
