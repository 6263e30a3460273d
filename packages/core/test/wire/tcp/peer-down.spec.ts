/**
 * The TCP wire's peer-down signal (Wire.onPeerDown): a connection that ends without the retire
 * marker ('closed') and a refused dial ('refused') are reported; the tie-break, an orderly
 * close() on either side and strangers are not. Timing is only bounded (generously), never
 * asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeFrame, encodeRetireMarker } from '../../../src/wire/tcp/frame-parser.js';
import { encodeHello } from '../../../src/wire/tcp/handshake.js';
import { tcpWire, type TcpWire } from '../../../src/wire/tcp/index.js';
import type { Address, PeerDownReason } from '../../../src/wire/wire.js';
import { CHILD_START_TIMEOUT_MS, killAll, startChildWire, type ChildWire } from './child-wire.js';
import { closedPort, decode, encode, eventually, loopbackWires } from './helpers.js';

const newWire = loopbackWires();

interface Down {
  address: Address;
  reason: PeerDownReason;
}

function downs(wire: TcpWire): Down[] {
  const seen: Down[] = [];
  wire.onPeerDown((address, reason) => seen.push({ address, reason }));
  return seen;
}

/** A generous bound for "promptly" on loopback (polls of 5 ms). */
const WITHIN_5_S = 1000;

/** Long enough for a FIN or a reset to have been seen on loopback, were one coming. */
const QUIET_MS = 300;

describe('tcpWire peer down: a peer process that is SIGKILLed', () => {
  const children: ChildWire[] = [];
  let survivor: TcpWire;
  let child: ChildWire;
  const seen: Down[] = [];
  const echoes: string[] = [];

  beforeAll(async () => {
    child = await startChildWire();
    children.push(child);
    survivor = await tcpWire({ host: '127.0.0.1', port: 0 });
    survivor.onPeerDown((address, reason) => seen.push({ address, reason }));
    survivor.onFrame((from, frame) => {
      if (from === child.address) echoes.push(decode(frame));
    });
  }, CHILD_START_TIMEOUT_MS + 5_000);

  afterAll(async () => {
    await killAll(children);
    await survivor?.close();
  });

  it('(a) reports the killed peer as closed, once, promptly', async () => {
    survivor.send(child.address, encode('ping'));
    expect(await eventually(() => echoes.includes('ping'))).toBe(true);
    expect(survivor.stats.connections).toBe(1);
    expect(seen).toEqual([]);

    await child.kill();
    expect(await eventually(() => seen.length > 0, WITHIN_5_S)).toBe(true);
    expect(seen).toEqual([{ address: child.address, reason: 'closed' }]);
    expect(survivor.stats.peersDown).toBe(1);
    expect(survivor.stats.connections).toBe(0);
  });

  it('(b) then reports a send to it as refused, once per failed dial', async () => {
    const before = survivor.stats;
    survivor.send(child.address, encode('anyone there?'));
    expect(await eventually(() => seen.some((d) => d.reason === 'refused'), WITHIN_5_S)).toBe(true);
    const refused = seen.filter((d) => d.reason === 'refused');
    expect(refused[0]).toEqual({ address: child.address, reason: 'refused' });
    // No dial without a refusal, no refusal without a failed dial.
    await sleep(QUIET_MS);
    expect(refused.length).toBeLessThanOrEqual(survivor.stats.dialFailures - before.dialFailures);
    expect(seen.filter((d) => d.reason === 'closed')).toHaveLength(1);
  });
});

describe('tcpWire peer down: a peer killed while frames flow both ways', () => {
  it(
    'reports closed (EOF or reset, whichever the kernel sends) and stays usable',
    async () => {
      const children: ChildWire[] = [];
      try {
        const child = await startChildWire();
        children.push(child);
        const a = await newWire();
        const b = await newWire();
        const seen = downs(a);
        let echoed = 0;
        a.onFrame((from) => {
          if (from === child.address) echoed++;
        });
        const atB: string[] = [];
        b.onFrame((_from, frame) => atB.push(decode(frame)));
        // A steady stream to the child, so the kill is likely to find unread data (a reset).
        const payload = new Uint8Array(16 * 1024);
        for (let i = 0; i < 200; i++) a.send(child.address, payload);
        expect(await eventually(() => echoed > 0)).toBe(true);
        await child.kill();
        for (let i = 0; i < 50; i++) a.send(child.address, payload);
        expect(await eventually(() => seen.some((d) => d.reason === 'closed'), WITHIN_5_S)).toBe(true);
        expect(seen.filter((d) => d.reason === 'closed')).toEqual([{ address: child.address, reason: 'closed' }]);
        expect(seen.every((d) => d.address === child.address)).toBe(true);
        // The wire goes on working for everyone else.
        a.send(b.address, encode('still here'));
        expect(await eventually(() => atB.includes('still here'))).toBe(true);
      } finally {
        await killAll(children);
      }
    },
    CHILD_START_TIMEOUT_MS + 10_000,
  );
});

describe('tcpWire peer down: what is never reported', () => {
  it('(c) the tie-break of a simultaneous dial, then an orderly close(), report nothing', async () => {
    const a = await newWire();
    const b = await newWire();
    const atA: string[] = [];
    const atB: string[] = [];
    const seenA = downs(a);
    const seenB = downs(b);
    a.onFrame((_from, frame) => atA.push(decode(frame)));
    b.onFrame((_from, frame) => atB.push(decode(frame)));
    for (let i = 0; i < 50; i++) {
      a.send(b.address, encode(`a${i}`));
      b.send(a.address, encode(`b${i}`));
    }
    expect(await eventually(() => atA.length === 50 && atB.length === 50)).toBe(true);
    expect(await eventually(() => a.stats.connections === 1 && b.stats.connections === 1)).toBe(true);
    // Both dialed, and a connection was retired by the tie-break.
    expect(a.stats.dials + b.stats.dials).toBe(2);
    expect(a.stats.duplicateConnections + b.stats.duplicateConnections).toBeGreaterThanOrEqual(1);

    await a.close();
    await sleep(QUIET_MS);
    expect(seenA).toEqual([]);
    expect(seenB).toEqual([]);
    expect(b.stats.peersDown).toBe(0);
    expect(b.stats.connections).toBe(0);

    // Sending to it now is another matter: nothing listens there any more, and the dial says so.
    b.send(a.address, encode('gone?'));
    expect(await eventually(() => seenB.length > 0, WITHIN_5_S)).toBe(true);
    expect(seenB[0]).toEqual({ address: a.address, reason: 'refused' });
    expect(seenB.some((d) => d.reason === 'closed')).toBe(false);
  });

  it('reports nothing for tie-breaks and closes, round after round (both sides closing at once)', async () => {
    const seen: Down[] = [];
    for (let round = 0; round < 10; round++) {
      const a = await tcpWire({ host: '127.0.0.1', port: 0 });
      const b = await tcpWire({ host: '127.0.0.1', port: 0 });
      try {
        a.onPeerDown((address, reason) => seen.push({ address, reason }));
        b.onPeerDown((address, reason) => seen.push({ address, reason }));
        let atA = 0;
        let atB = 0;
        a.onFrame(() => atA++);
        b.onFrame(() => atB++);
        for (let i = 0; i < 20; i++) {
          a.send(b.address, encode(`a${i}`));
          b.send(a.address, encode(`b${i}`));
        }
        expect(await eventually(() => atA === 20 && atB === 20)).toBe(true);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    }
    await sleep(QUIET_MS);
    expect(seen).toEqual([]);
  });

  it('a stranger whose hello fails reports nothing; a peer that retires with the marker reports nothing', async () => {
    const sockets: Socket[] = [];
    try {
      const a = await newWire();
      const seen = downs(a);
      const [host, port] = [a.address.slice(0, a.address.lastIndexOf(':')), Number(a.address.split(':')[1])];
      const open = async (): Promise<{ socket: Socket; closed: () => boolean }> => {
        const socket = connect({ host, port });
        sockets.push(socket);
        let isClosed = false;
        socket.on('error', () => {});
        socket.on('close', () => {
          isClosed = true;
        });
        socket.resume();
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        return { socket, closed: () => isClosed };
      };

      const stranger = await open();
      stranger.socket.write('GET / HTTP/1.1\r\n\r\n');
      expect(await eventually(stranger.closed)).toBe(true);

      // A well-behaved peer: hello, one frame, then the retire marker and its end.
      const polite = await open();
      const politeAddress = '127.0.0.1:1';
      let got = 0;
      a.onFrame((from) => {
        if (from === politeAddress) got++;
      });
      polite.socket.write(encodeFrame(encodeHello({ address: politeAddress, instance: 7 })));
      polite.socket.write(encodeFrame(encode('hi')));
      expect(await eventually(() => got === 1)).toBe(true);
      polite.socket.end(encodeRetireMarker());
      expect(await eventually(polite.closed)).toBe(true);
      await sleep(QUIET_MS);
      expect(seen).toEqual([]);
      expect(a.stats.handshakeFailures).toBe(1);
      expect(a.stats.peersDown).toBe(0);

      // The same without the marker is what a crash looks like.
      const rude = await open();
      const rudeAddress = '127.0.0.1:2';
      rude.socket.write(encodeFrame(encodeHello({ address: rudeAddress, instance: 8 })));
      expect(await eventually(() => a.stats.connections === 1)).toBe(true);
      rude.socket.destroy();
      expect(await eventually(() => seen.length > 0, WITHIN_5_S)).toBe(true);
      expect(seen).toEqual([{ address: rudeAddress, reason: 'closed' }]);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  it('reports nothing once the wire is closed', async () => {
    const a = await newWire();
    const seen = downs(a);
    a.send(`127.0.0.1:${await closedPort()}`, encode('x'));
    await a.close();
    await sleep(QUIET_MS);
    expect(seen).toEqual([]);
  });
});

describe('tcpWire peer down: the listener', () => {
  it('(d) a throwing listener is counted and reported, and the wire keeps working; a later call replaces it', async () => {
    const errors: unknown[] = [];
    const a = await newWire({ onReceiverError: (error) => errors.push(error) });
    const b = await newWire();
    a.onPeerDown(() => {
      throw new Error('listener bug');
    });
    a.send(`127.0.0.1:${await closedPort()}`, encode('nobody'));
    expect(await eventually(() => errors.length === 1, WITHIN_5_S)).toBe(true);
    expect((errors[0] as Error).message).toBe('listener bug');
    expect(a.stats.receiverErrors).toBe(1);
    expect(a.stats.peersDown).toBe(1);

    const atB: string[] = [];
    b.onFrame((_from, frame) => atB.push(decode(frame)));
    a.send(b.address, encode('fine'));
    expect(await eventually(() => atB.includes('fine'))).toBe(true);

    const seen = downs(a);
    const nobody = `127.0.0.1:${await closedPort()}`;
    a.send(nobody, encode('nobody either'));
    expect(await eventually(() => seen.length === 1, WITHIN_5_S)).toBe(true);
    expect(seen).toEqual([{ address: nobody, reason: 'refused' }]);
    expect(errors).toHaveLength(1);
  });

  it('refuses a listener that is not a function', async () => {
    const a = await newWire();
    expect(() => a.onPeerDown(undefined as never)).toThrow(/onPeerDown/);
  });
});
