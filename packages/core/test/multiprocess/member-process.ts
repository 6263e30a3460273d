/**
 * One group member in a process of its own, over the TCP wire on 127.0.0.1, driven by its
 * parent over IPC (multi-process tests). It writes every history event as a JSONL line with
 * the wall-clock time, so the parent can merge the processes' histories.
 *
 * argv: <group> <history.jsonl> [seed address ...]
 * parent -> child: { cmd: 'stream', count, prefix } | { cmd: 'leave' }
 * child -> parent: { type: 'joined', me, address } | { type: 'view', size, id } |
 *                  { type: 'progress', sent, delivered } | { type: 'streamed' } | { type: 'left' }
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { Group } from '../../src/group.js';
import { historyObserver } from '../../src/testing/history-observer.js';
import type { HistoryEvent } from '../../src/testing/history.js';
import { tcpWire } from '../../src/wire/tcp/index.js';

const [groupName, historyPath, ...seeds] = process.argv.slice(2);
if (!groupName || !historyPath || !process.send)
  throw new Error('usage: member-process <group> <history.jsonl> [seeds...] (forked with IPC)');
const send = (message: object): void => {
  if (process.connected) process.send!(message);
};

// Written synchronously: a line reaches the OS before the frame it records leaves the process,
// so a SIGKILL loses no 'send' another process then delivers.
const out = openSync(historyPath, 'a');
const recorder = {
  record(event: HistoryEvent): void {
    writeSync(out, `${JSON.stringify({ t: performance.timeOrigin + performance.now(), event })}\n`);
  },
};

// The parent going away (test ended or crashed) ends this process too.
process.on('disconnect', () => process.exit(0));

const wire = await tcpWire({ host: '127.0.0.1', port: 0 });
const group = await Group.join(groupName, { wire, seeds, observer: historyObserver(recorder as never) });
let delivered = 0;
let sent = 0;
group.handle('m', () => {
  delivered++;
});
group.on('view', (view) => send({ type: 'view', size: view.members.length, id: view.id }));
send({ type: 'joined', me: group.me, address: wire.address });
// The view it joined in may have been announced before the listener was there.
send({ type: 'view', size: group.view.members.length, id: group.view.id });

const ORDERS = ['fifo', 'causal', 'total'] as const;

process.on('message', (message: { cmd: string; count?: number; prefix?: string }) => {
  if (message.cmd === 'stream') void stream(message.count ?? 0, message.prefix ?? group.me);
  if (message.cmd === 'progress') send({ type: 'progress', sent, delivered });
  if (message.cmd === 'leave') {
    void group.leave().then(() => {
      closeSync(out);
      send({ type: 'left' });
      process.exit(0);
    });
  }
});

/** A mixed stream: bursts of fbcast, cbcast and abcast, a turn apart so bursts interleave. */
async function stream(count: number, prefix: string): Promise<void> {
  for (let i = 0; i < count; i++) {
    const order = ORDERS[i % ORDERS.length]!;
    void group.multicast('m', `${prefix}:${i}`, { order }).then(
      () => {
        sent++;
      },
      () => undefined,
    );
    if (i % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
  }
  send({ type: 'streamed' });
}
