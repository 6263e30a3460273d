/**
 * A member SIGKILLed mid-stream leaves the view within the detection bound, over NATS.
 *
 * NATS gives no connection per peer, so there is no 'closed' to see. What the NATS wire has:
 * - "no responders" (peerDown, the default): the server drops the dead process's subscriptions
 *   as soon as its socket closes; the survivors' next heartbeat (every 100 ms) to it gets a 503,
 *   a probe confirmMs (default 1,000 ms) later gets another, and the wire reports the peer down.
 *   Bound: confirmMs + a heartbeat + a view change, asserted here below 2,500 ms;
 * - silence (peerDown: false): timing.suspectTimeoutMs (default 3,000 ms), or phaseTimeoutMs
 *   (default 3,000 ms) when a view change or gbcast round was waiting for the dead member, + a
 *   view change; both 1,000 ms in this test, asserted below 2,500 ms as well.
 *
 * Four members in this process (on n1, n2, n3, n1), the fifth in a child process on n2; all
 * send during the kill; the history checker judges the merged histories (the child's crash
 * recorded at the moment of the SIGKILL).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsCluster } from '../src/testing/index.js';
import {
  eventually,
  merge,
  now,
  crashOf,
  readStamped,
  sendMix,
  startMembers,
  stopMembers,
  StampedRecorder,
  violations,
  type Member,
  type MembersOptions,
} from './support/groups.js';
import type { MemberProcessConfig } from './support/member-process.js';

const DETECTION_BOUND_MS = 2500;

let cluster: NatsCluster;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  cluster = await NatsCluster.start();
  dir = mkdtempSync(join(tmpdir(), 'cohort-nats-crash-'));
}, 30_000);
afterAll(async () => {
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  }
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function startChild(config: MemberProcessConfig): Promise<{ child: ChildProcess; me: string }> {
  const child = fork(join(import.meta.dirname, 'support', 'member-process.ts'), [JSON.stringify(config)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the child member did not join within 15 s')), 15_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the child member exited (${code ?? signal})`));
    });
    child.on('message', (message: { type: string; me: string }) => {
      if (message.type !== 'joined') return;
      clearTimeout(timer);
      resolve({ child, me: message.me });
    });
  });
}

async function crashRun(name: string, peerDown: false | undefined, timing: Record<string, number> | undefined): Promise<number> {
  const recorder = new StampedRecorder();
  const options: MembersOptions = {
    servers: (i) => cluster.serversFor(i % 3),
    subjectPrefix: name,
    group: name,
    recorder,
    ...(timing ? { timing } : {}),
    ...(peerDown === false ? { wire: { peerDown: false } } : {}),
  };
  let members: Member[] = [];
  try {
    members = await startMembers(4, options);
    const historyPath = join(dir, `${name}.history.jsonl`);
    const { child, me } = await startChild({
      servers: cluster.serversFor(1),
      subjectPrefix: name,
      group: name,
      seeds: [members[0]!.wire.address],
      historyPath,
      ...(timing ? { timing } : {}),
      ...(peerDown === false ? { peerDown: false } : {}),
    });
    expect(await eventually(() => members.every((m) => m.group.view.members.includes(me)), 10_000)).toBe(true);

    const sending = Promise.all(members.map((m, i) => sendMix(m, i, 120, 10, 10)));
    child.send({ cmd: 'send', count: 40 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const killedAt = now();
    process.kill(child.pid!, 'SIGKILL');
    const gone = await eventually(() => members.every((m) => !m.group.view.members.includes(me)), 10_000);
    const detectedMs = now() - killedAt;
    expect(gone).toBe(true);
    expect(detectedMs).toBeLessThan(DETECTION_BOUND_MS);

    const sent = (await sending).flat();
    expect(await eventually(() => members.every((m) => sent.every((p) => m.delivered.includes(p))), 15_000)).toBe(true);
    const own = readStamped(historyPath);
    const history = merge(recorder.lines, own, crashOf(me, killedAt, own));
    expect(violations(history)).toEqual([]);
    const peersDown = members.reduce((n, m) => n + m.wire.stats.peersDown, 0);
    console.log(`[nats member crash] ${name}: left the view ${detectedMs.toFixed(0)} ms after SIGKILL; peer-down reports: ${peersDown}`);
    return peersDown;
  } finally {
    await stopMembers(members);
  }
}

describe('a member SIGKILLed over NATS', () => {
  it('leaves the view within confirmMs + a view change, by "no responders" (default timing)', async () => {
    const peersDown = await crashRun('crash-noresp', undefined, undefined);
    expect(peersDown).toBeGreaterThan(0);
  }, 60_000);

  it('leaves the view within suspectTimeoutMs + a view change with peerDown off (suspect and phase timeouts 1,000)', async () => {
    const peersDown = await crashRun('crash-silence', false, { suspectTimeoutMs: 1000, phaseTimeoutMs: 1000 });
    expect(peersDown).toBe(0);
  }, 60_000);
});
