import type { Delivery, MemberId } from '@cohort/core';
import { GroupMember, Multicast, OnView, type ViewChange } from '@cohort/nestjs';
import { Injectable } from '@nestjs/common';

/** One assignment as a member applied it, in its delivery order. */
export interface FlightAssignment {
  readonly flight: string;
  readonly sector: string;
  /** The member that multicast it. */
  readonly by: MemberId;
}

/**
 * Which sector controls which flight, replicated on every member of the group: assignments
 * are causal multicasts, so an assignment made after another (even by another service, along
 * a causal thread) is applied after it everywhere.
 */
@Injectable()
export class FlightsService {
  private readonly sectors = new Map<string, string>();
  /** Every assignment applied here, in delivery order. */
  readonly history: FlightAssignment[] = [];
  /** Every view change this member saw, in order with the assignments. */
  readonly views: ViewChange[] = [];

  /** "Add flight AF1981 to sector D-9": applied by every member, in causal order. */
  @Multicast({ order: 'causal' })
  async assign(flight: string, sector: string, @GroupMember() member?: Delivery): Promise<void> {
    this.sectors.set(flight, sector);
    this.history.push({ flight, sector, by: member!.sender });
  }

  /** The sector this member has for `flight`. */
  sectorOf(flight: string): string | undefined {
    return this.sectors.get(flight);
  }

  /** This member's table, flight by flight. */
  table(): Record<string, string> {
    return Object.fromEntries([...this.sectors].sort(([a], [b]) => a.localeCompare(b)));
  }

  @OnView()
  viewChanged(change: ViewChange): void {
    this.views.push(change);
  }
}
