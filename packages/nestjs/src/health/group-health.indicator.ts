import type { Group } from '@cohort/core';
import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { COHORT_GROUP } from '../constants.js';
import { groupHealth, type GroupHealth } from './group-health.js';

export interface GroupHealthCheckOptions {
  /**
   * What a saturated send window makes the indicator (default 'down'). A window fills under a
   * burst and empties as acks come: 'degraded' keeps such a member in service (HTTP 200) and
   * still says so.
   */
  readonly saturatedWindow?: 'down' | 'degraded';
}

/**
 * A @nestjs/terminus indicator for the application's member: up only in a primary view, not
 * blocked, with room in its send window, and with the group's state transferred; the details
 * (`GroupHealth` without `healthy`) say where it stands either way.
 *
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.group.isHealthy('cohort')]); }
 * ```
 * Provide it in a module that imports TerminusModule (GroupModule provides the Group).
 */
@Injectable()
export class GroupHealthIndicator {
  constructor(
    @Inject(COHORT_GROUP) private readonly group: Group,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
  ) {}

  isHealthy<const Key extends string = 'cohort'>(
    key: Key = 'cohort' as Key,
    options: GroupHealthCheckOptions = {},
  ): HealthIndicatorResult<Key> {
    const indicator = this.indicators.check(key);
    const { healthy, ...details } = groupHealth(this.group);
    if (healthy) return indicator.up(details);
    const onlyWindow = details.problems.length === 1 && details.problems[0] === 'window-saturated';
    return onlyWindow && options.saturatedWindow === 'degraded' ? indicator.degraded(details) : indicator.down(details);
  }
}

export type { GroupHealth };
