import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  AUTH_TRAILER_BYTES,
  authenticate,
  KEY_BYTES_MIN,
  type AuthenticatedWire,
  type AuthenticateOptions,
} from '../../src/wire/authenticated-wire.js';
import { SimulatedNetwork } from '../../src/wire/simulated/simulated-network.js';
import type { Address, Wire } from '../../src/wire/wire.js';

const KEY = 'a group key of more than sixteen bytes';
const OTHER_KEY = 'another key, also long enough';

let net: SimulatedNetwork;

afterEach(async () => {
  await net.close();
});

interface Endpoint {
  wire: AuthenticatedWire;
  received: { from: Address; frame: Uint8Array }[];
}

function endpoint(address: Address, options: Partial<AuthenticateOptions> = {}): Endpoint {
  const received: Endpoint['received'] = [];
  const wire = authenticate(net.wire(address), { key: KEY, log: () => {}, ...options });
  wire.onFrame((from, frame) => received.push({ from, frame: frame.slice() }));
  return { wire, received };
}

/** A wire with no key: it sends and sees raw bytes, as a peer on the network would. */
function rawPeer(address: Address): { wire: Wire; received: Uint8Array[] } {
  const received: Uint8Array[] = [];
  const wire = net.wire(address);
  wire.onFrame((_from, frame) => received.push(frame.slice()));
  return { wire, received };
}

/** Runs virtual time until every frame in flight has arrived (delays are at most 5 ms). */
const settle = (): Promise<void> => net.sleep(10);

/** A wire on no network: enough to compute a key id. */
const detached: Wire = { address: 'nowhere', send: () => {}, onFrame: () => {}, close: () => Promise.resolve() };

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

/** What `sender` puts on the network for `frame`, seen by a raw peer. */
async function signedBytes(sender: AuthenticatedWire, frame: Uint8Array): Promise<Uint8Array> {
  const sniffer = rawPeer(`sniffer-${sender.keyId}-${net.now()}`);
  sender.send(sniffer.wire.address, frame);
  await settle();
  return sniffer.received[0]!;
}

describe('authenticate(): signing and checking frames', () => {
  it('delivers frames between wires that share the key, unchanged, including an empty one', async () => {
    net = new SimulatedNetwork({ seed: 1, delayMs: { min: 1, max: 1 } }); // a fixed delay keeps the order
    const a = endpoint('a');
    const b = endpoint('b');
    const frames = [bytes(1, 2, 3), new Uint8Array(0), Uint8Array.from({ length: 5000 }, (_, i) => i % 251)];
    for (const frame of frames) a.wire.send('b', frame);
    b.wire.send('a', bytes(9));
    await settle();
    expect(b.received.map((r) => r.frame)).toEqual(frames);
    expect(b.received.every((r) => r.from === 'a')).toBe(true);
    expect(a.received).toEqual([{ from: 'b', frame: bytes(9) }]);
    expect(b.wire.stats).toMatchObject({ framesAuthenticated: 3, framesRejected: 0 });
    expect(a.wire.stats).toMatchObject({ framesSigned: 3, framesAuthenticated: 1 });
  });

  it('adds one key-id byte and a 32-byte tag to every frame', async () => {
    net = new SimulatedNetwork({ seed: 2 });
    const a = endpoint('a');
    const signed = await signedBytes(a.wire, bytes(7, 7, 7));
    expect(AUTH_TRAILER_BYTES).toBe(33);
    expect(signed.length).toBe(3 + AUTH_TRAILER_BYTES);
    expect(Array.from(signed.subarray(0, 3))).toEqual([7, 7, 7]);
    expect(signed[3]).toBe(a.wire.keyId);
  });

  it('treats a string key as its UTF-8 bytes', async () => {
    net = new SimulatedNetwork({ seed: 3 });
    const text = 'ключ-группы-шестнадцать';
    const a = endpoint('a', { key: text });
    const b = endpoint('b', { key: new TextEncoder().encode(text) });
    expect(a.wire.keyId).toBe(b.wire.keyId);
    a.wire.send('b', bytes(1));
    await settle();
    expect(b.received.map((r) => r.frame)).toEqual([bytes(1)]);
  });

  it('keeps its own copy of a key given as bytes', async () => {
    net = new SimulatedNetwork({ seed: 4 });
    const key = new TextEncoder().encode(KEY);
    const a = endpoint('a', { key });
    key.fill(0);
    const b = endpoint('b');
    a.wire.send('b', bytes(5));
    await settle();
    expect(b.received).toHaveLength(1);
  });
});

describe('authenticate(): what it drops', () => {
  it('drops and counts frames signed with another key, and never hands them up', async () => {
    net = new SimulatedNetwork({ seed: 5 });
    const a = endpoint('a', { key: OTHER_KEY });
    const b = endpoint('b');
    expect(a.wire.keyId).not.toBe(b.wire.keyId);
    for (let i = 0; i < 4; i++) a.wire.send('b', bytes(i));
    await settle();
    expect(b.received).toEqual([]);
    expect(b.wire.stats).toMatchObject({ framesRejected: 4, rejectedWrongKey: 4, rejectedBadTag: 0, framesAuthenticated: 0 });
  });

  it('drops a frame whose key id matches but whose tag was made with another key', async () => {
    net = new SimulatedNetwork({ seed: 6 });
    const b = endpoint('b');
    // Key ids are one byte: find another key that shares b's, so only the tag can tell.
    let collidingKey = '';
    for (let i = 0; collidingKey === ''; i++) {
      const candidate = `colliding key candidate ${i}`;
      if (authenticate(detached, { key: candidate }).keyId === b.wire.keyId) collidingKey = candidate;
    }
    const mallory = endpoint('mallory', { key: collidingKey });
    mallory.wire.send('b', bytes(1, 2, 3));
    await settle();
    expect(b.received).toEqual([]);
    expect(b.wire.stats).toMatchObject({ framesRejected: 1, rejectedBadTag: 1, rejectedWrongKey: 0 });
  });

  it('drops a signed frame with any one bit flipped: in the frame, the key id or the tag', async () => {
    net = new SimulatedNetwork({ seed: 7 });
    const a = endpoint('a');
    const b = endpoint('b');
    const signed = await signedBytes(a.wire, bytes(1, 0, 3, 0x67, 0x72, 0x70, 200, 255));
    const eve = rawPeer('eve');
    const bits = signed.length * 8;
    for (let bit = 0; bit < bits; bit++) {
      const flipped = signed.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      eve.wire.send('b', flipped);
    }
    eve.wire.send('b', signed);
    await settle();
    // Only the untouched copy gets through.
    expect(b.received.map((r) => r.frame)).toEqual([bytes(1, 0, 3, 0x67, 0x72, 0x70, 200, 255)]);
    expect(b.wire.stats).toMatchObject({ framesRejected: bits, framesAuthenticated: 1 });
    expect(b.wire.stats.rejectedWrongKey).toBe(8);
  });

  it('drops frames too short to hold a key id and a tag', async () => {
    net = new SimulatedNetwork({ seed: 8 });
    const b = endpoint('b');
    const eve = rawPeer('eve');
    for (let length = 0; length < AUTH_TRAILER_BYTES; length++) eve.wire.send('b', new Uint8Array(length).fill(b.wire.keyId));
    await settle();
    expect(b.received).toEqual([]);
    expect(b.wire.stats).toMatchObject({ framesRejected: AUTH_TRAILER_BYTES, rejectedTooShort: AUTH_TRAILER_BYTES });
  });

  it('drops an unsigned frame with a guessed trailer', async () => {
    net = new SimulatedNetwork({ seed: 9 });
    const b = endpoint('b');
    const eve = rawPeer('eve');
    const guess = new Uint8Array(10 + AUTH_TRAILER_BYTES);
    guess[10] = b.wire.keyId;
    eve.wire.send('b', guess);
    await settle();
    expect(b.received).toEqual([]);
    expect(b.wire.stats).toMatchObject({ rejectedBadTag: 1 });
  });
});

describe('authenticate(): setKey', () => {
  it('switches at once: old-key frames are dropped, new-key frames delivered', async () => {
    net = new SimulatedNetwork({ seed: 10 });
    const a = endpoint('a');
    const b = endpoint('b');
    const oldSigned = await signedBytes(a.wire, bytes(1));
    a.wire.send('b', bytes(2));
    // In flight under the old key when b switches: dropped on arrival.
    b.wire.setKey(OTHER_KEY);
    await settle();
    const eve = rawPeer('eve');
    eve.wire.send('b', oldSigned); // a replay of a frame recorded under the old key
    a.wire.send('b', bytes(3)); // a has not switched yet
    await settle();
    expect(b.received).toEqual([]);
    expect(b.wire.stats).toMatchObject({ framesRejected: 3, rejectedWrongKey: 3 });

    a.wire.setKey(OTHER_KEY);
    expect(a.wire.keyId).toBe(b.wire.keyId);
    a.wire.send('b', bytes(4));
    await settle();
    expect(b.received.map((r) => r.frame)).toEqual([bytes(4)]);
  });

  it('accepts the keys in alsoAccept too, but signs only with the new one', async () => {
    net = new SimulatedNetwork({ seed: 17 });
    const a = endpoint('a');
    const b = endpoint('b', { key: OTHER_KEY, alsoAccept: [KEY] });
    const c = endpoint('c', { key: OTHER_KEY });
    a.wire.send('b', bytes(1)); // the old key, still accepted by b
    b.wire.send('c', bytes(2)); // b signs with its new key
    b.wire.send('a', bytes(3)); // which a, not having it yet, drops
    await settle();
    expect(b.received.map((r) => r.frame)).toEqual([bytes(1)]);
    expect(c.received.map((r) => r.frame)).toEqual([bytes(2)]);
    expect(a.received).toEqual([]);

    b.wire.setKey(OTHER_KEY); // retire the old key
    a.wire.send('b', bytes(4));
    await settle();
    expect(b.received).toHaveLength(1);
    expect(b.wire.stats.rejectedWrongKey).toBe(1);
  });

  it('tries every accepted key that shares the frame key id', async () => {
    net = new SimulatedNetwork({ seed: 18 });
    const ids = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; pair === undefined; i++) {
      const key = `candidate key number ${i}`;
      const id = authenticate(detached, { key }).keyId;
      const earlier = ids.get(id);
      if (earlier !== undefined) pair = [earlier, key];
      ids.set(id, key);
    }
    const b = endpoint('b', { key: pair[0], alsoAccept: [pair[1]] });
    endpoint('x', { key: pair[0] }).wire.send('b', bytes(1));
    endpoint('y', { key: pair[1] }).wire.send('b', bytes(2));
    await settle();
    expect(b.received.map((r) => r.frame).sort((p, q) => p[0]! - q[0]!)).toEqual([bytes(1), bytes(2)]);
  });

  it('rejects a short key and keeps the current one', async () => {
    net = new SimulatedNetwork({ seed: 11 });
    const a = endpoint('a');
    const b = endpoint('b');
    const before = a.wire.keyId;
    expect(() => a.wire.setKey('too short')).toThrow(InvalidArgumentError);
    expect(() => a.wire.setKey(OTHER_KEY, { alsoAccept: ['too short'] })).toThrow(InvalidArgumentError);
    expect(() => a.wire.setKey(OTHER_KEY, { alsoAccept: OTHER_KEY as unknown as string[] })).toThrow(InvalidArgumentError);
    expect(a.wire.keyId).toBe(before);
    a.wire.send('b', bytes(1));
    await settle();
    expect(b.received).toHaveLength(1);
  });
});

describe('authenticate(): arguments', () => {
  it(`rejects keys shorter than ${KEY_BYTES_MIN} bytes, and keys that are neither bytes nor a string`, () => {
    net = new SimulatedNetwork({ seed: 12 });
    const inner = net.wire('a');
    const attempts: unknown[] = ['0123456789abcde', new Uint8Array(KEY_BYTES_MIN - 1), '', 1234567890123456, null, undefined];
    for (const key of attempts) {
      expect(() => authenticate(inner, { key: key as string })).toThrow(InvalidArgumentError);
    }
    expect(() => authenticate(inner, { key: '0123456789abcde' })).toThrow(/at least 16 bytes, got 15/);
    expect(() => authenticate(inner, undefined as unknown as AuthenticateOptions)).toThrow(InvalidArgumentError);
    expect(() => authenticate(inner, { key: KEY, logIntervalMs: -1 })).toThrow(InvalidArgumentError);
    // Sixteen bytes is enough, also when they are eight two-byte characters.
    expect(authenticate(inner, { key: new Uint8Array(KEY_BYTES_MIN) }).keyId).toEqual(expect.any(Number));
    expect(authenticate(inner, { key: 'é'.repeat(8) }).keyId).toEqual(expect.any(Number));
  });

  it("passes the inner wire's address, clock and random through, and close() closes it", async () => {
    net = new SimulatedNetwork({ seed: 13 });
    const inner = net.wire('a');
    const wire = authenticate(inner, { key: KEY });
    expect(wire.address).toBe('a');
    expect(wire.clock).toBe(inner.clock);
    expect(wire.random).toBe(inner.random);
    await wire.close();
    expect(inner.state).toBe('closed');
  });

  it("passes the inner wire's onPeerDown through, and has none when the inner wire has none", async () => {
    net = new SimulatedNetwork({ seed: 14 });
    const wire = authenticate(net.wire('a'), { key: KEY });
    net.wire('b');
    const downs: string[] = [];
    expect(typeof wire.onPeerDown).toBe('function');
    wire.onPeerDown!((address, reason) => downs.push(`${address} ${reason}`));
    net.crash('b');
    await settle();
    wire.send('b', bytes(1));
    await settle();
    expect(downs).toEqual(['b closed', 'b refused']);
    expect(authenticate(detached, { key: KEY }).onPeerDown).toBeUndefined();
  });
});

describe('authenticate(): the drop log', () => {
  it('writes at most one line per interval, in virtual time, counting every drop since the last line', async () => {
    net = new SimulatedNetwork({ seed: 14, delayMs: { min: 1, max: 1 } });
    const lines: string[] = [];
    const b = endpoint('b', { log: (line) => lines.push(line), logIntervalMs: 1000 });
    const eve = rawPeer('eve');
    const a = endpoint('a', { key: OTHER_KEY });
    const sendGarbage = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) eve.wire.send('b', bytes(i));
      await net.sleep(2);
    };

    await sendGarbage(5); // t = 1: the first drop is reported at once, the other 4 wait
    expect(lines).toEqual(['cohort: b dropped 1 unauthenticated frame(s) (wrong key: 0, bad tag: 0, too short: 1); last from eve']);
    await net.sleep(500);
    await sendGarbage(3); // t = 503: within the interval, no line
    expect(lines).toHaveLength(1);
    await net.sleep(600);
    a.wire.send('b', bytes(1)); // t = 1105: the interval is over; one line for 4 + 3 + 1
    await net.sleep(2);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('cohort: b dropped 8 unauthenticated frame(s) (wrong key: 1, bad tag: 0, too short: 7); last from a');
    expect(b.wire.stats.framesRejected).toBe(9);
  });

  it('uses an injected clock over the wire clock', async () => {
    net = new SimulatedNetwork({ seed: 15 });
    let now = 0;
    const lines: string[] = [];
    const clock = { now: () => now, setTimer: () => ({ cancel: () => {} }), defer: () => {} };
    const b = endpoint('b', { clock, log: (line) => lines.push(line), logIntervalMs: 100 });
    const eve = rawPeer('eve');
    eve.wire.send('b', bytes(1));
    eve.wire.send('b', bytes(2));
    await net.sleep(1_000); // virtual time moves, the injected clock does not
    expect(lines).toHaveLength(1);
    now = 100;
    eve.wire.send('b', bytes(3));
    await settle();
    expect(lines).toHaveLength(2);
    expect(b.wire.stats.framesRejected).toBe(3);
  });

  it('goes on dropping and counting when the logger throws', async () => {
    net = new SimulatedNetwork({ seed: 19 });
    const b = endpoint('b', {
      log: () => {
        throw new Error('log sink down');
      },
      logIntervalMs: 0,
    });
    const eve = rawPeer('eve');
    eve.wire.send('b', bytes(1));
    eve.wire.send('b', bytes(2));
    await settle();
    expect(net.errors).toEqual([]);
    expect(b.wire.stats.framesRejected).toBe(2);
  });

  it('warns through process.emitWarning by default', async () => {
    net = new SimulatedNetwork({ seed: 16 });
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const wire = authenticate(net.wire('b'), { key: KEY });
      wire.onFrame(() => {});
      rawPeer('eve').wire.send('b', bytes(1));
      await settle();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]![0]).toMatch(/^cohort: b dropped 1 unauthenticated frame/);
      expect(warn.mock.calls[0]![1]).toEqual({ type: 'CohortWarning', code: 'COHORT_FRAME_REJECTED' });
    } finally {
      warn.mockRestore();
    }
  });
});
