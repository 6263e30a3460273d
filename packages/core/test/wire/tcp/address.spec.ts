import { describe, expect, it } from '@jest/globals';
import { formatAddress, parseAddress } from '../../../src/wire/tcp/address.js';

describe('addresses', () => {
  it('formats and parses host:port, IPv6 in brackets', () => {
    expect(formatAddress('127.0.0.1', 5000)).toBe('127.0.0.1:5000');
    expect(formatAddress('::1', 5000)).toBe('[::1]:5000');
    expect(parseAddress('127.0.0.1:5000')).toEqual({ host: '127.0.0.1', port: 5000 });
    expect(parseAddress('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(parseAddress('db-3.example.org:65535')).toEqual({ host: 'db-3.example.org', port: 65535 });
  });

  it.each(['', 'host', ':5000', 'host:', 'host:0', 'host:65536', 'host:5x', '::1:80', '[nope]:80', 'a b:1', 'h:-1'])(
    'rejects %j without throwing',
    (address) => {
      expect(parseAddress(address)).toBeUndefined();
    },
  );
});
