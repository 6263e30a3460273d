import { describe, expect, it } from '@jest/globals';
import { decodeHello, encodeHello, HELLO_MAGIC, HELLO_VERSION } from '../../../src/wire/tcp/handshake.js';

describe('hello', () => {
  it('round-trips address and instance', () => {
    const hello = { address: '127.0.0.1:4321', instance: 0xdead_beef };
    expect(decodeHello(encodeHello(hello))).toEqual({ ok: true, hello });
  });

  it('starts with the magic and the version', () => {
    const bytes = encodeHello({ address: 'h:1', instance: 1 });
    expect(Array.from(bytes.subarray(0, 4))).toEqual(Array.from(HELLO_MAGIC));
    expect(bytes[4]).toBe(HELLO_VERSION);
  });

  it('refuses a bad magic, another version, a truncated hello and a bad address', () => {
    const good = encodeHello({ address: '127.0.0.1:1', instance: 7 });
    const badMagic = good.slice();
    badMagic[0] = 0x47;
    const otherVersion = good.slice();
    otherVersion[4] = HELLO_VERSION + 1;
    const cases: [Uint8Array, RegExp][] = [
      [badMagic, /magic/],
      [otherVersion, /version/],
      [good.subarray(0, 6), /truncated/],
      [good.subarray(0, good.length - 1), /length/],
      [encodeHello({ address: 'not-an-address', instance: 1 }), /host:port/],
      [new TextEncoder().encode('GET / HTTP/1.1\r\n'), /magic/],
    ];
    for (const [bytes, reason] of cases) {
      const result = decodeHello(bytes);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(reason);
    }
  });
});
