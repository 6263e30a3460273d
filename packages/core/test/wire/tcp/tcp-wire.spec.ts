import { describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { seededRandom } from '../../../src/env/random.js';
import { CohortError, InvalidArgumentError } from '../../../src/errors.js';
import { encodeFrame } from '../../../src/wire/tcp/frame-parser.js';
import { encodeHello } from '../../../src/wire/tcp/handshake.js';
import { tcpWire, WireListenError, type TcpWireOptions } from '../../../src/wire/tcp/index.js';
import type { Wire } from '../../../src/wire/wire.js';
import { closedPort, decode, encode, eventually, loopbackWires, ManualTimers } from './helpers.js';

const newWire = loopbackWires();

/** A raw client socket, closed after the test through `sockets`. */
async function rawSocket(address: string, sockets: Socket[]): Promise<{ socket: Socket; closed: () => boolean }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const socket = connect({ host, port });
  sockets.push(socket);
  let isClosed = false;
  socket.on('error', () => {});
  socket.on('close', () => {
    isClosed = true;
  });
  socket.resume(); // read (and discard) the wire's hello, or its end would never surface
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, closed: () => isClosed };
}

function destroyAll(sockets: Socket[]): void {
  for (const socket of sockets) socket.destroy();
}

function tcpResources(): number {
  return process.getActiveResourcesInfo().filter((name) => name.startsWith('TCP')).length;
}

describe('tcpWire: options and listening', () => {
  it.each<[string, Partial<TcpWireOptions>]>([
    ['an empty host', { host: '' }],
    ['a negative port', { port: -1 }],
    ['a fractional port', { port: 1.5 }],
    ['a port over 65535', { port: 70_000 }],
    ['maxFrameBytes below the header', { maxFrameBytes: 3 }],
    ['maxPeers 0', { maxPeers: 0 }],
    ['maxBufferedBytesPerPeer 0', { maxBufferedBytesPerPeer: 0 }],
    ['a backoff max below min', { reconnectDelayMs: { min: 10, max: 5 } }],
    ['a zero handshake timeout', { handshakeTimeoutMs: 0 }],
    ['a wildcard host without advertiseHost', { host: '0.0.0.0' }],
    ['tls without a certificate', { tls: { key: 'k' } as never }],
    ['a clock without timers', { clock: {} as never }],
  ])('rejects %s with INVALID_ARGUMENT', async (_name, override) => {
    const attempt = tcpWire({ host: '127.0.0.1', port: 0, ...override });
    await expect(attempt).rejects.toThrow(InvalidArgumentError);
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('listens on a free port when given 0 and reports it in its address', async () => {
    const wire = await newWire();
    expect(wire.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(Number(wire.address.split(':')[1])).toBeGreaterThan(0);
  });

  it('does not offer a clock or random: those are only for virtual time', async () => {
    const wire = await newWire({ clock: new ManualTimers(), random: seededRandom(1) });
    const asWire: Wire = wire;
    expect(asWire.clock).toBeUndefined();
    expect(asWire.random).toBeUndefined();
  });

  it('rejects with WIRE_LISTEN when the port is taken', async () => {
    const first = await newWire();
    const port = Number(first.address.split(':')[1]);
    const attempt = tcpWire({ host: '127.0.0.1', port });
    await expect(attempt).rejects.toThrow(WireListenError);
    await expect(attempt).rejects.toBeInstanceOf(CohortError);
    await expect(attempt).rejects.toMatchObject({ code: 'WIRE_LISTEN' });
  });

  it('closes its server and every socket: no TCP handle is left', async () => {
    const before = tcpResources();
    const a = await tcpWire({ host: '127.0.0.1', port: 0 });
    const b = await tcpWire({ host: '127.0.0.1', port: 0 });
    const got: string[] = [];
    b.onFrame((_from, frame) => got.push(decode(frame)));
    a.send(b.address, encode('x'));
    b.send(a.address, encode('y'));
    expect(await eventually(() => got.length === 1 && a.stats.connections === 1 && b.stats.connections === 1)).toBe(true);
    await Promise.all([a.close(), b.close()]);
    expect(a.stats.connections).toBe(0);
    expect(await eventually(() => tcpResources() <= before)).toBe(true);
  });
});

describe('tcpWire: frames and connections', () => {
  it('coalesces a burst: fewer socket writes than frames, and keeps one stream in order', async () => {
    const a = await newWire();
    const b = await newWire();
    const got: number[] = [];
    b.onFrame((_from, frame) => got.push(new DataView(frame.buffer, frame.byteOffset).getUint32(0)));
    a.send(b.address, Uint8Array.of(0, 0, 0, 0));
    expect(await eventually(() => got.length === 1)).toBe(true);
    const before = a.stats;
    const burst = 1000;
    for (let i = 1; i <= burst; i++) a.send(b.address, Uint8Array.of(0, 0, i >> 8, i & 0xff));
    expect(await eventually(() => got.length === burst + 1)).toBe(true);
    const after = a.stats;
    expect(after.framesSent - before.framesSent).toBe(burst);
    expect(after.writes - before.writes).toBeLessThan(burst);
    expect(after.writes - before.writes).toBe(1);
    expect(got).toEqual([...Array(burst + 1).keys()]);
    expect(b.stats.framesReceived).toBe(burst + 1);
  });

  it('keeps exactly one connection when both sides dial at once (both ends pick the same one)', async () => {
    const a = await newWire();
    const b = await newWire();
    const atA: string[] = [];
    const atB: string[] = [];
    a.onFrame((from, frame) => {
      expect(from).toBe(b.address);
      atA.push(decode(frame));
    });
    b.onFrame((from, frame) => {
      expect(from).toBe(a.address);
      atB.push(decode(frame));
    });
    for (let i = 0; i < 50; i++) {
      a.send(b.address, encode(`a${i}`));
      b.send(a.address, encode(`b${i}`));
    }
    expect(await eventually(() => atA.length === 50 && atB.length === 50)).toBe(true);
    expect(await eventually(() => a.stats.connections === 1 && b.stats.connections === 1)).toBe(true);
    expect(a.stats.dials).toBe(1);
    expect(b.stats.dials).toBe(1);
    // At least one end saw both handshakes and retired one (the other may have learnt it from
    // the marker before its own second handshake completed).
    expect(a.stats.duplicateConnections + b.stats.duplicateConnections).toBeGreaterThanOrEqual(1);
    // Nothing lost to the switch, and it stays at one connection afterwards.
    expect(new Set(atA).size).toBe(50);
    expect(new Set(atB).size).toBe(50);
    for (let i = 0; i < 20; i++) a.send(b.address, encode(`later${i}`));
    expect(await eventually(() => atB.length === 70)).toBe(true);
    expect(a.stats.connections).toBe(1);
    expect(a.stats.dials + b.stats.dials).toBe(2);
  });

  it('loses nothing to the tie-break, round after round', async () => {
    for (let round = 0; round < 20; round++) {
      const a = await tcpWire({ host: '127.0.0.1', port: 0 });
      const b = await tcpWire({ host: '127.0.0.1', port: 0 });
      try {
        let atA = 0;
        let atB = 0;
        a.onFrame(() => {
          atA++;
        });
        b.onFrame(() => {
          atB++;
        });
        for (let i = 0; i < 30; i++) {
          a.send(b.address, encode(`a${i}`));
          b.send(a.address, encode(`b${i}`));
        }
        const settled = await eventually(() => atA === 30 && atB === 30 && a.stats.connections === 1 && b.stats.connections === 1);
        if (!settled) throw new Error(`round ${round}: ${atA}/${atB} frames, ${a.stats.connections}/${b.stats.connections} connections`);
        expect(a.stats.framesDropped + b.stats.framesDropped).toBe(0);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    }
  }, 60_000);

  it('reconnects to a peer that restarted on the same port', async () => {
    const a = await newWire();
    const b = await tcpWire({ host: '127.0.0.1', port: 0 });
    const port = Number(b.address.split(':')[1]);
    b.onFrame(() => {});
    a.send(b.address, encode('hello b'));
    expect(await eventually(() => b.stats.framesReceived === 1)).toBe(true);
    await b.close();
    const b2 = await newWire({ port });
    expect(b2.address).toBe(b.address);
    const got: string[] = [];
    b2.onFrame((_from, frame) => got.push(decode(frame)));
    // As the protocol does (heartbeats), keep sending until the new process hears one.
    let sent = 0;
    const arrived = await eventually(() => {
      a.send(b2.address, encode(`tick ${sent++}`));
      return got.length > 0;
    });
    expect(arrived).toBe(true);
    expect(a.stats.dials).toBeGreaterThanOrEqual(2);
    expect(a.stats.connections).toBe(1);
  });

  it('reports a throwing receiver and keeps delivering', async () => {
    const errors: unknown[] = [];
    const a = await newWire();
    const b = await newWire({ onReceiverError: (error) => errors.push(error) });
    const got: string[] = [];
    b.onFrame((_from, frame) => {
      const text = decode(frame);
      if (text === 'boom') throw new Error('receiver bug');
      got.push(text);
    });
    a.send(b.address, encode('boom'));
    a.send(b.address, encode('after'));
    expect(await eventually(() => got.length === 1)).toBe(true);
    expect(got).toEqual(['after']);
    expect(b.stats.receiverErrors).toBe(1);
    expect(errors).toHaveLength(1);
    expect(a.stats.connections).toBe(1);
  });

  it('writes what was sent before close() out before closing', async () => {
    const a = await newWire();
    const b = await newWire();
    const got: string[] = [];
    b.onFrame((_from, frame) => got.push(decode(frame)));
    a.send(b.address, encode('first'));
    expect(await eventually(() => got.length === 1)).toBe(true);
    a.send(b.address, encode('last words'));
    await a.close();
    expect(await eventually(() => got.length === 2)).toBe(true);
    expect(got[1]).toBe('last words');
    a.send(b.address, encode('too late'));
    expect(a.stats.framesDropped).toBe(1);
  });
});

describe('tcpWire: reconnect with backoff and buffering', () => {
  const reconnectDelayMs = { min: 100, max: 800 };
  const handshakeTimeoutMs = 60_000; // far from the backoff delays, so the test tells them apart

  it('retries an unreachable peer with bounded exponential backoff, then delivers what waited', async () => {
    const timers = new ManualTimers();
    const port = await closedPort();
    const target = `127.0.0.1:${port}`;
    const a = await newWire({ clock: timers, random: seededRandom(5), reconnectDelayMs, handshakeTimeoutMs });
    const ceilings = [100, 200, 400, 800, 800];
    let sent = 0;
    a.send(target, encode(`m${sent++}`));
    for (const [attempt, ceiling] of ceilings.entries()) {
      expect(await eventually(() => a.stats.dialFailures === attempt + 1)).toBe(true);
      const retries = timers.pending(handshakeTimeoutMs);
      expect(retries).toHaveLength(1);
      expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(ceiling / 2);
      expect(retries[0]!.delayMs).toBeLessThanOrEqual(ceiling);
      if (attempt === ceilings.length - 1) break;
      a.send(target, encode(`m${sent++}`)); // still wanted: the retry goes ahead
      retries[0]!.fire();
    }
    expect(a.stats.dials).toBe(ceilings.length);
    const b = await newWire({ port });
    const got: string[] = [];
    b.onFrame((from, frame) => {
      expect(from).toBe(a.address);
      got.push(decode(frame));
    });
    a.send(target, encode(`m${sent++}`));
    timers.pending(handshakeTimeoutMs)[0]!.fire();
    expect(await eventually(() => got.length === sent)).toBe(true);
    expect(got).toEqual(Array.from({ length: sent }, (_, i) => `m${i}`));
    expect(a.stats.framesDropped).toBe(0);
    expect(timers.pending(handshakeTimeoutMs)).toHaveLength(0);
  });

  it('gives up on a peer nobody sends to any more, dropping and counting what waited', async () => {
    const timers = new ManualTimers();
    const target = `127.0.0.1:${await closedPort()}`;
    const a = await newWire({ clock: timers, random: seededRandom(6), reconnectDelayMs, handshakeTimeoutMs });
    a.send(target, encode('m0'));
    // Sent while the first dial is in flight: still wanted, so the first retry goes ahead.
    a.send(target, encode('m1'));
    a.send(target, encode('m2'));
    expect(await eventually(() => a.stats.dialFailures === 1)).toBe(true);
    timers.pending(handshakeTimeoutMs)[0]!.fire();
    expect(await eventually(() => a.stats.dialFailures === 2)).toBe(true);
    expect(a.stats.framesDropped).toBe(0);
    // Nothing sent since that retry began: the next one gives up.
    timers.pending(handshakeTimeoutMs)[0]!.fire();
    expect(a.stats.framesDropped).toBe(3);
    expect(a.stats.dials).toBe(2);
    expect(timers.pending(handshakeTimeoutMs)).toHaveLength(0);
    // A later send starts afresh.
    a.send(target, encode('m3'));
    expect(a.stats.dials).toBe(3);
  });

  it('buffers up to maxBufferedBytesPerPeer and drops and counts the excess', async () => {
    const a = await newWire({ maxBufferedBytesPerPeer: 1000 });
    const target = `127.0.0.1:${await closedPort()}`;
    for (let i = 0; i < 20; i++) a.send(target, new Uint8Array(100)); // 104 bytes framed
    expect(a.stats.framesDropped).toBe(11); // 9 x 104 = 936 fit, the 10th would make 1040
  });
});

describe('tcpWire: limits and hostile peers', () => {
  it('refuses new peers beyond maxPeers, outbound', async () => {
    const a = await newWire({ maxPeers: 2 });
    const targets = await Promise.all([closedPort(), closedPort(), closedPort()]);
    for (const port of targets) a.send(`127.0.0.1:${port}`, encode('x'));
    expect(a.stats.peersRefused).toBe(1);
    expect(a.stats.framesDropped).toBe(1);
  });

  it('refuses new peers beyond maxPeers, inbound', async () => {
    const a = await newWire({ maxPeers: 1 });
    const b = await newWire();
    const c = await newWire();
    const from: string[] = [];
    a.onFrame((sender) => from.push(sender));
    b.send(a.address, encode('b'));
    expect(await eventually(() => from.length === 1)).toBe(true);
    c.send(a.address, encode('c'));
    expect(await eventually(() => a.stats.peersRefused === 1)).toBe(true);
    b.send(a.address, encode('b again'));
    expect(await eventually(() => from.length === 2)).toBe(true);
    expect(from).toEqual([b.address, b.address]);
  });

  it('drops and counts a frame over maxFrameBytes at send; one at the limit goes through', async () => {
    const a = await newWire({ maxFrameBytes: 1024 });
    const b = await newWire({ maxFrameBytes: 1024 });
    const sizes: number[] = [];
    b.onFrame((_from, frame) => sizes.push(frame.length));
    expect(() => a.send(b.address, new Uint8Array(1021))).not.toThrow();
    a.send(b.address, new Uint8Array(1020));
    expect(await eventually(() => sizes.length === 1)).toBe(true);
    expect(sizes).toEqual([1020]);
    expect(a.stats.oversizedFrames).toBe(1);
    expect(a.stats.framesDropped).toBe(1);
  });

  it('closes a connection whose peer announces an oversized frame, and counts it', async () => {
    const sockets: Socket[] = [];
    try {
      const a = await newWire({ maxFrameBytes: 1 << 20 });
      const got: string[] = [];
      a.onFrame((from, frame) => got.push(`${from} ${decode(frame)}`));
      const { socket, closed } = await rawSocket(a.address, sockets);
      const header = Buffer.alloc(4);
      header.writeUInt32BE(2 << 20);
      socket.write(
        Buffer.concat([
          encodeFrame(encodeHello({ address: '127.0.0.1:1', instance: 5 })),
          encodeFrame(encode('fine')),
          header,
          Buffer.alloc(100),
        ]),
      );
      expect(await eventually(closed)).toBe(true);
      expect(got).toEqual(['127.0.0.1:1 fine']);
      expect(a.stats.oversizedFrames).toBe(1);
      expect(a.stats.connections).toBe(0);
    } finally {
      destroyAll(sockets);
    }
  });

  it('closes a connection that does not start with a valid hello', async () => {
    const sockets: Socket[] = [];
    try {
      const a = await newWire();
      const got: unknown[] = [];
      a.onFrame((from) => got.push(from));
      const http = await rawSocket(a.address, sockets);
      http.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      const wrongVersion = await rawSocket(a.address, sockets);
      const hello = encodeHello({ address: '127.0.0.1:1', instance: 1 });
      hello[4] = 99;
      wrongVersion.socket.write(encodeFrame(hello));
      expect(await eventually(() => http.closed() && wrongVersion.closed())).toBe(true);
      expect(a.stats.handshakeFailures).toBe(2);
      expect(got).toHaveLength(0);
    } finally {
      destroyAll(sockets);
    }
  });

  it('closes a connection that says nothing within the handshake timeout', async () => {
    const sockets: Socket[] = [];
    try {
      const timers = new ManualTimers();
      const a = await newWire({ clock: timers, handshakeTimeoutMs: 1234 });
      const silent = await rawSocket(a.address, sockets);
      expect(await eventually(() => timers.pending().some((t) => t.delayMs === 1234))).toBe(true);
      expect(silent.closed()).toBe(false);
      timers
        .pending()
        .find((t) => t.delayMs === 1234)!
        .fire();
      expect(await eventually(silent.closed)).toBe(true);
      expect(a.stats.handshakeFailures).toBe(1);
    } finally {
      destroyAll(sockets);
    }
  });
});
