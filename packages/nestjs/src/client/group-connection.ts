import { GroupConnection } from '@cohort/core';
import type { GroupConnectionClientOptions } from './group-client.options.js';

/** Opens a connection to a group from outside it (resolves once a member told the view). */
export function openGroupConnection(options: GroupConnectionClientOptions): Promise<GroupConnection> {
  const { name, defaults: _defaults, ...connection } = options;
  return GroupConnection.open(name, connection);
}
