import { Group } from '@cohort/core';
import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { GroupClient } from '../client/group.client.js';
import { COHORT_GROUP } from '../constants.js';
import { GroupExplorer } from '../explorer/group.explorer.js';
import { GroupMetadataScanner } from '../explorer/group-metadata.scanner.js';
import { GROUP_HANDLE, joinGroup, type GroupHandle } from './group-handle.js';
import { GroupLifecycle } from './group-lifecycle.js';
import { ConfigurableGroupModule, GROUP_MODULE_OPTIONS } from './group.module-definition.js';
import type { GroupModuleOptions } from './group-module.options.js';

/**
 * Makes this application a member of a group: `GroupModule.forRoot({ name, wire, seeds })`
 * or `forRootAsync({ useFactory, inject })`. Provides the member's `Group` (token
 * COHORT_GROUP, or the Group class), a member-mode `GroupClient`, binds `@Multicast()` and
 * `@OnView()` methods, and leaves the group on shutdown. Global by default (`isGlobal`).
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    GroupMetadataScanner,
    GroupExplorer,
    {
      provide: GROUP_HANDLE,
      inject: [GROUP_MODULE_OPTIONS, GroupExplorer],
      useFactory: (options: GroupModuleOptions, explorer: GroupExplorer) => joinGroup(options, explorer),
    },
    { provide: COHORT_GROUP, inject: [GROUP_HANDLE], useFactory: (handle: GroupHandle) => handle.group },
    { provide: Group, useExisting: COHORT_GROUP },
    { provide: GroupClient, inject: [COHORT_GROUP], useFactory: (group: Group) => new GroupClient({ group }) },
    GroupLifecycle,
  ],
  exports: [COHORT_GROUP, Group, GroupClient],
})
export class GroupModule extends ConfigurableGroupModule {}
