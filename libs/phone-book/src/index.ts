/** @cohort/phone-book — the split phone book: a query answered 1/k by each of k members and gathered. */
export { PHONE_BOOK_SIZE, phoneBookEntry, searchRange } from './phone-book.data.js';
export type { PhoneBookEntry } from './phone-book.data.js';
export { PhoneBookService, MATCHES_PER_MEMBER_MAX } from './phone-book.service.js';
export type { SearchShare } from './phone-book.service.js';
export { PhoneBookModule } from './phone-book.module.js';
export { phoneBookMemberModule, startPhoneBookMember } from './bootstrap.js';
export type { PhoneBookMember, PhoneBookMemberOptions } from './bootstrap.js';
