import { InvalidArgumentError, shareOf, type Delivery } from '@cohort/core';
import { GroupMember, Multicast } from '@cohort/nestjs';
import { Injectable } from '@nestjs/common';
import { PHONE_BOOK_SIZE, searchRange, type PhoneBookEntry } from './phone-book.data.js';

/** Matches per member and query: a broad prefix must not flood the group. */
export const MATCHES_PER_MEMBER_MAX = 1_000;

/** The part of the book one member searched for one query. */
export interface SearchShare {
  readonly rank: number;
  readonly viewSize: number;
  readonly start: number;
  readonly end: number;
}

/**
 * The split phone book (scatter-gather): a search is multicast to the group, member i of k
 * searches its 1/k of the 100,000 entries, and the caller gets every member's part,
 * concatenated in rank order, that is in book order.
 */
@Injectable()
export class PhoneBookService {
  /** The share this member searched for its latest query. */
  lastShare: SearchShare | null = null;

  @Multicast({ replies: 'all', gather: 'concat' })
  async search(prefix: string, @GroupMember() member?: Delivery): Promise<PhoneBookEntry[]> {
    if (typeof prefix !== 'string' || prefix.length === 0 || prefix.length > 100)
      throw new InvalidArgumentError('prefix: 1 to 100 characters');
    const { start, end } = shareOf(member!, PHONE_BOOK_SIZE);
    this.lastShare = { rank: member!.rank, viewSize: member!.viewSize, start, end };
    return searchRange(prefix, start, end, MATCHES_PER_MEMBER_MAX);
  }
}
