/**
 * A 64-member causal run (too slow for `npm test`): 64 members on a lossy, reordering
 * simulated network exchange cbcasts with causal chains across senders; the history checker
 * judges the run. `npm run sim:causal64 -- --seed 64`
 */
import { Group } from '../src/group.js';
import { checkHistory } from '../src/testing/checker/history-checker.js';
import { HistoryRecorder } from '../src/testing/history.js';
import { historyObserver } from '../src/testing/history-observer.js';
import { SimulatedNetwork } from '../src/wire/simulated/simulated-network.js';

const seedFlag = process.argv.indexOf('--seed');
const seed = seedFlag >= 0 ? Number(process.argv[seedFlag + 1]) : 64;
const started = performance.now();
const net = new SimulatedNetwork({ seed, loss: 0.02, reorder: 0.2 });
const recorder = new HistoryRecorder();
try {
  const names = Array.from({ length: 64 }, (_, i) => `m${String(i).padStart(2, '0')}`);
  const groups: Group[] = [];
  for (const name of names) {
    groups.push(
      await Group.join('g64', {
        wire: net.wire(name),
        seeds: groups.length ? [names[0]!] : [],
        observer: historyObserver(recorder),
        timing: { joinTimeoutMs: 30_000 },
      }),
    );
  }
  await net.runUntil(() => groups.every((g) => g.view.members.length === 64), { timeoutMs: 30_000 });
  groups.forEach((g, i) =>
    g.handle('e', async (x) => {
      if ((x as number) % 16 === i % 16 && (x as number) < 300) await g.cbcast('e', (x as number) + 1000);
    }),
  );
  for (let i = 0; i < 300; i++) {
    void groups[i % 64]!.cbcast('e', i);
    if (i % 16 === 0) await net.sleep(1);
  }
  await net.sleep(3_000);
  const violations = checkHistory(recorder.events, { quiescent: true });
  for (const violation of violations.slice(0, 10)) console.log(`${violation.property}: ${violation.message}`);
  console.log(
    `64 members, seed ${seed}: ${recorder.events.length} history events, ${violations.length} violations, ${(performance.now() - started).toFixed(0)} ms`,
  );
  process.exitCode = violations.length === 0 ? 0 : 1;
} finally {
  await net.close();
}
