/**
 * One group member over natsWire in a process of its own, to be SIGKILLed by a test. argv[2]:
 * a MemberProcessConfig as JSON. Forked with tsx and IPC by startMemberProcess().
 *
 * It writes every history event as a JSONL line { t, event } (t: wall-clock ms) synchronously,
 * so a line reaches the OS before the frame it records leaves the process. Commands over IPC:
 * { cmd: 'send', count } multicasts `count` messages on topic 'm' (every order in turn).
 */
import { openSync, writeSync } from 'node:fs';
import { Group, type Order } from '@cohort/core';
import { historyObserver, type HistoryEvent } from '@cohort/core/testing';
import { natsWire } from '../../src/index.js';

export interface MemberProcessConfig {
  servers: string[];
  subjectPrefix: string;
  group: string;
  seeds: string[];
  historyPath: string;
  timing?: Record<string, number>;
  peerDown?: false | { confirmMs: number };
}

const config = JSON.parse(process.argv[2] ?? '{}') as MemberProcessConfig;
if (!process.send) throw new Error('member-process.ts runs forked, with IPC');
process.on('disconnect', () => process.exit(0));
const now = (): number => performance.timeOrigin + performance.now();

const out = openSync(config.historyPath, 'a');
const recorder = { record: (event: HistoryEvent) => writeSync(out, `${JSON.stringify({ t: now(), event })}\n`) };

const wire = await natsWire({
  servers: config.servers,
  noRandomize: true,
  subjectPrefix: config.subjectPrefix,
  group: config.group,
  ...(config.peerDown !== undefined ? { peerDown: config.peerDown } : {}),
});
const group = await Group.join(config.group, {
  wire,
  seeds: config.seeds,
  observer: historyObserver(recorder as never),
  ...(config.timing ? { timing: config.timing } : {}),
});
group.handle('m', () => undefined);
const orders: Order[] = ['fifo', 'causal', 'total', 'group'];
process.on('message', (message: { cmd: string; count?: number }) => {
  if (message.cmd !== 'send') return;
  for (let k = 0; k < (message.count ?? 0); k++) {
    group.multicast('m', `child-${k}`, { order: orders[k % orders.length]! }).catch(() => undefined);
  }
});
process.send({ type: 'joined', me: group.me, address: wire.address });
