import type { GroupOptions } from '@cohort/core';

/** GroupModule.forRoot(): the group to join and how (every option of `Group.join`). */
export interface GroupModuleOptions extends GroupOptions {
  /** The group's name. */
  name: string;
  /** Leave the group when the application shuts down (default true). */
  leaveOnShutdown?: boolean;
}
