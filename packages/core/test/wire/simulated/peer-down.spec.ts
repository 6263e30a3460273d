/**
 * The simulated network's peer-down signal (Wire.onPeerDown), on virtual time: crash(address)
 * tells the live wires that can reach it 'closed' after a one-way link delay; a send to an
 * address whose latest process crashed is answered 'refused' after a round trip; a graceful
 * close() reports nothing. Seeds replay exactly.
 */
import { describe, expect, it } from '@jest/globals';
import type { SimulatedNetwork, SimulatedWire } from '../../../src/wire/simulated/simulated-network.js';
import type { Address, PeerDownReason } from '../../../src/wire/wire.js';
import { decode, encode, networks } from './helpers.js';

const newNetwork = networks();

interface Down {
  at: number;
  address: Address;
  reason: PeerDownReason;
}

function downs(wire: SimulatedWire): Down[] {
  const seen: Down[] = [];
  wire.onPeerDown((address, reason) => seen.push({ at: wire.clock.now(), address, reason }));
  return seen;
}

describe('SimulatedNetwork peer down: crash', () => {
  it('tells every live wire that can reach the crashed one "closed", after a one-way link delay', async () => {
    const net = newNetwork({ seed: 11, delayMs: { min: 2, max: 6 } });
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((name) => net.wire(name)) as SimulatedWire[];
    const seen = new Map([a, b, c, d, e].map((wire) => [wire!.address, downs(wire!)]));
    net.partition(['a', 'b', 'c', 'e'], ['d']); // d cannot reach c
    await e!.close(); // a closed wire hears nothing
    await net.sleep(10);
    net.crash('c');
    const crashedAt = net.now();
    await net.sleep(50);
    for (const name of ['a', 'b']) {
      const got = seen.get(name)!;
      expect(got.map(({ address, reason }) => ({ address, reason }))).toEqual([{ address: 'c', reason: 'closed' }]);
      expect(got[0]!.at - crashedAt).toBeGreaterThanOrEqual(2);
      expect(got[0]!.at - crashedAt).toBeLessThanOrEqual(6);
    }
    expect(seen.get('c')).toEqual([]); // not the crashed one itself
    expect(seen.get('d')).toEqual([]); // partitioned from it
    expect(seen.get('e')).toEqual([]); // closed before
    expect(net.stats.peersDown).toBe(2);
    net.assertHealthy();
  });

  it('uses the directional link crashed -> peer for the delay', async () => {
    const net = newNetwork({ seed: 3 });
    const a = net.wire('a');
    const b = net.wire('b');
    const c = net.wire('c');
    net.setLink('c', 'a', { delayMs: { min: 40, max: 40 } });
    net.setLink('a', 'c', { delayMs: { min: 1, max: 1 } });
    const atA = downs(a);
    const atB = downs(b);
    net.crash(c.address);
    await net.sleep(100);
    expect(atA).toEqual([{ at: 40, address: 'c', reason: 'closed' }]);
    expect(atB[0]!.at).toBeLessThanOrEqual(5);
  });

  it('comes after the frames the crashed process sent before crashing (as a FIN after the data)', async () => {
    const net = newNetwork({ seed: 5, delayMs: { min: 1, max: 5 }, reorder: 1 });
    const a = net.wire('a');
    const c = net.wire('c');
    const events: string[] = [];
    a.onFrame((from, frame) => events.push(`frame ${decode(frame)} from ${from}`));
    a.onPeerDown((address, reason) => events.push(`down ${address} ${reason}`));
    // With reorder 1 every copy gets an extra delay of up to 50 ms: far later than the notice's own draw.
    for (let i = 0; i < 5; i++) c.send('a', encode(`last ${i}`));
    net.crash('c');
    await net.sleep(200);
    expect(events).toHaveLength(6);
    expect(events[5]).toBe('down c closed');
  });

  it('drops the notice if the receiver is partitioned from it, crashed or closed when it would arrive', async () => {
    const net = newNetwork({ seed: 8, delayMs: { min: 10, max: 10 } });
    const [a, b, c] = ['a', 'b', 'c', 'd'].map((name) => net.wire(name)) as SimulatedWire[];
    const atA = downs(a!);
    const atB = downs(b!);
    const atC = downs(c!);
    net.crash('d');
    await net.sleep(5);
    net.partition(['a'], ['d']);
    net.crash('b');
    await c!.close();
    await net.sleep(50);
    // Nobody hears about d: a was partitioned from it, b crashed, c closed in the meantime.
    // a does hear about b, which it can reach.
    expect(atA).toEqual([{ at: 15, address: 'b', reason: 'closed' }]);
    expect(atB).toEqual([]);
    expect(atC).toEqual([]);
    expect(net.stats.peersDown).toBe(1);
    net.assertHealthy();
  });

  it('reports nothing for a graceful close(), nor for sends to a closed address', async () => {
    const net = newNetwork({ seed: 4 });
    const a = net.wire('a');
    const b = net.wire('b');
    const atA = downs(a);
    a.send('b', encode('hello'));
    await net.sleep(10);
    await b.close();
    a.send('b', encode('after close'));
    a.send('never-created', encode('nobody'));
    await net.sleep(100);
    expect(atA).toEqual([]);
    expect(net.stats.peersDown).toBe(0);
  });

  it('a crash of an already crashed or closed process reports nothing more', async () => {
    const net = newNetwork({ seed: 6 });
    const a = net.wire('a');
    net.wire('b');
    const c = net.wire('c');
    const atA = downs(a);
    net.crash('b');
    net.crash('b');
    await c.close();
    net.crash('c');
    await net.sleep(20);
    expect(atA.map((d) => d.address)).toEqual(['b']);
  });
});

describe('SimulatedNetwork peer down: refused', () => {
  it('answers a send to a crashed address with "refused" after a round trip, once per crash and sender', async () => {
    const net = newNetwork({ seed: 21, delayMs: { min: 3, max: 7 } });
    const a = net.wire('a');
    const b = net.wire('b');
    net.wire('c');
    const atA = downs(a);
    const atB = downs(b);
    net.crash('c');
    await net.sleep(20);
    expect(atA.map((d) => d.reason)).toEqual(['closed']);

    const sentAt = net.now();
    for (let i = 0; i < 5; i++) a.send('c', encode(`to the dead ${i}`));
    b.send('c', encode('me too'));
    await net.sleep(50);
    const refusedA = atA.filter((d) => d.reason === 'refused');
    expect(refusedA.map(({ address, reason }) => ({ address, reason }))).toEqual([{ address: 'c', reason: 'refused' }]);
    expect(refusedA[0]!.at - sentAt).toBeGreaterThanOrEqual(6);
    expect(refusedA[0]!.at - sentAt).toBeLessThanOrEqual(14);
    expect(atB.filter((d) => d.reason === 'refused')).toHaveLength(1);
    expect(net.stats.peersDown).toBe(4);

    // A restarted process listens again: nothing refused. Crashed again: refused again, once.
    const c2 = net.wire('c');
    let got = 0;
    c2.onFrame(() => got++);
    a.send('c', encode('welcome back'));
    await net.sleep(20);
    expect(got).toBe(1);
    expect(atA.filter((d) => d.reason === 'refused')).toHaveLength(1);
    net.crash('c');
    a.send('c', encode('again?'));
    a.send('c', encode('again??'));
    await net.sleep(50);
    expect(atA.filter((d) => d.reason === 'refused')).toHaveLength(2);
    expect(atA.filter((d) => d.reason === 'closed')).toHaveLength(2);
    net.assertHealthy();
  });

  it('refuses nothing across a partition (the dial would time out), to a never-created address, or to a crashed sender', async () => {
    const net = newNetwork({ seed: 22 });
    const a = net.wire('a');
    const b = net.wire('b');
    net.wire('c');
    net.partition(['a'], ['c']);
    net.crash('c');
    const atA = downs(a);
    const atB = downs(b);
    a.send('c', encode('through the wall'));
    a.send('nobody', encode('nobody'));
    await net.sleep(1);
    b.send('c', encode('b asks'));
    net.crash('b'); // before its answer arrives
    await net.sleep(50);
    expect(atA.filter((d) => d.address !== 'b')).toEqual([]); // (b's crash is reported, 'closed')
    expect(atB.filter((d) => d.reason === 'refused')).toEqual([]);
    // Healed: the next send is refused.
    net.heal();
    a.send('c', encode('now?'));
    await net.sleep(50);
    expect(atA.filter((d) => d.address === 'c').map((d) => d.reason)).toEqual(['refused']);
  });
});

describe('SimulatedNetwork peer down: the listener', () => {
  it('a throwing listener is collected in network.errors; a later onPeerDown replaces it', async () => {
    const net = newNetwork({ seed: 31 });
    const a = net.wire('a');
    net.wire('b');
    net.wire('c');
    a.onPeerDown(() => {
      throw new Error('listener bug');
    });
    net.crash('b');
    await net.sleep(20);
    expect(net.errors).toHaveLength(1);
    const atA = downs(a);
    net.crash('c');
    await net.sleep(20);
    expect(atA.map((d) => d.address)).toEqual(['c']);
    expect(net.errors).toHaveLength(1);
    expect(() => a.onPeerDown(42 as never)).toThrow(/onPeerDown/);
    net.errors.length = 0;
  });
});

describe('SimulatedNetwork peer down: determinism', () => {
  async function scenario(net: SimulatedNetwork): Promise<string[]> {
    const log: string[] = [];
    net.trace = (e) => log.push(`${e.time.toFixed(6)} ${e.kind} #${e.frameId}.${e.copy} ${e.from}>${e.to} ${e.reason ?? ''}`);
    const names = ['p0', 'p1', 'p2', 'p3', 'p4'];
    const start = (name: string): void => {
      const wire = net.wire(name);
      wire.onFrame(() => {});
      wire.onPeerDown((address, reason) => log.push(`${wire.clock.now().toFixed(6)} ${name} down ${address} ${reason}`));
      const tick = (): void => {
        wire.send(names[wire.random.int(names.length)]!, encode(name));
        wire.clock.setTimer(2 + wire.random.int(10), tick);
      };
      tick();
    };
    names.forEach(start);
    net.clock.setTimer(100, () => net.partition(['p0', 'p1', 'p2'], ['p3']));
    net.clock.setTimer(150, () => net.crash('p2'));
    net.clock.setTimer(200, () => net.crash('p4'));
    net.clock.setTimer(250, () => net.heal());
    net.clock.setTimer(300, () => start('p2'));
    net.clock.setTimer(350, () => net.crash('p2'));
    await net.sleep(500);
    net.assertHealthy();
    const history = [...log];
    await net.close();
    return history;
  }

  const options = (seed: number) => ({ seed, delayMs: { min: 1, max: 9 }, loss: 0.1, duplication: 0.1, reorder: 0.2 });

  it('the same seed replays the same peer-down signals, at the same virtual times', async () => {
    const [first, second] = await Promise.all([scenario(newNetwork(options(77))), scenario(newNetwork(options(77)))]);
    expect(second).toEqual(first);
    const signals = first.filter((line) => line.includes(' down '));
    expect(signals.some((line) => line.endsWith('down p2 closed'))).toBe(true);
    expect(signals.some((line) => line.endsWith('down p4 closed'))).toBe(true);
    expect(signals.some((line) => line.endsWith('refused'))).toBe(true);
    // p3 was partitioned from p2 when it crashed the first time: no 'closed' for that crash.
    expect(signals.filter((line) => line.includes(' p3 down p2 closed'))).toHaveLength(1);
    const other = await scenario(newNetwork(options(78)));
    expect(other.filter((line) => line.includes(' down '))).not.toEqual(signals);
  });

  it('peer-down signals draw from their own stream: frame delays are the same with or without a crash', async () => {
    const frames = async (crash: boolean): Promise<string[]> => {
      const net = newNetwork({ seed: 99, delayMs: { min: 1, max: 20 }, reorder: 0.3 });
      const times: string[] = [];
      const x = net.wire('x');
      const y = net.wire('y');
      net.wire('z');
      y.onFrame((_from, frame) => times.push(`${net.now().toFixed(6)} ${decode(frame)}`));
      await net.sleep(5);
      if (crash) net.crash('z');
      for (let i = 0; i < 20; i++) x.send('y', encode(`f${i}`));
      x.send('z', encode('to z')); // refused after the crash: another signal draw
      for (let i = 20; i < 40; i++) x.send('y', encode(`f${i}`));
      await net.sleep(500);
      return times;
    };
    const withCrash = await frames(true);
    expect(withCrash).toHaveLength(40);
    expect(withCrash).toEqual(await frames(false));
  });
});
