import type { BlockedReason, Group, GroupStatus } from '@cohort/core';

/** Why a member is not healthy, one word each (in the indicator's details as `problems`). */
export type GroupHealthProblem = 'not-in-view' | 'blocked' | 'window-saturated' | 'state-not-transferred';

/** What the health indicator reports of one member (no terminus needed to compute it). */
export interface GroupHealth {
  /** In a primary view, not blocked, send window not saturated, state transferred. */
  readonly healthy: boolean;
  readonly problems: readonly GroupHealthProblem[];
  readonly state: GroupStatus['state'];
  readonly view: { readonly id: number; readonly members: number; readonly coordinator: string } | null;
  readonly blocked: Pick<BlockedReason, 'code' | 'message'> | null;
  /** `saturated`: the next multicast would wait (the window is full, or a member lags). */
  readonly window: { readonly messages: number; readonly messagesMax: number; readonly slowMembers: number; readonly saturated: boolean };
  readonly stateTransferred: boolean;
  /** Multicasts issued and not yet sent. */
  readonly pendingMessages: number;
}

/**
 * The member's health, read from `group.status` and `group.stats`. A member is in a primary
 * view exactly when its state is 'member': Cohort installs views only with a quorum, and a
 * member that lost its quorum is 'blocked'; joining, rejoining and closed members are in none.
 */
export function groupHealth(group: Group): GroupHealth {
  const status = group.status;
  const stats = group.stats;
  const saturated = stats.windowMessages >= stats.windowMessagesMax || stats.slowMembers > 0;
  const problems: GroupHealthProblem[] = [];
  if (status.state === 'blocked') problems.push('blocked');
  else if (status.state !== 'member') problems.push('not-in-view');
  if (saturated) problems.push('window-saturated');
  if (!status.stateTransferred) problems.push('state-not-transferred');
  const view = status.view;
  return {
    healthy: problems.length === 0,
    problems,
    state: status.state,
    view: view ? { id: view.id, members: view.members.length, coordinator: view.coordinator } : null,
    blocked: status.blocked ? { code: status.blocked.code, message: status.blocked.message } : null,
    window: { messages: stats.windowMessages, messagesMax: stats.windowMessagesMax, slowMembers: stats.slowMembers, saturated },
    stateTransferred: status.stateTransferred,
    pendingMessages: stats.pendingMessages,
  };
}
