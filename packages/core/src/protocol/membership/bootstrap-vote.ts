import { majorityOf } from '../types.js';
import type { Address } from '../../wire/wire.js';

/**
 * Forming a group from a list of seeds when no group answers (docs/protocol.md,
 * "Bootstrap"). Seeds that are starting at the same time hear each other's join-requests;
 * each one, once the discovery timeout has passed, votes for the lowest address among the
 * candidates it hears (itself included) and keeps that vote while its candidate is alive. A
 * candidate forms the group once a majority of the bootstrap set (the seeds and itself)
 * votes for it, so any majority of the seeds can bootstrap, the lowest seed need not be
 * up, and a lone member whose seeds are all unreachable never forms a group of its own.
 */
export class BootstrapVote {
  private readonly set: ReadonlySet<Address>;
  /** Bootstrapping peers heard lately: when, and whom they vote for ('' not yet). */
  private readonly peers = new Map<Address, { atMs: number; vote: Address }>();
  private vote: Address = '';
  private votedAtMs = 0;

  constructor(
    private readonly self: Address,
    seeds: readonly Address[],
    private readonly discoveryTimeoutMs: number,
  ) {
    this.set = new Set([...seeds, self]);
  }

  /** The vote this member's join-requests carry ('' before it votes). */
  get current(): Address {
    return this.vote;
  }

  /** A bootstrapping peer's join-request, with its vote. Peers outside the set do not count. */
  heard(from: Address, vote: Address, nowMs: number): void {
    if (from === this.self || !this.set.has(from)) return;
    this.peers.set(from, { atMs: nowMs, vote: this.set.has(vote) ? vote : '' });
  }

  /**
   * Casts or renews this member's vote; true once a majority of the set votes for this
   * member, i.e. it is the one to form the group.
   */
  elected(nowMs: number): boolean {
    const alive = (address: Address): boolean =>
      address === this.self || nowMs - (this.peers.get(address)?.atMs ?? -Infinity) <= this.discoveryTimeoutMs;
    // A vote stands while its candidate is heard; one that elects nobody for long is cast
    // again, so a three-way split (members that started far apart) cannot last.
    const stale = nowMs - this.votedAtMs > 3 * this.discoveryTimeoutMs;
    if (this.vote === '' || !alive(this.vote) || stale) {
      this.vote = [this.self, ...[...this.peers.keys()].filter(alive)].sort()[0]!;
      this.votedAtMs = nowMs;
    }
    if (this.vote !== this.self) return false;
    let votes = 1;
    for (const [address, peer] of this.peers) if (alive(address) && peer.vote === this.self) votes++;
    return votes >= majorityOf(this.set.size);
  }
}
