/**
 * A TCP wire in a process of its own, for the peer-down tests: a SIGKILL must look to the
 * survivors exactly like a crash (the kernel closes the sockets, no retire marker is sent).
 *
 * It listens on 127.0.0.1 (any free port), echoes every frame back to its sender, and tells
 * its parent its address over IPC: { type: 'ready', address }.
 */
import { tcpWire } from '../../../src/wire/tcp/index.js';

async function main(): Promise<void> {
  if (!process.send) throw new Error('child-wire-process must be forked with an IPC channel');
  const wire = await tcpWire({ host: '127.0.0.1', port: 0 });
  wire.onFrame((from, frame) => wire.send(from, frame));
  // Never outlive the test that started us, even if it died before killing us.
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready', address: wire.address });
}

void main();
