import { afterEach, describe, expect, it } from '@jest/globals';
import { encodeFrame, type Frame } from '../../src/protocol/frames.js';
import { Group } from '../../src/group.js';
import { jsonSerializer } from '../../src/util/serializer.js';
import { checkHistory } from '../../src/testing/checker/history-checker.js';
import { HistoryRecorder } from '../../src/testing/history.js';
import { historyObserver } from '../../src/testing/history-observer.js';
import { authenticate, type AuthenticatedWire } from '../../src/wire/authenticated-wire.js';
import { SimulatedNetwork } from '../../src/wire/simulated/simulated-network.js';

/**
 * Three members on authenticated wires, and peers on the same network without the key
 * sending well-formed frames that a member without authentication would act on.
 */

const KEY = 'the key the group members share';
const NEXT_KEY = 'the next key of the group, rotated';
const WRONG_KEY = 'a key somebody guessed, long enough';
const NAMES = ['a', 'b', 'c'] as const;

let net: SimulatedNetwork;

afterEach(async () => {
  await net.close();
});

interface Cluster {
  groups: Record<(typeof NAMES)[number], Group>;
  wires: Record<(typeof NAMES)[number], AuthenticatedWire>;
  /** Payloads each member's handler for topic 't' received, in order. */
  seen: Record<(typeof NAMES)[number], unknown[]>;
  recorder: HistoryRecorder;
  excluded: string[];
}

async function formCluster(key: string, setKey?: (wire: AuthenticatedWire, step: string) => void): Promise<Cluster> {
  const recorder = new HistoryRecorder();
  const observer = historyObserver(recorder);
  const wires = {} as Cluster['wires'];
  const groups = {} as Cluster['groups'];
  const seen: Cluster['seen'] = { a: [], b: [], c: [] };
  const excluded: string[] = [];
  for (const name of NAMES) {
    wires[name] = authenticate(net.wire(name), { key, log: () => {} });
    groups[name] = await Group.join('g', { wire: wires[name], seeds: name === 'a' ? [] : ['a'], observer });
    groups[name].handle('t', (payload) => {
      seen[name].push(payload);
    });
    groups[name].on('excluded', () => excluded.push(name));
    if (setKey) groups[name].handle('rotate-key', (step) => setKey(wires[name], step as string));
  }
  const formed = await net.runUntil(
    () => NAMES.every((n) => groups[n].view.members.length === 3 && groups[n].view.id === groups.a.view.id),
    { timeoutMs: 10_000 },
  );
  expect(formed).toBe(true);
  return { groups, wires, seen, recorder, excluded };
}

const everyoneSaw = (cluster: Cluster, count: number): Promise<boolean> =>
  net.runUntil(() => NAMES.every((n) => cluster.seen[n].length >= count), { timeoutMs: 10_000 });

describe('a group on authenticated wires', () => {
  it('never hands a handler a forged frame from a peer without the key, while its own traffic flows', async () => {
    net = new SimulatedNetwork({ seed: 21, loss: 0.05 });
    const cluster = await formCluster(KEY);
    const { groups, wires } = cluster;
    const view = groups.a.view;

    // a has sent nothing in this view, so its seq 1 is free: a member would deliver this.
    const forgedData = encodeFrame({
      epoch: groups.a.epoch,
      group: 'g',
      from: groups.a.me,
      viewId: view.id,
      body: { type: 'data', seq: 1, topic: 't', payload: jsonSerializer.encode('forged') },
    });
    // An install of the next view without c: c would think it was excluded.
    const forgedInstall: Frame = {
      epoch: groups.a.epoch,
      group: 'g',
      from: groups.a.me,
      viewId: view.id,
      body: { type: 'install', value: { viewId: view.id + 1, members: [groups.a.me, groups.b.me], targets: [0, 0, 0], messages: [] } },
    };
    const eve = net.wire('eve'); // no key at all: raw frames, and raw frames with a made-up trailer
    const mallory = authenticate(net.wire('mallory'), { key: WRONG_KEY, log: () => {} });
    // The members' links lose frames; the attackers' do not, so every forged frame arrives and is counted.
    for (const from of ['eve', 'mallory']) for (const to of ['b', 'c']) net.setLink(from, to, { loss: 0 });
    const attack = (): void => {
      for (const to of ['b', 'c']) {
        eve.send(to, forgedData);
        eve.send(to, Uint8Array.from([...forgedData, wires.b.keyId, ...new Uint8Array(32)]));
        mallory.send(to, forgedData);
        mallory.send(to, encodeFrame(forgedInstall));
      }
    };

    const rounds = 20;
    for (let i = 0; i < rounds; i++) {
      attack();
      await groups.b.fbcast('t', `b-${i}`);
      await groups.c.fbcast('t', `c-${i}`);
      await net.sleep(50);
    }
    expect(await everyoneSaw(cluster, 2 * rounds)).toBe(true);

    for (const name of NAMES) {
      expect(cluster.seen[name]).not.toContain('forged');
      expect(cluster.seen[name].filter((p) => String(p).startsWith('b-'))).toEqual([...Array(rounds).keys()].map((i) => `b-${i}`));
      expect(groups[name].view.id).toBe(view.id);
      // Nothing forged got as far as the decoder.
      expect(groups[name].stats.framesMalformed).toBe(0);
    }
    expect(cluster.excluded).toEqual([]);
    for (const name of ['b', 'c'] as const) {
      expect(wires[name].stats.framesRejected).toBe(4 * rounds);
      expect(wires[name].stats.framesAuthenticated).toBeGreaterThan(0);
    }
    expect(checkHistory(cluster.recorder.events)).toEqual([]);

    // The control: the same bytes signed with the group key are delivered, as from a. The
    // attack failed for want of the key alone (and the key vouches for the group, not for a member).
    const insider = authenticate(net.wire('insider'), { key: KEY, log: () => {} });
    insider.send('b', forgedData);
    expect(await net.runUntil(() => cluster.seen.b.includes('forged'), { timeoutMs: 1_000 })).toBe(true);
    net.assertHealthy();
  });

  it('rotates the key with a gbcast: every member switches at the same point, traffic goes on, the old key is refused', async () => {
    net = new SimulatedNetwork({ seed: 22 });
    const keys: Record<string, string> = { v1: KEY, v2: NEXT_KEY };
    // The gbcast names the key; the key itself never travels (frames are not encrypted).
    const cluster = await formCluster(keys.v1!, (wire, version) => wire.setKey(keys[version]!));
    const { groups, wires } = cluster;
    const v2Id = authenticate(net.wire('probe'), { key: keys.v2! }).keyId;

    await groups.b.fbcast('t', 'before');
    await groups.a.gbcast('rotate-key', 'v2');
    expect(await net.runUntil(() => NAMES.every((n) => wires[n].keyId === v2Id), { timeoutMs: 10_000 })).toBe(true);
    for (const name of NAMES) await groups[name].fbcast('t', `after-${name}`);
    expect(await everyoneSaw(cluster, 4)).toBe(true);

    const leaked = authenticate(net.wire('leaked'), { key: keys.v1!, log: () => {} });
    const forged = encodeFrame({
      group: 'g',
      from: groups.a.me,
      viewId: groups.a.view.id,
      body: { type: 'data', seq: 1_000, topic: 't', payload: jsonSerializer.encode('forged') },
    });
    leaked.send('b', forged);
    await net.sleep(100);

    for (const name of NAMES) {
      expect(new Set(cluster.seen[name])).toEqual(new Set(['before', 'after-a', 'after-b', 'after-c']));
      expect(groups[name].view.members).toHaveLength(3);
    }
    expect(wires.b.stats.rejectedWrongKey).toBeGreaterThanOrEqual(1);
    expect(cluster.excluded).toEqual([]);
    expect(checkHistory(cluster.recorder.events)).toEqual([]);
    net.assertHealthy();
  });

  /**
   * A one-step rotation strands a member that misses the install carrying the gbcast: it
   * cannot read what the others now sign with the new key, nor they what it signs with the
   * old one (10 % loss did so in 6 of 30 seeds). Accepting the next key before signing with
   * it, and the old one until every member signs with the next, heals that by retransmission.
   * With a one-step switch in this same script, seeds 2 and 6 strand a member.
   */
  it.each([1, 2, 3, 4, 5, 6])('rotates in three steps under 10 %% loss without stranding a member (seed %i)', async (seed) => {
    net = new SimulatedNetwork({ seed, loss: 0.1 });
    const steps: Record<string, (wire: AuthenticatedWire) => void> = {
      accept: (wire) => wire.setKey(KEY, { alsoAccept: [NEXT_KEY] }),
      sign: (wire) => wire.setKey(NEXT_KEY, { alsoAccept: [KEY] }),
      retire: (wire) => wire.setKey(NEXT_KEY),
    };
    const cluster = await formCluster(KEY, (wire, step) => steps[step]!(wire));
    const { groups, wires } = cluster;
    const stepsDone: string[] = [];
    groups.a.handle('rotate-key-done', (step) => {
      stepsDone.push(step as string);
    });
    const nextId = authenticate(net.wire('probe'), { key: NEXT_KEY }).keyId;
    // Not awaited where they are sent: a stranded member's multicasts would never go out, and
    // the test is to fail on the checks below, not hang.
    const sends: Promise<void>[] = [];
    for (const step of ['accept', 'sign', 'retire']) {
      // Each step goes out once the driving member has delivered the one before.
      sends.push(groups.a.gbcast('rotate-key', step), groups.a.fbcast('rotate-key-done', step));
      expect(await net.runUntil(() => stepsDone.includes(step), { timeoutMs: 5_000 })).toBe(true);
    }
    for (const name of NAMES) sends.push(groups[name].fbcast('t', `after-${name}`));
    expect(await everyoneSaw(cluster, 3)).toBe(true);
    await Promise.all(sends);
    expect(
      await net.runUntil(() => NAMES.every((n) => wires[n].keyId === nextId && groups[n].view.members.length === 3), { timeoutMs: 5_000 }),
    ).toBe(true);
    expect(cluster.excluded).toEqual([]);
    expect(checkHistory(cluster.recorder.events)).toEqual([]);
    net.assertHealthy();
  });
});
