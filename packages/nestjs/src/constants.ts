/** Nest's transport id for the group transport: `@MessagePattern(topic, GROUP_TRANSPORT)` binds a handler to it only. */
export const GROUP_TRANSPORT: unique symbol = Symbol('cohort:group-transport');

/** Injection token of the member's `Group` (GroupModule); `@InjectGroup()` is shorthand for it. */
export const COHORT_GROUP: unique symbol = Symbol('cohort:group');

/** Metadata keys: every decorator of this package writes under the `cohort:` namespace only. */
export const MULTICAST_METADATA = 'cohort:multicast';
export const GROUP_MEMBER_METADATA = 'cohort:group-member';
export const ON_VIEW_METADATA = 'cohort:on-view';

/** The request header, response header and packet metadata key that carry a causal context. */
export const CAUSAL_CONTEXT_HEADER = 'x-cohort-context';

/** Injection token of CausalModule.forRoot()'s options. */
export const CAUSAL_MODULE_OPTIONS: unique symbol = Symbol('cohort:causal-module-options');
