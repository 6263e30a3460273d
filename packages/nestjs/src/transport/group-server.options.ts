import type { Group, GroupOptions } from '@cohort/core';

/**
 * Either the member to serve with (GroupModule's, injected through the microservice's
 * `useFactory`/`inject` options or `app.get(COHORT_GROUP)`), or what the server needs to join
 * (or form) a group of its own when it starts listening, and leave when it closes.
 */
export type GroupServerOptions = { readonly group: Group } | ({ readonly name: string } & GroupOptions);
