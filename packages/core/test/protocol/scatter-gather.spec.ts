import { Group } from '../../src/group.js';
import { shareOf } from '../../src/protocol/reply/scatter.js';
import { checkHistory } from '../../src/testing/checker/history-checker.js';
import { closeAll, harness } from '../support/sim-group.js';

afterEach(closeAll);

/** The split phone book: 100,000 entries every member holds; a query is answered 1/k by each. */
const BOOK = Array.from({ length: 100_000 }, (_, i) => ({ name: `person-${i}`, phone: `+33 1 ${String(i).padStart(6, '0')}` }));

function servePhoneBook(group: Group, onSearch: (rank: number) => void = () => {}): void {
  group.handle('phone-book.search', (query, delivery) => {
    onSearch(delivery.rank);
    const { start, end } = shareOf(delivery, BOOK.length);
    const suffix = query as string;
    const found: string[] = [];
    for (let i = start; i < end; i++) if (BOOK[i]!.name.endsWith(suffix)) found.push(BOOK[i]!.name);
    return found;
  });
}

function expected(suffix: string): string[] {
  return BOOK.filter((entry) => entry.name.endsWith(suffix)).map((entry) => entry.name);
}

describe('scatter-gather: the split phone book', () => {
  it('shareOf covers every item once, in contiguous parts of near-equal size', () => {
    for (const [length, k] of [
      [100_000, 3],
      [10, 4],
      [2, 5],
      [0, 1],
      [7, 7],
    ] as const) {
      const parts = Array.from({ length: k }, (_, rank) => shareOf({ rank, viewSize: k }, length));
      expect(parts[0]!.start).toBe(0);
      expect(parts[k - 1]!.end).toBe(length);
      for (let i = 1; i < k; i++) expect(parts[i]!.start).toBe(parts[i - 1]!.end);
      const sizes = parts.map((p) => p.end - p.start);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    expect(() => shareOf({ rank: 3, viewSize: 3 }, 10)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('k members each search their part; the caller gets the union, in book order', async () => {
    const h = harness({ seed: 21, loss: 0.05 });
    const groups = await h.form(['a', 'b', 'c', 'd']);
    const searchedBy: number[] = [];
    for (const g of groups) servePhoneBook(g, (rank) => searchedBy.push(rank));
    const replies = await groups[2]!.multicast('phone-book.search', '77', { replies: 'all' });
    expect(replies.quorumMet).toBe(true);
    expect(searchedBy.sort()).toEqual([0, 1, 2, 3]);
    expect(replies.gather()).toEqual(expected('77'));
    expect(replies.missingRanks).toEqual([]);
    expect(checkHistory(h.recorder.events)).toEqual([]);
  });

  it('a member crashing mid-query: the caller gets the other parts and is told which part is missing', async () => {
    const h = harness({ seed: 22 });
    const groups = await h.form(['a', 'b', 'c']);
    servePhoneBook(groups[0]!);
    servePhoneBook(groups[1]!);
    // c (rank 2) takes the query and crashes before it answers.
    groups[2]!.handle('phone-book.search', () => new Promise(() => h.crash('c')));
    const replies = await groups[0]!.multicast('phone-book.search', '5', { replies: 'all' });
    expect(replies.quorumMet).toBe(false);
    expect(replies.failed).toEqual([groups[2]!.me]);
    expect(replies.missingRanks).toEqual([2]);
    const missing = shareOf({ rank: 2, viewSize: 3 }, BOOK.length);
    const all = expected('5');
    const fromMissingPart = new Set(BOOK.slice(missing.start, missing.end).map((e) => e.name));
    expect(replies.gather()).toEqual(all.filter((name) => !fromMissingPart.has(name)));
    expect(checkHistory(h.recorder.events)).toEqual([]);
  });
});
