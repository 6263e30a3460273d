import { Group, type CohortLogger, type GroupMetrics } from '@cohort/core';
import { Logger } from '@nestjs/common';
import { GroupDispatcher } from '../transport/group-dispatcher.js';
import type { GroupExplorer } from '../explorer/group.explorer.js';
import type { GroupModuleOptions } from './group-module.options.js';
import { meterFor, observeGroup } from '../metrics/metrics-option.js';

/** Injection token of the GroupHandle (internal to GroupModule). */
export const GROUP_HANDLE = Symbol('cohort:group-handle');

/** The context of the member's lines in Nest's log. */
export const COHORT_LOG_CONTEXT = 'Cohort';

/** The module's `logger` option: the user's logger, none (`false`), or Nest's Logger by default. */
export function memberLogger(logger: CohortLogger | false | undefined): CohortLogger | undefined {
  if (logger === false) return undefined;
  return logger ?? new Logger(COHORT_LOG_CONTEXT);
}

/** The joined member, its dispatcher and the hold that keeps deliveries back until the app is ready. */
export interface GroupHandle {
  readonly group: Group;
  readonly dispatcher: GroupDispatcher;
  readonly options: GroupModuleOptions;
  /** Ends the hold taken at join (idempotent). */
  readonly release: () => void;
  /** The member's OpenTelemetry instruments (the `metrics` option), closed at shutdown. */
  readonly metrics: GroupMetrics | null;
}

/**
 * Joins the group and, in the same turn, holds its deliveries and registers every topic the
 * application will handle, so that nothing delivered before the handlers are bound is lost.
 * Taken in the turn the join resolves, the hold keeps the view joined in too: the core emits
 * it when the hold ends (at bootstrap), so `@OnView` methods have it, once, by the time the
 * application is initialised.
 */
export async function joinGroup(options: GroupModuleOptions, explorer: GroupExplorer): Promise<GroupHandle> {
  const { name, leaveOnShutdown: _leave, logger, metrics: metricsOption, ...joinOptions } = options;
  const resolved = memberLogger(logger);
  let meter: ReturnType<typeof meterFor>;
  try {
    meter = meterFor(metricsOption);
  } catch (error) {
    // Refused before the join, as Group.join refuses its own options: the wire closed, no member behind.
    await joinOptions.wire?.close?.().catch(() => undefined);
    throw error;
  }
  const group = await Group.join(name, resolved ? { ...joinOptions, logger: resolved } : joinOptions);
  const dispatcher = GroupDispatcher.for(group);
  const release = dispatcher.hold('application');
  try {
    dispatcher.expect(explorer.expectedTopics());
    return { group, dispatcher, options, release, metrics: observeGroup(group, meter) };
  } catch (error) {
    // The application will not start (a handler's topic is refused, say): the member must not
    // stay behind in the view, holding its deliveries and answering joiners it never admits.
    await group.leave().catch(() => undefined);
    throw error;
  }
}
