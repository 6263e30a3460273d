/**
 * Seeds for Group.join, found before joining: from a static list, from DNS (A and SRV records,
 * as a Kubernetes headless service publishes them), or from the wires of the group announcing
 * themselves on NATS. Call it, then pass what it returns as `seeds`:
 *
 *   const wire = await natsWire({ servers, group: 'orders', address: process.env.POD_NAME });
 *   const seeds = await discoverSeeds({ nats: wire });          // or { dns: {...} }, { static: [...] }
 *   const group = await Group.join('orders', { wire, seeds });
 *
 * It never returns fewer than `minSeeds` (default 1) addresses: it asks again every `retryMs`
 * until it has them, and rejects with SeedDiscoveryError (SEED_DISCOVERY) after `timeoutMs`. An
 * empty list would tell Group.join to form a new group at once, which is how a group splits in
 * two; a list that holds at least this member lets the bootstrap vote (docs/protocol.md) decide
 * who forms the group. Every wait is bounded.
 */
import { Resolver } from 'node:dns/promises';
import { InvalidArgumentError } from '@cohort/core';
import { SeedDiscoveryError } from './errors.js';
import type { NatsWire } from './nats-wire.js';

/** One DNS record as discovery sees it. */
export interface DnsSeedRecord {
  /** The SRV target (a pod's DNS name for a StatefulSet), absent for an A record. */
  host?: string;
  /** The IPv4 address (an A record, or the SRV target's A record). */
  ip?: string;
  port?: number;
}

export type DnsAddressMapping = 'ip:port' | 'host:port' | 'first-label' | ((record: DnsSeedRecord) => string | undefined);

export interface DnsSeedSource {
  /**
   * The name to look up: for A records the service name (a headless Service has one A record
   * per pod, `cohort.default.svc.cluster.local`); for SRV records the port's name
   * (`_cohort._tcp.cohort.default.svc.cluster.local`).
   */
  name: string;
  /** Record type. Default 'SRV' when the name starts with `_`, else 'A'. */
  type?: 'A' | 'SRV';
  /** The port for A records ("ip:port" addresses); SRV records carry their own. */
  port?: number;
  /**
   * How a record becomes an address:
   * - 'ip:port' (default): tcpWire addresses; an SRV target is resolved to its A records;
   * - 'host:port': the SRV target name and port;
   * - 'first-label': the SRV target's first label, which for a StatefulSet is the pod's name,
   *   the natsWire address to use (`natsWire({ address: process.env.POD_NAME })`);
   * - a function of the record (undefined skips it).
   */
  address?: DnsAddressMapping;
  /** DNS servers to ask ("ip" or "ip:port"). Default: the system's (/etc/resolv.conf). */
  servers?: readonly string[];
  /** One query's timeout, ms (default 1,000); each query is tried twice. */
  queryTimeoutMs?: number;
}

export interface DiscoverSeedsOptions {
  /** Addresses known in advance (a StatefulSet's pod names, a config file), taken as they are. */
  static?: readonly string[];
  dns?: DnsSeedSource | readonly DnsSeedSource[];
  /** A wire created with `group`: the wires of that group answer on its discovery subject. */
  nats?: NatsWire;
  /** Put the NATS wire's own address in the result (default true): see the module comment. */
  includeSelf?: boolean;
  /** How long one NATS round collects answers, ms (default 300; "no responders" ends it at once). */
  natsWaitMs?: number;
  /** Fewest addresses to return (default 1). */
  minSeeds?: number;
  /** Give up after this long, ms (default 10,000). */
  timeoutMs?: number;
  /** Pause between rounds, ms (default 500). */
  retryMs?: number;
}

interface SourceReport {
  source: string;
  found: string[];
  error?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves to the seeds found (sorted, without duplicates). See the module comment. */
export async function discoverSeeds(options: DiscoverSeedsOptions): Promise<string[]> {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError('discoverSeeds takes an options object');
  const dns =
    options.dns === undefined
      ? []
      : Array.isArray(options.dns)
        ? (options.dns as readonly DnsSeedSource[])
        : [options.dns as DnsSeedSource];
  if (options.static === undefined && dns.length === 0 && options.nats === undefined) {
    throw new InvalidArgumentError('discoverSeeds needs at least one source: static, dns or nats');
  }
  if (options.nats !== undefined && options.nats.groupSubject === undefined) {
    throw new InvalidArgumentError('discoverSeeds: the nats wire must be created with the `group` option (its group answers discovery)');
  }
  for (const source of dns) {
    if (!source || typeof source.name !== 'string' || source.name.length === 0)
      throw new InvalidArgumentError('discoverSeeds: dns.name must be a non-empty string');
    if (
      typeof source.address !== 'function' &&
      (source.address ?? 'ip:port') === 'ip:port' &&
      typeSrv(source) === 'A' &&
      source.port === undefined
    ) {
      throw new InvalidArgumentError(`discoverSeeds: dns "${source.name}" (A records) needs a port for "ip:port" addresses`);
    }
  }
  const minSeeds = options.minSeeds ?? 1;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retryMs = options.retryMs ?? 500;
  if (!Number.isInteger(minSeeds) || minSeeds < 0) throw new InvalidArgumentError('discoverSeeds: minSeeds must be an integer >= 0');
  const deadline = performance.now() + timeoutMs;
  for (let round = 0; ; round++) {
    const reports = await Promise.all([
      ...(options.static ? [Promise.resolve<SourceReport>({ source: 'static', found: [...options.static] })] : []),
      ...dns.map((source) => fromDns(source)),
      ...(options.nats ? [fromNats(options.nats, options.natsWaitMs ?? 300, options.includeSelf ?? true)] : []),
    ]);
    const seeds = [...new Set(reports.flatMap((r) => r.found))].sort();
    if (seeds.length >= minSeeds) return seeds;
    const left = deadline - performance.now();
    if (left <= 0) {
      throw new SeedDiscoveryError(
        `discoverSeeds found ${seeds.length} seed(s) within ${timeoutMs} ms, fewer than ${minSeeds}: ` +
          reports
            .map((r) => `${r.source}: ${r.found.length > 0 ? r.found.join(', ') : 'none'}${r.error ? ` (${r.error})` : ''}`)
            .join('; '),
        reports,
      );
    }
    await sleep(Math.min(retryMs, left));
  }
}

function typeSrv(source: DnsSeedSource): 'A' | 'SRV' {
  return source.type ?? (source.name.startsWith('_') ? 'SRV' : 'A');
}

async function fromNats(wire: NatsWire, waitMs: number, includeSelf: boolean): Promise<SourceReport> {
  const source = `nats ${wire.groupSubject ?? '(no group)'}`;
  try {
    const found = await wire.discover(waitMs);
    return { source, found: includeSelf ? [...found, wire.address] : found };
  } catch (error) {
    return { source, found: includeSelf ? [wire.address] : [], error: (error as Error).message };
  }
}

function mapRecord(mapping: DnsAddressMapping, record: DnsSeedRecord): string | undefined {
  if (typeof mapping === 'function') return mapping(record);
  switch (mapping) {
    case 'ip:port':
      return record.ip !== undefined && record.port !== undefined ? `${record.ip}:${record.port}` : undefined;
    case 'host:port':
      return record.host !== undefined && record.port !== undefined ? `${record.host}:${record.port}` : undefined;
    case 'first-label':
      return record.host?.split('.')[0] || undefined;
    default:
      return undefined;
  }
}

async function fromDns(source: DnsSeedSource): Promise<SourceReport> {
  const type = typeSrv(source);
  const label = `dns ${type} ${source.name}`;
  const resolver = new Resolver({ timeout: source.queryTimeoutMs ?? 1000, tries: 2 });
  if (source.servers) resolver.setServers([...source.servers]);
  const mapping = source.address ?? 'ip:port';
  try {
    const records: DnsSeedRecord[] = [];
    if (type === 'A') {
      for (const ip of await resolver.resolve4(source.name))
        records.push({ ip, ...(source.port !== undefined ? { port: source.port } : {}) });
    } else {
      const srv = await resolver.resolveSrv(source.name);
      const needIp = mapping === 'ip:port' || typeof mapping === 'function';
      for (const entry of srv) {
        const host = entry.name.replace(/\.$/, '');
        if (!needIp) {
          records.push({ host, port: entry.port });
          continue;
        }
        let ips: string[] = [];
        try {
          ips = await resolver.resolve4(host);
        } catch {
          // A target without an A record yet (a pod not scheduled): the others still count.
        }
        if (ips.length === 0 && typeof mapping === 'function') records.push({ host, port: entry.port });
        for (const ip of ips) records.push({ host, ip, port: entry.port });
      }
    }
    const found = records.map((r) => mapRecord(mapping, r)).filter((a): a is string => typeof a === 'string' && a.length > 0);
    return { source: label, found };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { source: label, found: [], error: code ?? (error as Error).message };
  } finally {
    resolver.cancel();
  }
}
