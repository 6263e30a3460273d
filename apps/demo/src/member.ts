/**
 * One group member as a real process on TCP: start three in three terminals and watch the
 * views change when one is killed (README, "Real processes").
 *
 *   npm run member -- --port 7001
 *   npm run member -- --port 7002 --seeds 127.0.0.1:7001
 *   npm run member -- --port 7003 --seeds 127.0.0.1:7001
 *
 * Options: --host (default 127.0.0.1), --port (0: any), --seeds a:p,b:p, --group (default
 * "demo"), --key (authenticate frames with this group key, 16+ characters), --every ms (how
 * often this member multicasts a line; default 2000, 0: never), --trace run-7001.jsonl
 * (record this member's run; draw the files of all members with
 * `npx cohort trace run-*.jsonl --html run.html`). Ctrl-C leaves gracefully.
 */
import { parseArgs } from 'node:util';
import { authenticate, Group, tcpWire, traceFile, TraceRecorder, type Wire } from '@cohort/core';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    seeds: { type: 'string', default: '' },
    group: { type: 'string', default: 'demo' },
    key: { type: 'string' },
    every: { type: 'string', default: '2000' },
    trace: { type: 'string' },
  },
});

const time = (): string => new Date().toISOString().slice(11, 23);
const say = (line: string): void => console.log(`${time()} ${line}`);

const tcp = await tcpWire({ host: values.host, port: Number(values.port) });
const wire: Wire = values.key ? authenticate(tcp, { key: values.key }) : tcp;
const seeds = values.seeds
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
say(`listening on ${tcp.address}${seeds.length ? `, joining through ${seeds.join(', ')}` : ', forming the group'}`);

// A member records only when asked: without an observer the protocol keeps no record for it.
const trace = values.trace ? new TraceRecorder(traceFile(values.trace), { title: `member ${tcp.address}` }) : null;
const group = await Group.join(values.group, { wire, seeds, ...(trace ? { observer: trace.observer() } : {}) });
say(`joined as ${group.me}`);
group.on('view', (view) => say(`view ${view.id}: ${view.members.length} members [${view.members.join(', ')}]`));
group.on('excluded', () => say('excluded from the group: rejoining as a new incarnation'));
group.on('rejoined', (view) => say(`rejoined in view ${view.id}`));
group.on('error', (error) => say(`error: ${String(error)}`));
group.handle('line', (text, delivery) => say(`  ${delivery.sender}: ${String(text)}`));
say(`view ${group.view.id}: ${group.view.members.length} members [${group.view.members.join(', ')}]`);

let n = 0;
const every = Number(values.every);
const timer = every > 0 ? setInterval(() => void group.cbcast('line', `hello #${++n}`).catch(() => undefined), every) : null;

let leaving = false;
const leave = async (): Promise<void> => {
  if (leaving) return;
  leaving = true;
  if (timer) clearInterval(timer);
  say('leaving');
  await group.leave();
  await trace?.close();
  process.exit(0);
};
process.on('SIGINT', () => void leave());
process.on('SIGTERM', () => void leave());
