/**
 * TLS between wires, with self-signed certificates made by the openssl CLI at test time into
 * a temporary directory (../../support/self-signed.ts: without openssl these tests fail, saying
 * so, rather than pass untested).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TcpWireTlsOptions } from '../../../src/wire/tcp/index.js';
import { selfSigned, type SelfSigned } from '../../support/self-signed.js';
import { decode, encode, eventually, loopbackWires } from './helpers.js';

describe('tcpWire over TLS', () => {
  const newWire = loopbackWires();
  let dir = '';
  let trusted: SelfSigned;
  let stranger: SelfSigned;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cohort-tls-'));
    trusted = selfSigned(dir, 'trusted');
    stranger = selfSigned(dir, 'stranger');
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Mutual TLS: present `who`, trust only the "trusted" certificate. */
  const mutual = (who: SelfSigned): TcpWireTlsOptions => ({ key: who.key, cert: who.cert, ca: [trusted.cert] });

  it('carries frames both ways between wires that trust each other (mutual TLS)', async () => {
    const a = await newWire({ tls: mutual(trusted) });
    const b = await newWire({ tls: mutual(trusted) });
    const atA: string[] = [];
    const atB: string[] = [];
    a.onFrame((from, frame) => atA.push(`${from} ${decode(frame)}`));
    const big = new Uint8Array(300 * 1024).map((_, i) => i & 0xff);
    let bigOk = false;
    b.onFrame((from, frame) => {
      if (frame.length === big.length) bigOk = Buffer.from(frame).equals(Buffer.from(big));
      else atB.push(`${from} ${decode(frame)}`);
    });
    for (let i = 0; i < 100; i++) a.send(b.address, encode(`a${i}`));
    a.send(b.address, big);
    b.send(a.address, encode('b0'));
    expect(await eventually(() => atB.length === 100 && bigOk && atA.length === 1)).toBe(true);
    expect(new Set(atB)).toEqual(new Set(Array.from({ length: 100 }, (_, i) => `${a.address} a${i}`)));
    expect(atA).toEqual([`${b.address} b0`]);
    expect(a.stats.connections).toBe(1);
    expect(a.stats.writes).toBeLessThan(a.stats.framesSent);
  });

  it('refuses a peer whose certificate the CA did not sign', async () => {
    const a = await newWire({ tls: mutual(trusted) });
    const intruder = await newWire({ tls: mutual(stranger) });
    const got: string[] = [];
    a.onFrame((from) => got.push(from));
    intruder.send(a.address, encode('let me in'));
    expect(await eventually(() => intruder.stats.dialFailures >= 1 && a.stats.handshakeFailures >= 1)).toBe(true);
    expect(got).toHaveLength(0);
    expect(a.stats.connections).toBe(0);
  });

  it('does not talk to a plain TCP wire, either way, and does not crash', async () => {
    const secure = await newWire({ tls: mutual(trusted) });
    const plain = await newWire();
    const atSecure: string[] = [];
    const atPlain: string[] = [];
    secure.onFrame((from) => atSecure.push(from));
    plain.onFrame((from) => atPlain.push(from));
    plain.send(secure.address, encode('plain to secure'));
    secure.send(plain.address, encode('secure to plain'));
    expect(await eventually(() => plain.stats.dialFailures >= 1 && secure.stats.dialFailures >= 1)).toBe(true);
    expect(atSecure).toHaveLength(0);
    expect(atPlain).toHaveLength(0);
  });
});
