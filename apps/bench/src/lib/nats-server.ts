/**
 * A nats-server for the NATS benchmark rows: started on 127.0.0.1 with free ports (optionally
 * several routed into a cluster), config and log in a temporary directory, killed by PID at the
 * end (and at the latest when this process exits). Only when nats-server is installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The nats-server binary, or null when it is not installed ($NATS_SERVER_BIN, PATH, sbin). */
export function findNatsServer(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin'];
  for (const candidate of process.env.NATS_SERVER_BIN ? [process.env.NATS_SERVER_BIN] : dirs.filter(Boolean).map((d) => join(d, 'nats-server'))) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return null;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface LocalNats {
  /** "127.0.0.1:port" of each server. */
  urls: string[];
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) if (child.pid !== undefined) try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
});

/** Starts `size` routed servers and waits until each accepts connections and is routed (bounded: 10 s). */
export async function startNats(binary: string, size = 1): Promise<LocalNats> {
  const dir = mkdtempSync(join(tmpdir(), 'cohort-bench-nats-'));
  const ports = await Promise.all(Array.from({ length: size }, async () => ({ port: await freePort(), route: await freePort(), http: await freePort() })));
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
      const timer = setTimeout(resolve, 5000);
      child.once('exit', () => { clearTimeout(timer); resolve(); });
      process.kill(child.pid, 'SIGKILL');
    })));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    ports.forEach((p, i) => {
      const config = join(dir, `n${i + 1}.conf`);
      const routes = ports.filter((q) => q !== p).map((q) => `"nats-route://127.0.0.1:${q.route}"`).join(', ');
      writeFileSync(config, `server_name: n${i + 1}\nlisten: 127.0.0.1:${p.port}\nhttp: 127.0.0.1:${p.http}\n`
        + `cluster { name: bench, listen: 127.0.0.1:${p.route}, routes: [${routes}] }\n`);
      const log = openSync(join(dir, `n${i + 1}.log`), 'a');
      const child = spawn(binary, ['-c', config], { stdio: ['ignore', log, log] });
      closeSync(log);
      child.on('error', () => undefined);
      running.add(child);
      child.once('exit', () => running.delete(child));
      children.push(child);
    });
    const deadline = Date.now() + 10_000;
    for (const p of ports) {
      for (;;) {
        const routes = await fetch(`http://127.0.0.1:${p.http}/routez`, { signal: AbortSignal.timeout(1000) })
          .then((r) => r.json() as Promise<{ num_routes?: number }>).then((b) => b.num_routes ?? 0, () => -1);
        if (routes >= size - 1) break;
        if (Date.now() > deadline) throw new Error(`nats-server on port ${p.port} not ready (routes ${routes}) within 10 s`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { urls: ports.map((p) => `127.0.0.1:${p.port}`), stop };
}
