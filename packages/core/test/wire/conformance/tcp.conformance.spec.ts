import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { tcpWire } from '../../../src/wire/tcp/index.js';
import { startChildWire, killAll, type ChildWire } from '../tcp/child-wire.js';
import { wireConformance } from './wire-conformance.js';

/** A loopback port that was free a moment ago and that nothing listens on now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

wireConformance('tcp', async (count) => {
  const wires = await Promise.all(Array.from({ length: count }, () => tcpWire({ host: '127.0.0.1', port: 0 })));
  const children: ChildWire[] = [];
  return {
    wires,
    unreachable: `127.0.0.1:${await closedPort()}`,
    async until(predicate) {
      // Bounded: 800 polls of 5 ms at least, about 4 s (under Jest's 5 s per test), far beyond
      // what loopback needs.
      for (let i = 0; i < 800; i++) {
        if (predicate()) return true;
        await sleep(5);
      }
      return predicate();
    },
    // A wire in a child process, SIGKILLed: to its peers exactly what a crash looks like.
    async crashablePeer() {
      const child = await startChildWire();
      children.push(child);
      return { address: child.address, crash: () => child.kill() };
    },
    cleanup: async () => {
      await killAll(children);
      await Promise.all(wires.map((wire) => wire.close()));
    },
  };
});
