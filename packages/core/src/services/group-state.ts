import type { GroupView } from '../group-options.js';
import type { Member } from '../protocol/member.js';
import type { MemberId } from '../protocol/types.js';

/**
 * Where this member stands, read by the facade and its services as plain fields (the send and
 * delivery paths read them per message). The lifecycle (Incarnations) changes it; the state
 * transfer sets `stateTransferred`.
 */
export class GroupState {
  /** The current incarnation of the member (unset until the first starts). */
  member!: Member;
  closed = false;
  /** Between an exclusion and the next incarnation's join. */
  rejoining = false;
  /** The view the handlers have reached (`installedView` is the one the protocol installed last). */
  currentView: GroupView | null = null;
  installedView: GroupView | null = null;
  /** The members of the view this member installed last, kept across a rejoin: their replies count. */
  lastViewMembers: readonly MemberId[] = [];
  /** The state this incarnation joined with is applied (or there was none to apply): `status.stateTransferred`. */
  stateTransferred = false;
}
