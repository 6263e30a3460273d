import { compareBallots, type Ballot, type FlushValue, type MembershipBody } from './membership.header.js';

/**
 * The acceptor's part played by a joiner that restarted at the address of a member of the
 * group's view (docs/protocol.md, "Stand-ins"): the coordinator may count its vote in place of
 * the crashed incarnation. It has no memory of that incarnation, so it promises with an empty
 * digest and no held messages; what it promises and accepts from its own start on it keeps,
 * like any acceptor, for the view change of one view at a time.
 */
/** How far above the coordinator's last told round a ballot may be and still be believed. */
const ROUND_STEP_MAX = 64;

export class StandInAcceptor {
  private viewId = 0;
  /** The admitting coordinator's round, as its join-pending said (its ballots stay near it). */
  private roundSeen = 0;

  roundsSeen(round: number): void {
    if (round > this.roundSeen) this.roundSeen = round;
  }
  private promised: Ballot | null = null;
  private accepted: { ballot: Ballot; value: FlushValue } | null = null;

  /** The answer to a prepare for the change that ends view `viewId`, or null to stay silent. */
  onPrepare(viewId: number, ballot: Ballot): MembershipBody | null {
    if (!this.at(viewId) || ballot.round > this.roundSeen + ROUND_STEP_MAX) return null;
    if (this.promised && compareBallots(ballot, this.promised) < 0) return { type: 'reject', promised: this.promised };
    this.promised = ballot;
    return { type: 'promise', ballot, digest: [], held: [], accepted: this.accepted };
  }

  onAccept(viewId: number, ballot: Ballot, value: FlushValue): MembershipBody | null {
    if (!this.at(viewId) || value.viewId !== viewId + 1 || ballot.round > this.roundSeen + ROUND_STEP_MAX) return null;
    if (this.promised && compareBallots(ballot, this.promised) < 0) return { type: 'reject', promised: this.promised };
    this.promised = ballot;
    this.accepted = { ballot, value };
    return { type: 'accepted', ballot };
  }

  /** A change of a later view starts afresh; one of an earlier view is over and ignored. */
  private at(viewId: number): boolean {
    if (viewId < this.viewId || viewId === 0) return false;
    if (viewId > this.viewId) {
      this.viewId = viewId;
      this.promised = null;
      this.accepted = null;
    }
    return true;
  }
}
