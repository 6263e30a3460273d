/**
 * `npm start -- --nats`: the NATS server the demo's group runs over. $NATS_URL if set; otherwise
 * a nats-server (Debian: apt-get install -y nats-server) started here on a free loopback port and
 * killed by its PID when the demo ends.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect, createServer } from 'node:net';
import { delimiter, join } from 'node:path';

export interface LocalNats {
  url: string;
  /** Whether this process started the server (and so stops it). */
  started: boolean;
  stop(): Promise<void>;
}

function binary(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin'];
  for (const candidate of process.env.NATS_SERVER_BIN ? [process.env.NATS_SERVER_BIN] : dirs.filter(Boolean).map((d) => join(d, 'nats-server'))) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  throw new Error('npm start -- --nats needs a NATS server: set NATS_URL, or install nats-server (Debian: apt-get install -y nats-server)');
}

export async function localNats(): Promise<LocalNats> {
  if (process.env.NATS_URL) return { url: process.env.NATS_URL, started: false, stop: async () => undefined };
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const child = spawn(binary(), ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const kill = (): void => { if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL'); };
  process.once('exit', kill);
  // Up when it accepts a connection: at most 100 tries, 50 ms apart.
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (up) break;
    if (i >= 100 || child.exitCode !== null) {
      kill();
      throw new Error(`nats-server did not start on 127.0.0.1:${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `127.0.0.1:${port}`,
    started: true,
    stop: async () => {
      const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
      kill();
      await exited;
    },
  };
}
