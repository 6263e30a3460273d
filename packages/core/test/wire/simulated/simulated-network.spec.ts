import { describe, expect, it } from '@jest/globals';
import { CohortError, InvalidArgumentError } from '../../../src/errors.js';
import {
  AddressInUseError,
  SimulationClosedError,
  SimulationUnhealthyError,
  type FrameTraceEvent,
} from '../../../src/wire/simulated/simulated-network.js';
import { decode, encode, networks } from './helpers.js';

interface Received {
  at: number;
  from: string;
  text: string;
}

const newNetwork = networks();

function listen(wire: { onFrame(r: (from: string, frame: Uint8Array) => void): void }, now: () => number): Received[] {
  const received: Received[] = [];
  wire.onFrame((from, frame) => received.push({ at: now(), from, text: decode(frame) }));
  return received;
}

describe('SimulatedNetwork: options', () => {
  it.each([
    [{}],
    [{ seed: 1.5 }],
    [{ seed: Number.NaN }],
    [{ seed: 1, delayMs: { min: 5, max: 1 } }],
    [{ seed: 1, delayMs: { min: -1, max: 1 } }],
    [{ seed: 1, delayMs: { min: 0, max: Number.POSITIVE_INFINITY } }],
    [{ seed: 1, loss: 1.5 }],
    [{ seed: 1, loss: -0.1 }],
    [{ seed: 1, duplication: Number.NaN }],
    [{ seed: 1, reorder: 2 }],
  ])('rejects %j with INVALID_ARGUMENT', (options) => {
    expect(() => newNetwork(options as { seed: number })).toThrow(InvalidArgumentError);
    try {
      newNetwork(options as { seed: number });
    } catch (error) {
      expect(error).toBeInstanceOf(CohortError);
      expect((error as CohortError).code).toBe('INVALID_ARGUMENT');
    }
  });

  it('validates per-link overrides, partitions and crash targets', () => {
    const network = newNetwork({ seed: 1 });
    expect(() => network.setLink('a', 'b', { loss: 3 })).toThrow(InvalidArgumentError);
    expect(() => network.setLink('', 'b', {})).toThrow(InvalidArgumentError);
    expect(() => network.partition(['a', 'b'], ['b'])).toThrow(InvalidArgumentError);
    expect(() => network.crash('nobody')).toThrow(InvalidArgumentError);
    expect(() => network.wire('')).toThrow(InvalidArgumentError);
  });

  it('has defaults of 1..5 ms delay and no faults', () => {
    const network = newNetwork({ seed: 1 });
    expect(network.link('a', 'b')).toEqual({ delayMs: { min: 1, max: 5 }, loss: 0, duplication: 0, reorder: 0 });
  });
});

describe('SimulatedNetwork: delivery', () => {
  it('delivers within the delay range, through the queue, in FIFO order on a fixed-delay link', async () => {
    const network = newNetwork({ seed: 3, delayMs: { min: 5, max: 5 } });
    const a = network.wire('a');
    const b = network.wire('b');
    const got = listen(b, () => network.now());
    for (let i = 0; i < 5; i++) a.send('b', encode(`m${i}`));
    expect(got).toEqual([]); // never synchronous
    await network.sleep(10);
    expect(got).toEqual([0, 1, 2, 3, 4].map((i) => ({ at: 5, from: 'a', text: `m${i}` })));
    network.assertHealthy();
  });

  it('draws each delay uniformly within [min, max] and delivers in delivery-time order', async () => {
    const network = newNetwork({ seed: 4, delayMs: { min: 10, max: 20 } });
    const a = network.wire('a');
    const b = network.wire('b');
    const got = listen(b, () => network.now());
    for (let i = 0; i < 200; i++) a.send('b', encode(String(i)));
    await network.sleep(25);
    expect(got).toHaveLength(200);
    const times = got.map((r) => r.at);
    expect(times.every((t) => t >= 10 && t <= 20)).toBe(true);
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    expect(new Set(times).size).toBeGreaterThan(100); // really drawn, not constant
  });

  it('copies the frame at send', async () => {
    const network = newNetwork({ seed: 5 });
    const a = network.wire('a');
    const b = network.wire('b');
    const got = listen(b, () => network.now());
    const frame = encode('hello');
    a.send('b', frame);
    frame.fill(0);
    await network.sleep(10);
    expect(got.map((r) => r.text)).toEqual(['hello']);
  });

  it('delivers frames to self', async () => {
    const network = newNetwork({ seed: 6, delayMs: { min: 2, max: 2 } });
    const a = network.wire('a');
    const got = listen(a, () => network.now());
    a.send('a', encode('me'));
    expect(got).toEqual([]);
    await network.sleep(5);
    expect(got).toEqual([{ at: 2, from: 'a', text: 'me' }]);
  });

  it('drops frames to an address without a wire or without a receiver', async () => {
    const network = newNetwork({ seed: 7 });
    const a = network.wire('a');
    network.wire('deaf');
    a.send('nowhere', encode('x'));
    a.send('deaf', encode('y'));
    await network.sleep(10);
    expect(network.stats).toMatchObject({ sent: 2, delivered: 0, dropped: 2, droppedDown: 2, inFlight: 0 });
  });

  it('loses about `loss` of the frames', async () => {
    const network = newNetwork({ seed: 8, loss: 0.3 });
    const a = network.wire('a');
    const b = network.wire('b');
    const got = listen(b, () => network.now());
    const n = 10_000;
    for (let i = 0; i < n; i++) a.send('b', encode('x'));
    await network.sleep(10);
    const rate = 1 - got.length / n;
    expect(rate).toBeGreaterThan(0.27);
    expect(rate).toBeLessThan(0.33);
    expect(network.stats).toMatchObject({ sent: n, delivered: got.length, droppedLoss: n - got.length, inFlight: 0 });
  });

  it('duplicates frames, each copy with its own delay', async () => {
    const network = newNetwork({ seed: 9, duplication: 1, delayMs: { min: 1, max: 50 } });
    const a = network.wire('a');
    const b = network.wire('b');
    const got = listen(b, () => network.now());
    for (let i = 0; i < 100; i++) a.send('b', encode(String(i)));
    await network.sleep(60);
    expect(got).toHaveLength(200);
    for (let i = 0; i < 100; i++) {
      const copies = got.filter((r) => r.text === String(i));
      expect(copies).toHaveLength(2);
    }
    const sameTime = got
      .filter((r, i) => got.findIndex((o) => o.text === r.text) === i)
      .filter((first) => got.filter((r) => r.text === first.text).every((r) => r.at === first.at));
    expect(sameTime.length).toBeLessThan(5);
    expect(network.stats).toMatchObject({ sent: 100, duplicated: 100, delivered: 200, dropped: 0 });
  });

  it('duplicates about `duplication` of the frames', async () => {
    const network = newNetwork({ seed: 10, duplication: 0.2 });
    const a = network.wire('a');
    const b = network.wire('b');
    listen(b, () => network.now());
    for (let i = 0; i < 5000; i++) a.send('b', encode('x'));
    await network.sleep(10);
    const { duplicated, delivered } = network.stats;
    expect(duplicated / 5000).toBeGreaterThan(0.17);
    expect(duplicated / 5000).toBeLessThan(0.23);
    expect(delivered).toBe(5000 + duplicated);
  });

  it('reorder makes frames overtake each other; without it a fixed-delay link is FIFO', async () => {
    const order = async (reorder: number): Promise<number[]> => {
      const network = newNetwork({ seed: 11, reorder, delayMs: { min: 2, max: 2 } });
      const a = network.wire('a');
      const b = network.wire('b');
      const got = listen(b, () => network.now());
      for (let i = 0; i < 100; i++) a.send('b', encode(String(i)));
      await network.sleep(100);
      expect(got).toHaveLength(100);
      const late = got.filter((r) => r.at > 2).length;
      if (reorder > 0) expect(late).toBeGreaterThan(30);
      else expect(late).toBe(0);
      return got.map((r) => Number(r.text));
    };
    const fifo = await order(0);
    expect(fifo).toEqual([...fifo].sort((x, y) => x - y));
    const shuffled = await order(0.5);
    expect(shuffled).not.toEqual([...shuffled].sort((x, y) => x - y));
    expect([...shuffled].sort((x, y) => x - y)).toEqual(fifo);
  });

  it('per-link overrides are directional and clearLink restores the defaults', async () => {
    const network = newNetwork({ seed: 12, delayMs: { min: 1, max: 1 } });
    const a = network.wire('a');
    const b = network.wire('b');
    const atA = listen(a, () => network.now());
    const atB = listen(b, () => network.now());
    network.setLink('a', 'b', { delayMs: { min: 50, max: 50 } });
    network.setLink('b', 'a', { loss: 1 });
    expect(network.link('a', 'b')).toEqual({ delayMs: { min: 50, max: 50 }, loss: 0, duplication: 0, reorder: 0 });
    a.send('b', encode('slow'));
    b.send('a', encode('lost'));
    await network.sleep(60);
    expect(atB).toEqual([{ at: 50, from: 'a', text: 'slow' }]);
    expect(atA).toEqual([]);

    network.clearLink('a', 'b');
    network.clearLink('b', 'a');
    network.clearLink('b', 'a');
    a.send('b', encode('fast'));
    b.send('a', encode('kept'));
    await network.sleep(10);
    expect(atB[1]).toEqual({ at: 61, from: 'a', text: 'fast' });
    expect(atA).toEqual([{ at: 61, from: 'b', text: 'kept' }]);
  });
});

describe('SimulatedNetwork: partitions', () => {
  it('blocks both directions across sides, leaves others alone, and heal() restores', async () => {
    const network = newNetwork({ seed: 13, delayMs: { min: 1, max: 1 } });
    const wires = Object.fromEntries(['a', 'b', 'c', 'd'].map((x) => [x, network.wire(x)]));
    const got = Object.fromEntries(Object.entries(wires).map(([x, w]) => [x, listen(w, () => network.now())]));
    const sendAll = (): void => {
      for (const from of Object.keys(wires)) {
        for (const to of Object.keys(wires)) if (from !== to) wires[from]!.send(to, encode(`${from}>${to}`));
      }
    };
    network.partition(['a', 'b'], ['c']); // d is in no side
    sendAll();
    await network.sleep(5);
    const texts = (x: string): string[] => got[x]!.map((r) => r.text).sort();
    expect(texts('a')).toEqual(['b>a', 'd>a']);
    expect(texts('b')).toEqual(['a>b', 'd>b']);
    expect(texts('c')).toEqual(['d>c']);
    expect(texts('d')).toEqual(['a>d', 'b>d', 'c>d']);
    expect(network.stats.droppedPartition).toBe(4);

    network.heal();
    for (const x of Object.keys(got)) got[x]!.length = 0;
    sendAll();
    await network.sleep(5);
    for (const x of Object.keys(got)) expect(got[x]).toHaveLength(3);
  });

  it('a new partition replaces the previous one', async () => {
    const network = newNetwork({ seed: 14 });
    const a = network.wire('a');
    const b = network.wire('b');
    const atB = listen(b, () => network.now());
    network.partition(['a'], ['b']);
    network.partition(['a', 'b'], ['c']);
    a.send('b', encode('x'));
    await network.sleep(10);
    expect(atB).toHaveLength(1);
  });

  it('drops frames in flight when the partition starts before they arrive, both ways', async () => {
    const network = newNetwork({ seed: 15, delayMs: { min: 10, max: 10 } });
    const a = network.wire('a');
    const b = network.wire('b');
    const atA = listen(a, () => network.now());
    const atB = listen(b, () => network.now());
    a.send('b', encode('ab'));
    b.send('a', encode('ba'));
    await network.sleep(5);
    network.partition(['b'], ['a']);
    await network.sleep(10);
    expect(atA).toEqual([]);
    expect(atB).toEqual([]);
    expect(network.stats).toMatchObject({ droppedPartition: 2, inFlight: 0 });
  });
});

describe('SimulatedNetwork: crashes and wires', () => {
  it('a crash cancels the node timers and deferred calls and drops its frames', async () => {
    const network = newNetwork({ seed: 16, delayMs: { min: 3, max: 3 } });
    const a = network.wire('a');
    const b = network.wire('b');
    const atA = listen(a, () => network.now());
    const atB = listen(b, () => network.now());
    const fired: string[] = [];
    a.clock.setTimer(10, () => fired.push('timer'));
    a.clock.setTimer(1, () => a.clock.defer(() => fired.push('never')));
    a.send('b', encode('in flight from a')); // arrives at 3, after the crash: still delivered
    b.send('a', encode('in flight to a')); // arrives at 3: a is down
    await network.sleep(1);
    network.crash('a');
    expect(network.isCrashed('a')).toBe(true);
    expect(network.isCrashed('b')).toBe(false);
    expect(a.state).toBe('crashed');
    a.clock.setTimer(1, () => fired.push('after crash'));
    a.clock.defer(() => fired.push('after crash'));
    expect(a.clock.pending).toBe(0);
    a.send('b', encode('from the dead'));
    b.send('a', encode('to the dead'));
    await network.sleep(20);
    expect(fired).toEqual([]);
    expect(atA).toEqual([]);
    expect(atB.map((r) => r.text)).toEqual(['in flight from a']);
    expect(network.stats).toMatchObject({ sent: 4, delivered: 1, droppedDown: 3, inFlight: 0 });
    network.crash('a'); // no-op
  });

  it('one live wire per address; a restarted process gets a fresh wire and a new random stream', async () => {
    const network = newNetwork({ seed: 17, delayMs: { min: 1, max: 1 } });
    const a0 = network.wire('a');
    expect(() => network.wire('a')).toThrow(AddressInUseError);
    const first = [a0.random.next(), a0.random.next()];
    network.crash('a');
    const a1 = network.wire('a');
    expect(a1.incarnation).toBe(1);
    expect(network.isCrashed('a')).toBe(false);
    expect([a1.random.next(), a1.random.next()]).not.toEqual(first);
    const b = network.wire('b');
    const atA = listen(a1, () => network.now());
    b.send('a', encode('hi'));
    await network.sleep(2);
    expect(atA.map((r) => r.text)).toEqual(['hi']);

    await a1.close();
    await a1.close();
    expect(a1.state).toBe('closed');
    expect(network.isCrashed('a')).toBe(false);
    const a2 = network.wire('a');
    expect(a2.incarnation).toBe(2);
  });

  it('closing a wire stops its timers and its traffic', async () => {
    const network = newNetwork({ seed: 18 });
    const a = network.wire('a');
    const b = network.wire('b');
    const atB = listen(b, () => network.now());
    let fired = false;
    a.clock.setTimer(5, () => {
      fired = true;
    });
    await a.close();
    a.send('b', encode('x'));
    await network.sleep(10);
    expect(fired).toBe(false);
    expect(atB).toEqual([]);
  });

  it('node randoms are derived from the seed and the address', () => {
    const draw = (seed: number, address: string): number[] => {
      const network = newNetwork({ seed });
      const wire = network.wire(address);
      return [wire.random.next(), wire.random.next(), wire.random.int(1000)];
    };
    expect(draw(1, 'a')).toEqual(draw(1, 'a'));
    expect(draw(1, 'a')).not.toEqual(draw(1, 'b'));
    expect(draw(1, 'a')).not.toEqual(draw(2, 'a'));
    const network = newNetwork({ seed: 1 });
    expect(network.random.next()).not.toEqual(network.wire('a').random.next());
  });
});

describe('SimulatedNetwork: virtual time', () => {
  it('runs a 60 s heartbeat scenario among 5 nodes on virtual time', async () => {
    const network = newNetwork({ seed: 19 });
    const names = ['n0', 'n1', 'n2', 'n3', 'n4'];
    const heard = new Map<string, number>(names.map((n) => [n, 0]));
    for (const name of names) {
      const wire = network.wire(name);
      wire.onFrame(() => heard.set(name, heard.get(name)! + 1));
      const beat = (): void => {
        for (const peer of names) if (peer !== name) wire.send(peer, encode(`hb ${name}`));
        wire.clock.setTimer(100, beat);
      };
      wire.clock.setTimer(wire.random.int(100), beat);
    }
    await network.sleep(60_000);
    expect(network.now()).toBe(60_000);
    for (const name of names) {
      expect(heard.get(name)).toBeGreaterThanOrEqual(4 * 595);
      expect(heard.get(name)).toBeLessThanOrEqual(4 * 601);
    }
    expect(network.clock.eventsRun).toBeGreaterThan(5 * 600 * 5);
    network.assertHealthy();
  });

  it('drives virtual time for any awaited promise, without sleep() or runUntil()', async () => {
    const network = newNetwork({ seed: 27 });
    const a = network.wire('a');
    const b = network.wire('b');
    let pings = 0;
    b.onFrame(() => pings++);
    const beat = (): void => {
      a.send('b', encode('hb'));
      a.clock.setTimer(10, beat);
    };
    beat();
    // Like `await group.join()`: a promise settled by simulated events only.
    await new Promise<void>((resolve) => b.clock.setTimer(30_000, resolve));
    expect(network.now()).toBe(30_000);
    expect(pings).toBeGreaterThan(2990);
  });

  it('runUntil resolves true right after the event that makes the predicate hold', async () => {
    const network = newNetwork({ seed: 20, delayMs: { min: 7, max: 7 } });
    const a = network.wire('a');
    const b = network.wire('b');
    let count = 0;
    b.onFrame(() => {
      count++;
    });
    a.clock.setTimer(0, () => a.send('b', encode('1')));
    a.clock.setTimer(10, () => a.send('b', encode('2')));
    a.clock.setTimer(20, () => a.send('b', encode('3')));
    await expect(network.runUntil(() => count >= 2, { timeoutMs: 1000 })).resolves.toBe(true);
    expect(network.now()).toBe(17);
    await expect(network.runUntil(() => count >= 2)).resolves.toBe(true); // already holds
    expect(network.now()).toBe(17);
  });

  it('runUntil sees state settled by promise continuations', async () => {
    const network = newNetwork({ seed: 21 });
    let done = false;
    network.clock.setTimer(5, () => {
      void Promise.resolve()
        .then(() => undefined)
        .then(() => {
          done = true;
        });
    });
    network.clock.setTimer(1000, () => {});
    await expect(network.runUntil(() => done)).resolves.toBe(true);
    expect(network.now()).toBe(5);
  });

  it('runUntil resolves false at the virtual timeout', async () => {
    const network = newNetwork({ seed: 22 });
    const a = network.wire('a');
    const tick = (): void => {
      a.clock.setTimer(10, tick);
    };
    tick();
    await expect(network.runUntil(() => false, { timeoutMs: 1000 })).resolves.toBe(false);
    expect(network.now()).toBe(1000);
    await expect(network.runUntil(() => false, { timeoutMs: 250 })).resolves.toBe(false);
    expect(network.now()).toBe(1250);
  });

  it('runUntil rejects when the predicate throws; bad arguments reject', async () => {
    const network = newNetwork({ seed: 23 });
    let calls = 0;
    network.clock.setTimer(5, () => {});
    await expect(
      network.runUntil(() => {
        if (++calls > 1) throw new Error('bad predicate');
        return false;
      }),
    ).rejects.toThrow('bad predicate');
    await expect(network.runUntil(() => true, { timeoutMs: -1 })).rejects.toThrow(InvalidArgumentError);
    await expect(network.sleep(Number.NaN)).rejects.toThrow(InvalidArgumentError);
  });
});

describe('SimulatedNetwork: errors, trace and close', () => {
  it('collects errors thrown by receivers and timers and keeps running', async () => {
    const network = newNetwork({ seed: 24, delayMs: { min: 1, max: 1 } });
    const a = network.wire('a');
    const b = network.wire('b');
    const got: string[] = [];
    b.onFrame((_from, frame) => {
      const text = decode(frame);
      if (text === 'bad') throw new Error('receiver failed');
      got.push(text);
    });
    a.clock.setTimer(2, () => {
      throw new Error('timer failed');
    });
    a.send('b', encode('bad'));
    a.send('b', encode('good'));
    await network.sleep(5);
    expect(got).toEqual(['good']);
    expect(network.errors.map((e) => (e as Error).message)).toEqual(['receiver failed', 'timer failed']);
    expect(() => network.assertHealthy()).toThrow(SimulationUnhealthyError);
    try {
      network.assertHealthy();
    } catch (error) {
      expect((error as CohortError).code).toBe('SIM_UNHEALTHY');
    }
  });

  it('traces every send, duplicate, delivery and drop', async () => {
    const network = newNetwork({ seed: 25, delayMs: { min: 2, max: 2 } });
    const events: FrameTraceEvent[] = [];
    network.trace = (event) => events.push(event);
    const a = network.wire('a');
    const b = network.wire('b');
    b.onFrame(() => {});
    network.setLink('a', 'b', { duplication: 1 });
    a.send('b', encode('abc'));
    a.send('zz', encode('x'));
    await network.sleep(5);
    expect(events).toEqual([
      { kind: 'send', time: 0, frameId: 1, copy: 0, from: 'a', to: 'b', byteLength: 3 },
      { kind: 'duplicate', time: 0, frameId: 1, copy: 1, from: 'a', to: 'b', byteLength: 3 },
      { kind: 'send', time: 0, frameId: 2, copy: 0, from: 'a', to: 'zz', byteLength: 1 },
      { kind: 'deliver', time: 2, frameId: 1, copy: 0, from: 'a', to: 'b', byteLength: 3 },
      { kind: 'deliver', time: 2, frameId: 1, copy: 1, from: 'a', to: 'b', byteLength: 3 },
      { kind: 'drop', time: 2, frameId: 2, copy: 0, from: 'a', to: 'zz', byteLength: 1, reason: 'receiver-down' },
    ]);
  });

  it('close() stops everything, rejects waiters, is idempotent and leaves no handle behind', async () => {
    const network = newNetwork({ seed: 26 });
    const a = network.wire('a');
    const b = network.wire('b');
    let heard = 0;
    b.onFrame(() => heard++);
    const beat = (): void => {
      a.send('b', encode('hb'));
      a.clock.setTimer(100, beat);
    };
    beat();
    await network.sleep(1000);
    // Nobody waits on virtual time, but the heartbeat keeps the driver going until close().
    expect(network.clock.driving).toBe(true);
    const pendingSleep = network.sleep(10_000);
    const pendingRun = network.runUntil(() => false);
    expect(network.clock.driving).toBe(true);
    await network.close();
    await network.close();
    await expect(pendingSleep).rejects.toThrow(SimulationClosedError);
    await expect(pendingRun).rejects.toThrow(SimulationClosedError);
    await expect(network.sleep(1)).rejects.toThrow(SimulationClosedError);
    await expect(network.runUntil(() => true)).rejects.toThrow(SimulationClosedError);
    expect(() => network.wire('c')).toThrow(SimulationClosedError);
    expect(network.closed).toBe(true);
    expect(a.state).toBe('closed');
    expect(network.clock.driving).toBe(false);
    expect(network.clock.pending).toBe(0);
    const heardAtClose = heard;
    const now = network.now();
    a.clock.setTimer(1, beat);
    network.clock.setTimer(1, beat);
    expect(network.clock.driving).toBe(false);
    await Promise.resolve();
    expect(heard).toBe(heardAtClose);
    expect(network.now()).toBe(now);
  });
});
