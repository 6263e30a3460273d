import { runPhoneBookExample } from './phone-book.example.js';

await runPhoneBookExample(process.argv.slice(2).length ? process.argv.slice(2) : undefined);
