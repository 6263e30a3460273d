/**
 * A NATS cluster on this machine, for tests, benchmarks and demos: n nats-server processes on
 * 127.0.0.1, each with a client port, a route port and a monitoring port picked free, routes
 * between all of them (n = 1: one server), configs and logs in a temporary directory. Every
 * server is killed by its PID in stop(), and at the latest when this process exits. Nothing
 * here waits without a bound.
 *
 * nats-server must be installed (Debian: `apt-get install -y nats-server`), or named by
 * $NATS_SERVER_BIN. Without it start() fails with a message that says so; findNatsServer()
 * tells beforehand.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { bare, HeaderBytes, Kind } from '../packet.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The nats-server binary ($NATS_SERVER_BIN, else the first on PATH or in the sbin directories), or null if there is none. */
export function findNatsServer(): string | null {
  const candidates = process.env['NATS_SERVER_BIN']
    ? [process.env['NATS_SERVER_BIN']]
    : [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin']
        .filter((d) => d.length > 0)
        .map((d) => join(d, 'nats-server'));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return null;
}

/** The nats-server binary, or an error that says how to install it. */
export function natsServerBinary(): string {
  const binary = findNatsServer();
  if (binary !== null) return binary;
  throw new Error(
    process.env['NATS_SERVER_BIN']
      ? `nats-server is not installed: NATS_SERVER_BIN (${process.env['NATS_SERVER_BIN']}) is not an executable file`
      : 'nats-server is not installed: `apt-get install -y nats-server` (Debian), or set NATS_SERVER_BIN',
  );
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Every server this process started and has not seen exit: killed at exit if its owner forgot. */
const live = new Set<ChildProcess>();
let exitHooked = false;

function track(child: ChildProcess): void {
  // Hooked at the first spawn, not at load: importing this module does nothing.
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', () => {
      for (const alive of live)
        if (alive.pid !== undefined)
          try {
            process.kill(alive.pid, 'SIGKILL');
          } catch {
            /* gone */
          }
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

export interface NatsServer {
  readonly name: string;
  readonly port: number;
  readonly routePort: number;
  readonly monitorPort: number;
  /** "127.0.0.1:port" */
  readonly url: string;
  readonly config: string;
  readonly log: string;
  child: ChildProcess | null;
}

export interface NatsClusterOptions {
  /** Number of servers (default 3). */
  size?: number;
  /** Extra configuration lines for every server (authorization blocks, max_payload ...). */
  extraConfig?: string;
  /** Each server's readiness wait (default 10 s). */
  readyTimeoutMs?: number;
}

export class NatsCluster {
  private constructor(
    readonly dir: string,
    readonly servers: NatsServer[],
    private readonly binary: string,
    private readonly readyTimeoutMs: number,
  ) {}

  /** Starts the servers and waits until each is up and routed to all the others. */
  static async start(options: NatsClusterOptions = {}): Promise<NatsCluster> {
    const binary = natsServerBinary();
    const size = options.size ?? 3;
    const dir = mkdtempSync(join(tmpdir(), 'cohort-nats-'));
    const servers: NatsServer[] = [];
    for (let i = 0; i < size; i++) {
      const name = `n${i + 1}`;
      servers.push({
        name,
        port: await freePort(),
        routePort: await freePort(),
        monitorPort: await freePort(),
        url: '',
        config: join(dir, `${name}.conf`),
        log: join(dir, `${name}.log`),
        child: null,
      });
    }
    for (const server of servers) {
      (server as { url: string }).url = `127.0.0.1:${server.port}`;
      const routes = servers.filter((s) => s !== server).map((s) => `"nats-route://127.0.0.1:${s.routePort}"`);
      writeFileSync(
        server.config,
        [
          `server_name: ${server.name}`,
          `listen: 127.0.0.1:${server.port}`,
          `http: 127.0.0.1:${server.monitorPort}`,
          `cluster {`,
          `  name: cohort-local`,
          `  listen: 127.0.0.1:${server.routePort}`,
          `  routes: [${routes.join(', ')}]`,
          `}`,
          options.extraConfig ?? '',
          '',
        ].join('\n'),
      );
    }
    const cluster = new NatsCluster(dir, servers, binary, options.readyTimeoutMs ?? 10_000);
    try {
      for (const server of servers) cluster.spawn(server);
      await cluster.awaitRoutes();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get urls(): string[] {
    return this.servers.map((s) => s.url);
  }

  /** The server list for a client that should connect to server `i` first and fail over to the others in order. */
  serversFor(i: number): string[] {
    const n = this.servers.length;
    return Array.from({ length: n }, (_, k) => this.servers[(i + k) % n]!.url);
  }

  private spawn(server: NatsServer): void {
    const out = openSync(server.log, 'a');
    const child = spawn(this.binary, ['-c', server.config], { stdio: ['ignore', out, out] });
    closeSync(out);
    track(child);
    child.on('error', () => undefined);
    server.child = child;
  }

  private alive(server: NatsServer): boolean {
    const child = server.child;
    return child !== null && child.exitCode === null && child.signalCode === null;
  }

  /** Routes of a server as its monitoring endpoint tells, or -1 if it does not answer. */
  private async routesOf(server: NatsServer): Promise<number> {
    try {
      const response = await fetch(`http://127.0.0.1:${server.monitorPort}/routez`, { signal: AbortSignal.timeout(1000) });
      const body = (await response.json()) as { num_routes?: number };
      return body.num_routes ?? 0;
    } catch {
      return -1;
    }
  }

  /** Waits until every live server has a route to every other live server. */
  async awaitRoutes(timeoutMs = this.readyTimeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const up = this.servers.filter((s) => this.alive(s));
      for (const server of this.servers) {
        if (server.child !== null && !this.alive(server) && !this.killedOnPurpose.has(server)) {
          throw new Error(`nats-server ${server.name} exited at start: ${this.tail(server)}`);
        }
      }
      const routes = await Promise.all(up.map((s) => this.routesOf(s)));
      if (routes.every((r) => r >= up.length - 1)) return;
      if (Date.now() > deadline) {
        throw new Error(
          `NATS cluster not routed within ${timeoutMs} ms (routes: ${routes.join(', ')}): ${up.map((s) => this.tail(s)).join(' | ')}`,
        );
      }
      await sleep(50);
    }
  }

  private tail(server: NatsServer): string {
    try {
      return readFileSync(server.log, 'utf8').split('\n').slice(-6).join(' / ');
    } catch {
      return '(no log)';
    }
  }

  private readonly killedOnPurpose = new Set<NatsServer>();

  /** SIGKILLs server `i` by its PID and waits (bounded) until it has exited. */
  async kill(i: number): Promise<void> {
    const server = this.servers[i]!;
    this.killedOnPurpose.add(server);
    await killChild(server.child);
  }

  /** Starts server `i` again (same ports and config) and waits for its routes. */
  async restart(i: number): Promise<void> {
    const server = this.servers[i]!;
    this.killedOnPurpose.delete(server);
    this.spawn(server);
    await this.awaitRoutes();
  }

  /**
   * Waits until every live server knows a subscriber for each subject (interest travels between
   * servers on the routes, a little after a client subscribed): an observer client per server
   * publishes a probe packet with a reply subject; "no responders" means not yet.
   */
  async awaitInterest(subjects: readonly string[], timeoutMs = 5000): Promise<void> {
    const up = this.servers.filter((s) => this.alive(s));
    const observers: NatsConnection[] = [];
    try {
      for (const server of up) observers.push(await connect({ servers: server.url, maxReconnectAttempts: 0, timeout: 2000 }));
      const probe = bare(new HeaderBytes('observer', 0), Kind.Probe);
      const deadline = Date.now() + timeoutMs;
      let missing = observers.flatMap((nc, o) => subjects.map((subject) => ({ o, nc, subject })));
      while (missing.length > 0) {
        const absent = new Set<number>();
        const subs = observers.map((nc, o) =>
          nc.subscribe(`_observer.${o}.>`, {
            callback: (_error, msg) => {
              if (msg.headers?.code === 503) absent.add(Number(msg.subject.split('.')[2]));
            },
          }),
        );
        missing.forEach(({ nc, subject, o }, k) => nc.publish(subject, probe, { reply: `_observer.${o}.${k}` }));
        await Promise.all(observers.map((nc) => nc.flush()));
        await sleep(20);
        for (const sub of subs) sub.unsubscribe();
        missing = missing.filter((_, k) => absent.has(k));
        if (missing.length === 0) return;
        if (Date.now() > deadline)
          throw new Error(`no interest within ${timeoutMs} ms for ${missing.map((m) => `${m.subject}@${up[m.o]!.name}`).join(', ')}`);
        await sleep(20);
      }
    } finally {
      await Promise.all(observers.map((nc) => nc.close().catch(() => undefined)));
    }
  }

  /** SIGKILLs every server still running, by PID, and removes the directory (unless COHORT_KEEP_NATS is set). */
  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => killChild(s.child)));
    if (!process.env['COHORT_KEEP_NATS']) rmSync(this.dir, { recursive: true, force: true });
  }

  /** PIDs of the servers still running (a test asserts none is left). */
  livePids(): number[] {
    return this.servers.filter((s) => this.alive(s)).map((s) => s.child!.pid!);
  }
}

/** SIGKILL by PID, then wait at most 5 s for the exit. */
async function killChild(child: ChildProcess | null): Promise<void> {
  if (child === null || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    exited,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 5000);
    }),
  ]);
  clearTimeout(timer);
}

/** nats-server's version string, for reports. */
export function natsServerVersion(): string {
  const result = spawnSync(natsServerBinary(), ['--version'], { encoding: 'utf8', timeout: 5000 });
  return (result.stdout || result.stderr).trim();
}
