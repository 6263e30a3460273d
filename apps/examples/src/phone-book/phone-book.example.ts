import 'reflect-metadata';
import { SimulatedNetwork } from '@cohort/core/testing';
import { startPhoneBookMember, type PhoneBookEntry, type PhoneBookMember } from '@cohort/phone-book';

/**
 * The split phone book: four members each search a quarter of the 100,000 entries for every
 * query; the caller gets the parts gathered in book order.
 */
export async function runPhoneBookExample(
  queries: readonly string[] = ['Maco Lonivin', 'Maco'],
  log: (line: string) => void = console.log,
): Promise<PhoneBookEntry[][]> {
  const net = new SimulatedNetwork({ seed: 4 });
  const members: PhoneBookMember[] = [];
  try {
    for (let i = 0; i < 4; i++) members.push(await startPhoneBookMember({ wire: net.wire(`book-${i}`), seeds: i ? ['book-0'] : [] }));
    await net.runUntil(() => members.every((m) => m.group.view.members.length === 4), { timeoutMs: 30_000 });
    const results: PhoneBookEntry[][] = [];
    for (const query of queries) {
      const found = await members[0]!.phoneBook.search(query);
      const shares = members.map((m) => `[${m.phoneBook.lastShare!.start}, ${m.phoneBook.lastShare!.end})`).join(' ');
      log(
        `"${query}": ${found.length} found (shares ${shares})${found.length <= 3 ? `: ${found.map((e) => `${e.name} ${e.number}`).join('; ')}` : ''}`,
      );
      results.push(found);
    }
    return results;
  } finally {
    for (const member of members.reverse()) await member.close();
    await net.close();
  }
}
