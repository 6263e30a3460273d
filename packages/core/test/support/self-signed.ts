/**
 * A self-signed certificate for TLS tests (tcpWire's in packages/core, natsWire's in
 * packages/nats), made by the openssl CLI into `dir`: CN 127.0.0.1, subjectAltName 127.0.0.1 and
 * localhost, usable as server, client and its own CA, valid for two days. The openssl binary is
 * required (.ci/run installs it where it is missing): without it the test fails, saying so,
 * rather than pass untested.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SelfSigned {
  keyPath: string;
  certPath: string;
  key: Buffer;
  cert: Buffer;
}

/** Writes `<name>.key` and `<name>.crt` into `dir`. */
export function selfSigned(dir: string, name: string): SelfSigned {
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.crt`);
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'this TLS test needs the openssl binary on PATH (Debian package openssl; .ci/run installs it) to make test certificates',
    );
  }
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-addext',
      'keyUsage=digitalSignature,keyCertSign',
      '-addext',
      'extendedKeyUsage=serverAuth,clientAuth',
    ],
    { stdio: 'ignore' },
  );
  return { keyPath, certPath, key: readFileSync(keyPath), cert: readFileSync(certPath) };
}
