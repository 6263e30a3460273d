import 'reflect-metadata';
import { SimulatedNetwork } from '@cohort/core/testing';
import { PHONE_BOOK_SIZE, phoneBookEntry, searchRange, startPhoneBookMember, type PhoneBookMember } from '@cohort/phone-book';

describe('the split phone book', () => {
  let net: SimulatedNetwork;
  const members: PhoneBookMember[] = [];

  beforeEach(() => {
    net = new SimulatedNetwork({ seed: 100 });
  });
  afterEach(async () => {
    for (const member of members.splice(0).reverse()) await member.close();
    await net.close();
  });

  it('has 100,000 distinct entries', () => {
    const names = new Set<string>();
    for (let i = 0; i < PHONE_BOOK_SIZE; i++) names.add(phoneBookEntry(i).name);
    expect(names.size).toBe(PHONE_BOOK_SIZE);
  });

  it('answers a query 1/k by each of k members, gathered in book order', async () => {
    const names = ['m0', 'm1', 'm2', 'm3'];
    for (const name of names) members.push(await startPhoneBookMember({ wire: net.wire(name), seeds: members.length ? ['m0'] : [] }));
    expect(await net.runUntil(() => members.every((m) => m.group.view.members.length === 4), { timeoutMs: 30_000 })).toBe(true);

    const person = phoneBookEntry(68_071);
    expect(await members[3]!.phoneBook.search(person.name)).toEqual([person]);
    const found = await members[1]!.phoneBook.search('Maco');
    expect(found).toEqual(searchRange('Maco', 0, PHONE_BOOK_SIZE, PHONE_BOOK_SIZE));
    expect(found).toHaveLength(1_000);
    // Each member searched its own quarter.
    const shares = members.map((m) => m.phoneBook.lastShare);
    expect(shares).toEqual([0, 1, 2, 3].map((rank) => ({ rank, viewSize: 4, start: rank * 25_000, end: (rank + 1) * 25_000 })));
    // When a member leaves, the others split the book between three.
    await members.pop()!.close();
    expect(await net.runUntil(() => members.every((m) => m.group.view.members.length === 3), { timeoutMs: 30_000 })).toBe(true);
    expect(await members[0]!.phoneBook.search('Maco')).toEqual(found);
    expect(members.map((m) => m.phoneBook.lastShare!.end - m.phoneBook.lastShare!.start)).toEqual([33_334, 33_333, 33_333]);
  });
});
