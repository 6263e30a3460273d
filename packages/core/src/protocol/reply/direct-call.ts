import { CausalContext } from '../../context/causal-context.js';
import type { MemberId } from '../types.js';
import { repliesNeeded, type ReplyQuorum } from './quorum.js';
import { Replies, type Reply } from './replies.js';

/** A member would not take a direct request (a limit of its group's, a malformed request). */
export interface Refusal {
  readonly code: string;
  readonly message: string;
}

/** How a direct call ended: its replies, and whether its timeout ended it. */
export interface DirectOutcome {
  readonly replies: Replies;
  /** The timeout struck while members were still to answer. */
  readonly timedOut: boolean;
  /** The members that refused the request (they are in `replies.errors` too), in arrival order. */
  readonly refusals: readonly { readonly member: MemberId; readonly refusal: Refusal }[];
}

interface KnownView {
  readonly id: number;
  readonly members: readonly MemberId[];
}

/**
 * A client's side of one direct request (GroupConnection, mode 'direct'): the request goes to
 * every member of the client's view, labelled with it, and each member runs it once, in the
 * view it is in when it takes it (the label); its reply names that view and its rank there.
 * So when the view changes during a call, members may run one request in different views,
 * whose divisions of the work (`shareOf`) differ. The rules (docs/replies.md):
 *
 * - The call's view is the one it waits on: the client's view when it sends, replaced by each
 *   newer view until a first answer comes (the request moves on whole: a member that refused
 *   the stale label runs it in the newer view). From the first answer on it stays: a newer
 *   view only ends the wait for its members gone from it (`failed`), and a joiner is not
 *   asked, as for a call delivered in one view.
 * - It ends once the quorum of that view's members answered, no member is left to wait for,
 *   or the timeout struck.
 * - `viewId`, `expected`, `failed`, `slow` and `quorumMet` are of the call's view (`quorumMet`:
 *   its quorum answered, whatever view each ran the request in; a refusal does not count).
 *   `missingRanks` and `gather()` count only the replies run in that view: a member that ran
 *   it in another view answered for another division of the work. Complete, or visibly
 *   incomplete: never parts of two divisions merged as one.
 */
export class DirectCall {
  private readonly views = new Map<number, KnownView>();
  private newest: KnownView;
  /** The view the call waits on (see the class comment); its members are the ones waited for. */
  private view: KnownView;
  /** Every member the request went (or goes) to: a reply from anyone else is not one. */
  private readonly asked = new Set<MemberId>();
  /** Replies and refusals, by member, in arrival order; each names the view it ran (or was refused) in. */
  private readonly answers = new Map<MemberId, Reply>();
  private readonly refusals: { member: MemberId; refusal: Refusal }[] = [];
  private readonly failed = new Set<MemberId>();
  private settled = false;

  constructor(
    private readonly quorum: Exclude<ReplyQuorum, 'none'>,
    view: KnownView,
    private readonly done: (outcome: DirectOutcome) => void,
  ) {
    this.newest = { id: view.id, members: [...view.members] };
    this.view = this.newest;
    this.views.set(view.id, this.newest);
    for (const member of view.members) this.asked.add(member);
  }

  get isSettled(): boolean {
    return this.settled;
  }

  /** The client learned a newer view (see the class comment for what it changes). */
  viewChanged(id: number, members: readonly MemberId[]): void {
    if (this.settled || id <= this.newest.id) return;
    this.newest = { id, members: [...members] };
    this.views.set(id, this.newest);
    for (const member of this.view.members) if (!members.includes(member) && !this.answers.has(member)) this.failed.add(member);
    if (this.answers.size === 0) {
      this.view = this.newest;
      for (const member of members) this.asked.add(member);
    }
    this.check();
  }

  /** The members still to answer: the label goes to them again. */
  waitingFor(): MemberId[] {
    return this.view.members.filter((member) => !this.answers.has(member) && !this.failed.has(member));
  }

  /** True if the reply counts: the first answer of a member asked, naming a view the request was labelled with. */
  reply(member: MemberId, viewId: number, reply: Reply): boolean {
    if (!this.accepts(member, viewId)) return false;
    this.answers.set(member, { ...reply, viewId });
    this.failed.delete(member);
    this.check();
    return true;
  }

  /** `member` refused the request in view `viewId`: it will not run it; the refusal is its answer (an error reply). */
  refused(member: MemberId, viewId: number, refusal: Refusal): boolean {
    if (!this.accepts(member, viewId)) return false;
    const rank = this.views.get(viewId)!.members.indexOf(member);
    this.answers.set(member, { member, rank, viewId, error: { name: 'CohortError', code: refusal.code, message: refusal.message } });
    this.refusals.push({ member, refusal });
    this.failed.delete(member);
    this.check();
    return true;
  }

  timedOut(): void {
    if (!this.settled) this.settle(true);
  }

  private accepts(member: MemberId, viewId: number): boolean {
    if (this.settled || this.answers.has(member) || !this.asked.has(member)) return false;
    // A member runs a direct request only in the view of its label, which was one of these.
    return this.views.get(viewId)?.members.includes(member) ?? false;
  }

  /** Members of the call's view that answered with a reply (not a refusal), in any view. */
  private counted(): number {
    const refused = new Set(this.refusals.map((r) => r.member));
    return this.view.members.filter((member) => this.answers.has(member) && !refused.has(member)).length;
  }

  private check(): void {
    if (this.settled) return;
    if (this.counted() >= repliesNeeded(this.quorum, this.view.members.length) || this.waitingFor().length === 0) this.settle(false);
  }

  private settle(timedOut: boolean): void {
    this.settled = true;
    const view = this.view;
    const unanswered = view.members.filter((member) => !this.answers.has(member));
    // Gone from the newest view the client knows (or marked so) without answering: failed.
    const failed = unanswered.filter((member) => this.failed.has(member) || !this.newest.members.includes(member));
    const slow = unanswered.filter((member) => !failed.includes(member));
    const quorumMet = this.counted() >= repliesNeeded(this.quorum, view.members.length);
    const replies = new Replies(view.id, view.members, [...this.answers.values()], failed, slow, quorumMet, CausalContext.empty);
    this.done({ replies, timedOut, refusals: [...this.refusals] });
  }
}
