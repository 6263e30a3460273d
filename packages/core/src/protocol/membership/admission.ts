import { addressOf, type MemberId, type View } from '../types.js';
import type { FlushValue, WelcomeBody } from './membership.header.js';
import type { MembershipLayer } from './membership-layer.js';

/** Joiners a coordinator remembers a nonce for; past it the oldest is forgotten (it asks again). */
const JOIN_NONCES_MAX = 10_000;

/**
 * The group's side of joins and leaves: the acting coordinator admits a joiner once it echoes
 * a fresh nonce (a replayed request admits no one), queues joiners and leavers for the next
 * view change, and the old members of a view with joiners welcome them with the state.
 */
export class Admission {
  readonly joins = new Set<MemberId>();
  readonly leaves = new Set<MemberId>();
  private readonly welcomes = new Map<MemberId, WelcomeBody>();
  /** Coordinator: the nonce handed to each joiner lately. */
  private readonly joinNonces = new Map<MemberId, { nonce: number; atMs: number }>();

  constructor(private readonly layer: MembershipLayer) {}

  /** Joiners or leavers wait for a view change. */
  get pending(): boolean {
    return this.joins.size > 0 || this.leaves.size > 0;
  }

  pendingJoins(): MemberId[] {
    return [...this.joins];
  }

  /** The member of `view` that joiner `from` restarted from (same address, another incarnation). */
  standInFor(view: View, from: MemberId): MemberId | undefined {
    if (!this.joins.has(from)) return undefined;
    const address = addressOf(from);
    return view.members.find((member) => member !== from && addressOf(member) === address);
  }

  hasStandIn(view: View, member: MemberId): boolean {
    return [...this.joins].some((joiner) => this.standInFor(view, joiner) === member);
  }

  /** In the view: no nonce of theirs is any good any more. */
  forgetNonces(view: View): void {
    for (const member of view.members) this.joinNonces.delete(member);
  }

  clearWelcomes(): void {
    this.welcomes.clear();
  }

  /** A heartbeat from a joiner: it has its welcome. */
  welcomed(member: MemberId): void {
    this.welcomes.delete(member);
  }

  /** The view is installed: joiners in it are in, leavers out of it are gone. */
  installed(view: View): void {
    for (const member of view.members) this.joins.delete(member);
    for (const member of [...this.leaves]) if (!view.members.includes(member)) this.leaves.delete(member);
  }

  requestLeave(): void {
    const coordinator = this.layer.actingCoordinator();
    if (coordinator === this.layer.ctx.me) this.leaves.add(this.layer.ctx.me);
    else if (coordinator) this.layer.send(coordinator, { type: 'leave-request' });
  }

  onLeaveRequest(from: MemberId): void {
    if (this.layer.actingCoordinator() === this.layer.ctx.me) this.leaves.add(from);
  }

  onJoinRequest(joiner: MemberId, nonce: number): void {
    const layer = this.layer;
    const { ctx } = layer;
    const view = layer.currentView;
    if (ctx.life.phase !== 'member' || !view || joiner === ctx.me) return;
    if (view.members.includes(joiner)) {
      // In: no nonce of its is any good any more (a late echo may still be in flight).
      this.joinNonces.delete(joiner);
      const welcome = this.welcomes.get(joiner);
      if (welcome) layer.send(joiner, welcome);
      return;
    }
    const coordinator = layer.actingCoordinator()!;
    if (coordinator !== ctx.me) {
      layer.send(joiner, { type: 'join-pending', coordinator, nonce: 0, round: layer.proposer?.highestRoundSeen ?? 0 });
      return;
    }
    const now = ctx.options.clock.now();
    const joinTimeoutMs = ctx.options.timing.joinTimeoutMs;
    const issued = this.joinNonces.get(joiner);
    if (!issued || nonce !== issued.nonce || now - issued.atMs > joinTimeoutMs) {
      // Not (or no longer) a live exchange: a fresh nonce to echo; a replay gets no further.
      const fresh = issued && now - issued.atMs <= joinTimeoutMs ? issued : { nonce: 1 + ctx.options.random.int(0x7fff_ffff), atMs: now };
      this.joinNonces.set(joiner, fresh);
      if (this.joinNonces.size > JOIN_NONCES_MAX) this.joinNonces.delete(this.joinNonces.keys().next().value!);
      layer.send(joiner, { type: 'join-pending', coordinator, nonce: fresh.nonce, round: layer.proposer?.highestRoundSeen ?? 0 });
      return;
    }
    // One use: a copy of this very request, replayed later, meets a fresh nonce.
    this.joinNonces.delete(joiner);
    layer.send(joiner, { type: 'join-pending', coordinator, nonce, round: layer.proposer?.highestRoundSeen ?? 0 });
    // A new incarnation at the address of a member means that member restarted: it is gone.
    const address = addressOf(joiner);
    const restart = view.members.some((member) => addressOf(member) === address);
    if (!restart && !this.joins.has(joiner) && view.members.length + this.joins.size >= (ctx.options.membersMax ?? Infinity)) {
      // Full: the joiner hears "pending" and, never admitted, ends in JoinTimeoutError.
      ctx.stats.joinsRefused++;
      return;
    }
    this.joins.add(joiner);
    for (const member of view.members) if (member !== ctx.me && addressOf(member) === address) layer.detector.suspect(member);
  }

  /**
   * Every old member of a view with joiners captures the state at the install point; the
   * first (the state provider) sends it at once, and any of them answers a joiner that asks
   * again, so a joiner is not left listed but never welcomed when the provider crashes.
   */
  welcomeJoiners(previous: View, view: View, value: FlushValue): void {
    const layer = this.layer;
    const joiners = view.members.filter((m) => !previous.members.includes(m));
    if (joiners.length === 0) return;
    const provider = view.members.find((m) => previous.members.includes(m));
    void layer.ctx.events.captureState().then((state) => {
      if (layer.currentView !== view || layer.ctx.life.phase !== 'member') return;
      for (const joiner of joiners) {
        const welcome: WelcomeBody = { type: 'welcome', viewId: view.id, members: view.members, state, value };
        this.welcomes.set(joiner, welcome);
        if (provider === layer.ctx.me) layer.send(joiner, welcome);
      }
    });
  }
}
