/**
 * @cohort/nestjs/health — the @nestjs/terminus indicator. A subpath of its own, so that only
 * applications that check health need @nestjs/terminus (an optional peer dependency).
 */
export { GroupHealthIndicator } from './group-health.indicator.js';
export type { GroupHealthCheckOptions } from './group-health.indicator.js';
export { groupHealth } from './group-health.js';
export type { GroupHealth, GroupHealthProblem } from './group-health.js';
