import { runObservabilityExample } from './observability.example.js';

// Three members on loopback with /metrics and /health; Ctrl-C (or SIGTERM) leaves and exits.
const members = await runObservabilityExample();
const first = members[0]!;
const scrape = await (await fetch(`${first.url}/metrics`)).text();
console.log(
  scrape
    .split('\n')
    .filter((line) => line.startsWith('cohort_messages_sent_total') || line.startsWith('cohort_call_duration_count'))
    .join('\n'),
);
if (!process.argv.includes('--serve')) {
  for (const member of members.reverse()) await member.close();
} else {
  console.log('serving; Ctrl-C to stop');
  process.once('SIGINT', () => void Promise.all(members.map((member) => member.close())).then(() => process.exit(0)));
}
