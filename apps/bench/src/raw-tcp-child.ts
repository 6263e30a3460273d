/**
 * The raw TCP fan-out baseline's processes (benchmark children): what plain node:net does
 * with no protocol at all. argv[2] is the role.
 *
 * receiver: listens on 127.0.0.1:0, parses length-prefixed messages (4-byte big-endian
 *   length, then the body) from any chunking and hands each body to a counting callback.
 *   parent -> { cmd: 'prepare', run, expected } { cmd: 'start', run }
 *   child  -> { type: 'ready', port } { type: 'prepared', run } { type: 'delivered', run, count, tStart, tFirst, tLast }
 * sender: connects to the receivers, then writes `count` messages to each, `batch` messages
 *   per write (one prebuilt, never modified buffer, written again and again to every
 *   receiver), waiting for 'drain' when a socket's buffer is full.
 *   parent -> { cmd: 'connect', ports } { cmd: 'start', run, count, size, batch, timeoutMs }
 *   child  -> { type: 'connected' } { type: 'sent', run, sendMs, writes }
 * echo: listens on 127.0.0.1:0 and writes back whatever it reads.
 *   child  -> { type: 'ready', port }
 * ping: connects to the echo server and sends one length-prefixed message at a time, waiting
 *   for its echo: the request/reply floor of this machine.
 *   parent -> { cmd: 'latency', port, calls, warmup, size, timeoutMs }
 *   child  -> { type: 'latency', p50Us, ... }
 */
import { connect, createServer, type Socket } from 'node:net';
import { deadline, onCommand, report, type Command } from './lib/child-side.js';
import { summarizeLatencies } from './lib/payload.js';

const role = process.argv[2];

if (role === 'receiver') {
  let run = -1;
  let expected = 0;
  let count = 0;
  let tStart = 0;
  let tFirst = 0;
  let tLast = 0;
  let checksum = 0;

  // A delivery hands over the message's place in the chunk (no view allocated per message:
  // this baseline is the ceiling).
  const onMessage = (data: Buffer, offset: number): void => {
    if (count === 0) tFirst = performance.now();
    checksum = (checksum + data[offset]!) | 0;
    if (++count === expected) {
      tLast = performance.now();
      report({ type: 'delivered', run, count, tStart, tFirst, tLast, checksum });
    }
  };

  const server = createServer((socket: Socket) => {
    socket.setNoDelay(true);
    let pending: Buffer | null = null;
    socket.on('data', (chunk: Buffer) => {
      let data = chunk;
      if (pending) {
        data = Buffer.concat([pending, chunk]);
        pending = null;
      }
      let offset = 0;
      const end = data.length;
      while (end - offset >= 4) {
        const length = data.readUInt32BE(offset);
        if (end - offset - 4 < length) break;
        onMessage(data, offset + 4);
        offset += 4 + length;
      }
      if (offset < end) pending = Buffer.from(data.subarray(offset));
    });
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    report({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
  });

  onCommand(
    (command: Command) => {
      if (command.cmd === 'prepare') {
        run = command.run as number;
        expected = command.expected as number;
        count = 0;
        tStart = tFirst = tLast = 0;
        report({ type: 'prepared', run });
      } else if (command.cmd === 'start') {
        tStart = performance.now();
      } else {
        throw new Error(`unknown command ${command.cmd}`);
      }
    },
    () => new Promise<void>((resolve) => server.close(() => resolve())),
  );
} else if (role === 'sender') {
  let sockets: Socket[] = [];

  const connectAll = async (ports: number[]): Promise<void> => {
    sockets = await Promise.all(
      ports.map(
        (port) =>
          new Promise<Socket>((resolve, reject) => {
            const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
            socket.setNoDelay(true);
            socket.once('error', reject);
          }),
      ),
    );
    report({ type: 'connected' });
  };

  const send = async (command: Command): Promise<void> => {
    const run = command.run as number;
    const count = command.count as number;
    const size = command.size as number;
    const batch = command.batch as number;
    const limit = deadline(command.timeoutMs as number, `writing ${count} raw messages`);
    const frame = 4 + size;
    const t0 = performance.now();
    let writes = 0;
    // Built once and never modified, so the sockets may hold it while we go on.
    const template = Buffer.alloc(batch * frame);
    for (let i = 0; i < batch; i++) {
      template.writeUInt32BE(size, i * frame);
      template.writeUInt32LE(i, i * frame + 4);
    }
    for (let sent = 0; sent < count;) {
      const n = Math.min(batch, count - sent);
      const buffer = n === batch ? template : template.subarray(0, n * frame);
      sent += n;
      let full = false;
      for (const socket of sockets) if (!socket.write(buffer)) full = true;
      writes++;
      if (full) {
        await Promise.all(sockets.filter((s) => s.writableNeedDrain).map((s) => new Promise((resolve) => s.once('drain', resolve))));
        limit.check();
      }
    }
    report({ type: 'sent', run, sendMs: performance.now() - t0, writes });
  };

  onCommand(
    async (command: Command) => {
      if (command.cmd === 'connect') return connectAll(command.ports as number[]);
      if (command.cmd === 'start') return send(command);
      throw new Error(`unknown command ${command.cmd}`);
    },
    () => {
      for (const socket of sockets) socket.destroy();
    },
  );
  report({ type: 'ready' });
} else if (role === 'echo') {
  const server = createServer((socket: Socket) => {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => socket.write(chunk));
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    report({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
  });
  onCommand(
    (command: Command) => {
      throw new Error(`unknown command ${command.cmd}`);
    },
    () => new Promise<void>((resolve) => server.close(() => resolve())),
  );
} else if (role === 'ping') {
  let socket: Socket | null = null;
  const latency = async (command: Command): Promise<void> => {
    const calls = command.calls as number;
    const warmup = command.warmup as number;
    const size = command.size as number;
    const limit = deadline(command.timeoutMs as number, `${calls + warmup} raw TCP round trips`);
    const s = await new Promise<Socket>((resolve, reject) => {
      const c = connect({ host: '127.0.0.1', port: command.port as number }, () => resolve(c));
      c.setNoDelay(true);
      c.once('error', reject);
    });
    socket = s;
    const message = Buffer.alloc(4 + size);
    message.writeUInt32BE(size, 0);
    let waiting: (() => void) | null = null;
    let received = 0;
    s.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received >= message.length && waiting) {
        received -= message.length;
        const done = waiting;
        waiting = null;
        done();
      }
    });
    const samples: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < warmup + calls; i++) {
      const start = performance.now();
      await new Promise<void>((resolve) => {
        waiting = resolve;
        s.write(message);
      });
      if (i >= warmup) samples.push(performance.now() - start);
      if (i % 256 === 0) limit.check();
    }
    report({ type: 'latency', ...summarizeLatencies(samples, performance.now() - t0) });
  };
  onCommand(
    async (command: Command) => {
      if (command.cmd === 'latency') return latency(command);
      throw new Error(`unknown command ${command.cmd}`);
    },
    () => {
      socket?.destroy();
    },
  );
  report({ type: 'ready' });
} else {
  throw new Error(`raw-tcp-child: unknown role ${String(role)} (receiver | sender | echo | ping)`);
}
