/**
 * natsWire's own properties, on real nats-server processes on 127.0.0.1: packing (one publish
 * per subject per turn), group fan-out, fragments, the hold while disconnected (bounded),
 * peer down from "no responders" (and none during a failover), the address check, NATS
 * authentication passed through (token, user/password, nkey, TLS), Cohort's frame
 * authentication on top.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { authenticate, InvalidArgumentError, type Wire } from '@cohort/core';
import { createUser } from '@nats-io/nkeys';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natsWire, nkeyAuthenticator, type NatsWire, type NatsWireOptions } from '../src/index.js';
import { eventually, sleep } from './support/groups.js';
import { NatsCluster } from '../src/testing/index.js';
import { selfSigned } from '../../core/test/support/self-signed.js';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

let cluster: NatsCluster;
const open: NatsWire[] = [];
beforeAll(async () => {
  cluster = await NatsCluster.start({ size: 2 });
}, 30_000);
afterAll(async () => {
  await Promise.all(open.map((w) => w.close()));
  await cluster?.stop();
});

let prefixes = 0;
/** Wires under a fresh prefix, wire i on server `on[i]` (failing over to the other). */
async function wires(on: number[], extra: Partial<NatsWireOptions> = {}): Promise<NatsWire[]> {
  const subjectPrefix = `w${++prefixes}`;
  const made = await Promise.all(
    on.map((s) => natsWire({ servers: cluster.serversFor(s), noRandomize: true, subjectPrefix, group: 'g', ...extra })),
  );
  open.push(...made);
  await cluster.awaitInterest(made.map((w) => `${subjectPrefix}.member.${w.address}`).concat(`${subjectPrefix}.group.g`));
  return made;
}

function inbox(wire: Wire): { from: string; text: string; bytes: Uint8Array }[] {
  const got: { from: string; text: string; bytes: Uint8Array }[] = [];
  wire.onFrame((from, frame) => got.push({ from, text: decode(frame), bytes: frame }));
  return got;
}

describe('natsWire: packing and fan-out', () => {
  it('publishes a turn of 1,000 frames to one peer as one NATS message', async () => {
    const [a, b] = await wires([0, 1]);
    const got = inbox(b!);
    for (let i = 0; i < 1000; i++) a!.send(b!.address, encode(`f${i}`));
    expect(await eventually(() => got.length === 1000, 5000)).toBe(true);
    expect(got.map((g) => g.text)).toEqual(Array.from({ length: 1000 }, (_, i) => `f${i}`));
    expect(a!.stats.publishes).toBe(1);
    expect(a!.stats.framesSent).toBe(1000);
  });

  it('publishes a frame sent to several members once on the group subject; others skip it', async () => {
    const [a, b, c, d] = await wires([0, 1, 0, 1]);
    const [atB, atC, atD] = [inbox(b!), inbox(c!), inbox(d!)];
    const frame = encode('to b and c');
    a!.send(b!.address, frame);
    a!.send(c!.address, frame);
    // The same buffer, changed between two sends: two frames, not one.
    const changing = encode('first');
    a!.send(d!.address, changing);
    changing.set(encode('later'));
    a!.send(b!.address, changing);
    expect(await eventually(() => atB.length === 2 && atC.length === 1 && atD.length === 1, 5000)).toBe(true);
    await sleep(50);
    expect(atB.map((g) => g.text).sort()).toEqual(['later', 'to b and c']);
    expect(atC.map((g) => g.text)).toEqual(['to b and c']);
    expect(atD.map((g) => g.text)).toEqual(['first']);
    expect(a!.stats.groupPublishes).toBe(1);
    expect(a!.stats.groupFrames).toBe(1);
    // 1 group publish, one each to d and b, and a bare probe to c (it got only a group frame;
    // its subject is probed for "no responders", see peer down).
    expect(a!.stats.publishes).toBe(4);
  });

  it('sends a frame bigger than a NATS message in fragments, and refuses one over maxFrameBytes', async () => {
    const [a, b] = await wires([0, 1], { maxFrameBytes: 4 * 1024 * 1024 });
    const got = inbox(b!);
    const big = new Uint8Array(3 * 1024 * 1024 + 7).map((_, i) => (i * 31) & 0xff);
    a!.send(b!.address, encode('before'));
    a!.send(b!.address, big);
    a!.send(b!.address, encode('after'));
    a!.send(b!.address, new Uint8Array(4 * 1024 * 1024 + 1));
    expect(await eventually(() => got.length === 3, 5000)).toBe(true);
    expect(got.map((g) => g.bytes.length)).toEqual([6, big.length, 5]);
    expect(Buffer.from(got[1]!.bytes).equals(Buffer.from(big))).toBe(true);
    expect(a!.stats.fragmentedFrames).toBe(1);
    expect(a!.stats.oversizedFrames).toBe(1);
    expect(a!.stats.publishes).toBeGreaterThanOrEqual(4);
  });
});

describe('natsWire: disconnection and peers', () => {
  it('holds what is sent while disconnected, up to maxBufferedBytes, and publishes it on reconnect', async () => {
    const subjectPrefix = `w${++prefixes}`;
    // The receiver on n2; the sender only knows n1, which is killed, then restarted.
    const receiver = await natsWire({ servers: [cluster.servers[1]!.url], subjectPrefix });
    const sender = await natsWire({
      servers: [cluster.servers[0]!.url],
      subjectPrefix,
      maxBufferedBytes: 64 * 1024,
      reconnectTimeWait: 1500,
    });
    open.push(receiver, sender);
    await cluster.awaitInterest([`${subjectPrefix}.member.${receiver.address}`]);
    const got = inbox(receiver);
    try {
      await cluster.kill(0);
      expect(await eventually(() => sender.stats.connection === 'reconnecting', 5000)).toBe(true);
      // 100 frames of 1 KiB a turn, 4 turns: 400 KiB against a 64 KiB bound.
      for (let turn = 0; turn < 4; turn++) {
        for (let i = 0; i < 100; i++) sender.send(receiver.address, new Uint8Array(1024).fill(turn));
        await sleep(5);
      }
      expect(sender.stats.bufferedBytes).toBeLessThanOrEqual(64 * 1024 + 1024);
      const dropped = sender.stats.framesDropped;
      expect(dropped).toBeGreaterThan(300);
      await cluster.restart(0);
      expect(await eventually(() => got.length === 400 - dropped, 10_000)).toBe(true);
      await sleep(100);
      expect(got).toHaveLength(400 - dropped);
      expect(sender.stats.heldPublished).toBeGreaterThan(0);
      expect(sender.stats.bufferedBytes).toBe(0);
    } finally {
      if (cluster.livePids().length < 2) await cluster.restart(0);
    }
  }, 30_000);

  it('reports a peer whose subject nobody holds ("refused", after a probe), and only once per probe', async () => {
    const [a, b] = await wires([0, 1], { peerDown: { confirmMs: 200 } });
    const downs: string[] = [];
    a!.onPeerDown((address, reason) => downs.push(`${address}:${reason}`));
    a!.send(b!.address, encode('hello'));
    await sleep(300);
    expect(downs).toEqual([]);
    await b!.close();
    await sleep(50);
    for (let i = 0; i < 5; i++) {
      a!.send(b!.address, encode('anyone?'));
      await sleep(50);
    }
    expect(await eventually(() => downs.length === 1, 3000)).toBe(true);
    expect(downs).toEqual([`${b!.address}:refused`]);
    expect(a!.stats.probes).toBe(1);
  });

  it('reports a dead peer that only gets group frames (it is probed on its own subject)', async () => {
    const [a, b, c] = await wires([0, 1, 0], { peerDown: { confirmMs: 200 } });
    const downs: string[] = [];
    a!.onPeerDown((address, reason) => downs.push(`${address}:${reason}`));
    const ticker = setInterval(() => {
      // Equal bytes to both, as heartbeats are: one group frame a turn, nothing point to point.
      a!.send(b!.address, encode('beat'));
      a!.send(c!.address, encode('beat'));
    }, 50);
    try {
      await sleep(300);
      await c!.close();
      expect(await eventually(() => downs.length === 1, 3000)).toBe(true);
      expect(downs).toEqual([`${c!.address}:refused`]);
      expect(a!.stats.groupFrames).toBeGreaterThan(5);
    } finally {
      clearInterval(ticker);
    }
  });

  it('does not report a peer that fails over to another server while it is sent to', async () => {
    const subjectPrefix = `w${++prefixes}`;
    const watcher = await natsWire({ servers: [cluster.servers[1]!.url], subjectPrefix });
    const mover = await natsWire({ servers: cluster.serversFor(0), noRandomize: true, subjectPrefix });
    open.push(watcher, mover);
    await cluster.awaitInterest([`${subjectPrefix}.member.${mover.address}`]);
    const downs: string[] = [];
    watcher.onPeerDown((address) => downs.push(address));
    const got = inbox(mover);
    try {
      let i = 0;
      const ticker = setInterval(() => watcher.send(mover.address, encode(`tick ${i++}`)), 20);
      await sleep(100);
      await cluster.kill(0);
      expect(await eventually(() => mover.stats.reconnects === 1, 5000)).toBe(true);
      const before = got.length;
      await sleep(1500);
      clearInterval(ticker);
      expect(got.length).toBeGreaterThan(before);
      expect(downs).toEqual([]);
      expect(mover.stats.server).toBe(cluster.servers[1]!.url);
    } finally {
      await cluster.restart(0);
    }
  }, 30_000);

  it('refuses an address another live wire holds, and bad options', async () => {
    const [a] = await wires([0]);
    await expect(natsWire({ servers: cluster.urls, subjectPrefix: `w${prefixes}`, address: a!.address })).rejects.toMatchObject({
      code: 'WIRE_ADDRESS_IN_USE',
    });
    await expect(natsWire({ servers: cluster.urls, address: 'has.dot' })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(natsWire({ servers: cluster.urls, address: 'has/slash' })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(natsWire({ servers: [] })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(natsWire({ servers: cluster.urls, subjectPrefix: 'a.*' })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(natsWire({ servers: ['127.0.0.1:1'], timeout: 1000 })).rejects.toMatchObject({ code: 'WIRE_CONNECT' });
  });
});

describe('natsWire: authentication', () => {
  it('passes token, user/password and nkey authentication through to NATS', async () => {
    const token = await NatsCluster.start({ size: 1, extraConfig: 'authorization { token: "s3cret-token" }' });
    const nkey = createUser();
    const publicKey = nkey.getPublicKey();
    const seed = new TextDecoder().decode(nkey.getSeed());
    const users = await NatsCluster.start({
      size: 1,
      extraConfig: `authorization { users: [ { user: "cohort", password: "pa55word" }, { nkey: "${publicKey}" } ] }`,
    });
    const made: NatsWire[] = [];
    try {
      await expect(natsWire({ servers: token.urls, timeout: 2000 })).rejects.toMatchObject({ code: 'WIRE_CONNECT' });
      made.push(await natsWire({ servers: token.urls, token: 's3cret-token' }));
      await expect(natsWire({ servers: users.urls, user: 'cohort', pass: 'wrong', timeout: 2000 })).rejects.toMatchObject({
        code: 'WIRE_CONNECT',
      });
      made.push(await natsWire({ servers: users.urls, user: 'cohort', pass: 'pa55word' }));
      made.push(await natsWire({ servers: users.urls, authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)) }));
      const [, byPassword, byNkey] = made as [NatsWire, NatsWire, NatsWire];
      const got = inbox(byNkey);
      byPassword.send(byNkey.address, encode('between a password and an nkey'));
      expect(await eventually(() => got.length === 1, 5000)).toBe(true);
      expect(got[0]).toMatchObject({ from: byPassword.address, text: 'between a password and an nkey' });
    } finally {
      await Promise.all(made.map((w) => w.close()));
      await token.stop();
      await users.stop();
    }
  }, 30_000);

  it('passes TLS through (server certificate checked against a CA file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohort-nats-tls-'));
    let tls: NatsCluster | undefined;
    const made: NatsWire[] = [];
    try {
      const server = selfSigned(dir, 'server');
      tls = await NatsCluster.start({
        size: 1,
        extraConfig: `tls { cert_file: "${server.certPath}", key_file: "${server.keyPath}" }`,
      });
      await expect(natsWire({ servers: tls.urls, tls: null, timeout: 2000 })).rejects.toMatchObject({ code: 'WIRE_CONNECT' });
      made.push(await natsWire({ servers: tls.urls, tls: { caFile: server.certPath } }));
      made.push(await natsWire({ servers: tls.urls, tls: { caFile: server.certPath } }));
      const got = inbox(made[1]!);
      made[0]!.send(made[1]!.address, encode('over TLS'));
      expect(await eventually(() => got.length === 1, 5000)).toBe(true);
    } finally {
      await Promise.all(made.map((w) => w.close()));
      await tls?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it("composes with Cohort's frame authentication (authenticate()) unchanged", async () => {
    const [a, b, c, d] = await wires([0, 1, 1, 0]);
    const key = 'a group key of at least 16 bytes';
    const quiet = { log: () => undefined };
    const sa = authenticate(a!, { key, ...quiet });
    const sb = authenticate(b!, { key, ...quiet });
    const sc = authenticate(c!, { key: 'another key, also 16 bytes long', ...quiet });
    const sd = authenticate(d!, { key, ...quiet });
    const got = inbox(sb);
    const rejected: string[] = [];
    sb.onRejected?.((from, reason) => rejected.push(`${from}: ${reason}`));
    sa.send(sb.address, encode('signed'));
    sc.send(sb.address, encode('signed with another key'));
    sa.send(sb.address, encode('signed again'));
    expect(await eventually(() => got.length === 2 && rejected.length === 1, 5000)).toBe(true);
    expect(got.map((g) => g.text)).toEqual(['signed', 'signed again']);
    expect(rejected[0]).toContain(c!.address);
    expect(sb.stats.framesAuthenticated).toBe(2);
    // A signed frame for two members (a buffer per send, equal bytes) still goes out once, on the group subject.
    const atD = inbox(sd);
    const groupFrames = a!.stats.groupFrames;
    const frame = encode('for b and d');
    sa.send(sb.address, frame);
    sa.send(sd.address, frame);
    expect(await eventually(() => got.length === 3 && atD.length === 1, 5000)).toBe(true);
    expect(atD[0]!.text).toBe('for b and d');
    expect(a!.stats.groupFrames).toBe(groupFrames + 1);
  });
});
