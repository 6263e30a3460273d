/**
 * @cohort/nestjs — virtual synchrony for NestJS. The public API; the machinery behind it
 * (GroupDispatcher, GroupMetadataScanner, GroupExplorer) is in '@cohort/nestjs/internal'.
 */
export { GROUP_TRANSPORT, COHORT_GROUP, CAUSAL_CONTEXT_HEADER, CAUSAL_MODULE_OPTIONS } from './constants.js';

export { GroupServer } from './transport/group.server.js';
export type { GroupServerEvents, GroupStatus } from './transport/group.server.js';
export type { GroupServerOptions } from './transport/group-server.options.js';
export { GroupContext } from './transport/group.context.js';
export type { ViewChange, ViewChangeKind } from './transport/view-change.js';

export { GroupClient } from './client/group.client.js';
export type { GroupClientEvents, GroupClientStatus } from './client/group.client.js';
export type { GroupClientOptions, GroupMemberClientOptions, GroupConnectionClientOptions } from './client/group-client.options.js';
export { GroupRecord, GroupRecordBuilder } from './client/group-record.builder.js';
export type { GroupRecordOptions } from './client/group-record.builder.js';

export { GroupModule } from './module/group.module.js';
export type { GroupModuleMetricsOptions, MeterProviderLike } from './metrics/metrics-option.js';
export { COHORT_METER_NAME } from './metrics/metrics-option.js';
// The health of the member without terminus; the indicator itself: '@cohort/nestjs/health'.
export { groupHealth } from './health/group-health.js';
export type { GroupHealth, GroupHealthProblem } from './health/group-health.js';
export { GROUP_MODULE_OPTIONS } from './module/group.module-definition.js';
export type { GroupModuleOptions } from './module/group-module.options.js';

export { Multicast } from './decorators/multicast.decorator.js';
export type { MulticastOptions } from './decorators/multicast.decorator.js';
export { GroupMember } from './decorators/group-member.decorator.js';
export { OnView } from './decorators/on-view.decorator.js';
export type { OnViewOptions } from './decorators/on-view.decorator.js';
export { InjectGroup } from './decorators/inject-group.decorator.js';

export { CausalModule } from './causal/causal.module.js';
export type { CausalModuleOptions } from './causal/causal.module.js';
export { CAUSAL_KEY_BYTES_MIN } from './causal/causal-signing.js';
export type { CausalHeaderOptions } from './causal/causal-http.js';
export { CausalInterceptor } from './causal/causal.interceptor.js';
export { instrumentClientProxy } from './causal/causal-client.instrumentation.js';
export { instrumentClientTracing } from './causal/causal-trace-client.instrumentation.js';
export { instrumentGroup } from './causal/causal-group.instrumentation.js';
export { causalHeaders, absorbCausalHeader } from './causal/causal-http.js';
export { currentCausalContext, absorbCausalContext, runInCausalCell } from './causal/causal-scope.js';

export type { GroupCallOptions } from './common/call-options.js';
export type { Gather, GatherContext } from './common/gather.js';
export { gatherReplies } from './common/gather.js';
export { GroupReplyError } from './common/errors.js';

export { CohortExceptionFilter, COHORT_EXCEPTION_FILTER_OPTIONS } from './http/cohort-exception.filter.js';
export type { CohortExceptionFilterOptions } from './http/cohort-exception.filter.js';
export { COHORT_HTTP_STATUSES, cohortHttpStatus, cohortErrorBody } from './http/cohort-http-status.js';
export type { CohortErrorBody, CohortRepliesBody, CohortHttpMapping } from './http/cohort-http-status.js';
