/** The phone book every member holds: 100,000 entries, generated (the same at every member). */
export const PHONE_BOOK_SIZE = 100_000;

export interface PhoneBookEntry {
  readonly index: number;
  readonly name: string;
  readonly number: string;
}

const SYLLABLES = ['Ba', 'Co', 'Da', 'Fe', 'Gi', 'Ha', 'Lo', 'Ma', 'Ni', 'Ro'];
const LAST = ['ley', 'dor', 'man', 'son', 'ret', 'vin', 'lace', 'ter', 'mont', 'ard'];
const FIRST_NAMES = 100;

/** Entry `index` (0 <= index < PHONE_BOOK_SIZE): 100 first names x 1,000 last names, all distinct. */
export function phoneBookEntry(index: number): PhoneBookEntry {
  const first = index % FIRST_NAMES;
  const last = Math.floor(index / FIRST_NAMES);
  const firstName = `${SYLLABLES[Math.floor(first / 10)]!}${SYLLABLES[first % 10]!.toLowerCase()}`;
  const lastName = `${SYLLABLES[Math.floor(last / 100) % 10]!}${SYLLABLES[Math.floor(last / 10) % 10]!.toLowerCase()}${LAST[last % 10]!}`;
  return { index, name: `${firstName} ${lastName}`, number: `+1 555 ${String(index).padStart(6, '0')}` };
}

/** Entries whose name starts with `prefix` (case-insensitive) among [start, end), at most `limit`. */
export function searchRange(prefix: string, start: number, end: number, limit: number): PhoneBookEntry[] {
  const wanted = prefix.toLowerCase();
  const found: PhoneBookEntry[] = [];
  for (let index = start; index < end && found.length < limit; index++) {
    const entry = phoneBookEntry(index);
    if (entry.name.toLowerCase().startsWith(wanted)) found.push(entry);
  }
  return found;
}
