import type { Group, GroupConnectionOptions } from '@cohort/core';
import type { GroupCallOptions } from '../common/call-options.js';

interface ClientDefaults {
  /** Defaults for every call of this client; a GroupRecord's options override them. */
  readonly defaults?: GroupCallOptions;
}

/** A member calls through its own Group (GroupModule's: `ClientsModule.registerAsync` with `inject: [COHORT_GROUP]`). */
export interface GroupMemberClientOptions extends ClientDefaults {
  readonly group: Group;
}

/**
 * A process outside the group calls through a GroupConnection: `mode` 'relay' (a member
 * multicasts the request for it; every order; the default) or 'direct' (fifo only).
 */
export interface GroupConnectionClientOptions extends ClientDefaults, GroupConnectionOptions {
  /** The group's name. */
  readonly name: string;
}

export type GroupClientOptions = GroupMemberClientOptions | GroupConnectionClientOptions;
