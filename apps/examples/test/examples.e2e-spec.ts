import { runFlightsExample } from '../src/flights/flights.example.js';
import { runPhoneBookExample } from '../src/phone-book/phone-book.example.js';

describe('examples', () => {
  it('flights: every member ends with AF 1981 in D-10', async () => {
    const lines: string[] = [];
    const tables = await runFlightsExample((line) => lines.push(line));
    expect(tables).toEqual({ tower: { AF1981: 'D-10' }, radar: { AF1981: 'D-10' }, approach: { AF1981: 'D-10' } });
    expect(lines).toContain('approach: AF1981→D-9, AF1981→D-10');
  });

  it('phone book: a person, and a first name across the four quarters', async () => {
    const lines: string[] = [];
    const [person, firstName] = await runPhoneBookExample(['Maco Lonivin', 'Maco'], (line) => lines.push(line));
    expect(person!.map((e) => e.name)).toEqual(['Maco Lonivin']);
    expect(firstName).toHaveLength(1_000);
    expect(lines[0]).toContain('shares [0, 25000) [25000, 50000) [50000, 75000) [75000, 100000)');
  });
});
