import { Group } from '@cohort/core';
import { GroupDispatcher } from '../transport/group-dispatcher.js';
import type { GroupExplorer } from '../explorer/group.explorer.js';
import type { GroupModuleOptions } from './group-module.options.js';

/** Injection token of the GroupHandle (internal to GroupModule). */
export const GROUP_HANDLE = Symbol('cohort:group-handle');

/** The joined member, its dispatcher and the hold that keeps deliveries back until the app is ready. */
export interface GroupHandle {
  readonly group: Group;
  readonly dispatcher: GroupDispatcher;
  readonly options: GroupModuleOptions;
  /** Ends the hold taken at join (idempotent). */
  readonly release: () => void;
}

/**
 * Joins the group and, in the same turn, holds its deliveries and registers every topic the
 * application will handle, so that nothing delivered before the handlers are bound is lost.
 * The view joined in is queued at once behind the hold (so `@OnView` methods have it by the
 * time the application is initialised); the core's own 'view' event for it, one turn later,
 * is recognised by its view id and not passed on twice.
 */
export async function joinGroup(options: GroupModuleOptions, explorer: GroupExplorer): Promise<GroupHandle> {
  const { name, leaveOnShutdown: _leave, ...joinOptions } = options;
  const group = await Group.join(name, joinOptions);
  const dispatcher = GroupDispatcher.for(group);
  const release = dispatcher.hold({ replayCurrentView: true });
  dispatcher.expect(explorer.expectedTopics());
  return { group, dispatcher, options, release };
}
