/**
 * discoverSeeds: a static list; DNS A and SRV records as a Kubernetes headless service publishes
 * them (from a DNS server this test starts on UDP 127.0.0.1, with node:dns pointed at it); the
 * wires of a group answering on NATS. Then three processes' worth of members that start at once
 * discover each other on NATS and form one group (the bootstrap vote decides who forms it).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Group } from '@cohort/core';
import { discoverSeeds, natsWire, SeedDiscoveryError, type NatsWire } from '../src/index.js';
import { DnsServer } from './support/dns-server.js';
import { eventually } from './support/groups.js';
import { NatsCluster } from '../src/testing/index.js';

const SERVICE = 'cohort.default.svc.cluster.local';
const SRV = `_cohort._tcp.${SERVICE}`;

let dns: DnsServer;
let cluster: NatsCluster;
beforeAll(async () => {
  dns = await DnsServer.start();
  // A headless Service: one A record per pod under the service name; one SRV record per pod
  // (target: the pod's own name under the service) for the named port.
  dns.addA(SERVICE, '10.1.0.7', '10.1.0.5');
  dns.addSrv(
    SRV,
    { priority: 0, weight: 50, port: 7000, target: `cohort-0.${SERVICE}` },
    { priority: 0, weight: 50, port: 7000, target: `cohort-1.${SERVICE}` },
  );
  dns.addA(`cohort-0.${SERVICE}`, '10.1.0.5');
  dns.addA(`cohort-1.${SERVICE}`, '10.1.0.7');
  cluster = await NatsCluster.start({ size: 2 });
}, 30_000);
afterAll(async () => {
  await dns?.close();
  await cluster?.stop();
});

describe('discoverSeeds', () => {
  it('takes a static list as it is (sorted, without duplicates)', async () => {
    expect(await discoverSeeds({ static: ['cohort-2', 'cohort-0', 'cohort-1', 'cohort-0'] })).toEqual(['cohort-0', 'cohort-1', 'cohort-2']);
  });

  it('reads A records (with a port) and SRV records, mapped to tcpWire or natsWire addresses', async () => {
    const servers = [dns.address];
    expect(await discoverSeeds({ dns: { name: SERVICE, port: 7000, servers } })).toEqual(['10.1.0.5:7000', '10.1.0.7:7000']);
    expect(await discoverSeeds({ dns: { name: SRV, servers } })).toEqual(['10.1.0.5:7000', '10.1.0.7:7000']);
    expect(await discoverSeeds({ dns: { name: SRV, servers, address: 'host:port' } })).toEqual([
      `cohort-0.${SERVICE}:7000`,
      `cohort-1.${SERVICE}:7000`,
    ]);
    expect(await discoverSeeds({ dns: { name: SRV, servers, address: 'first-label' } })).toEqual(['cohort-0', 'cohort-1']);
    expect(await discoverSeeds({ dns: { name: SRV, servers, address: (r) => `${r.host!.split('.')[0]}@${r.ip}` } })).toEqual([
      'cohort-0@10.1.0.5',
      'cohort-1@10.1.0.7',
    ]);
    expect(dns.queries).toContain(`SRV ${SRV}`);
  });

  it('asks again until minSeeds are found (a pod appearing), and says what it found when they are not', async () => {
    const name = `_late._tcp.${SERVICE}`;
    dns.addSrv(name, { priority: 0, weight: 1, port: 7000, target: `cohort-0.${SERVICE}` });
    setTimeout(() => dns.addSrv(name, { priority: 0, weight: 1, port: 7000, target: `cohort-1.${SERVICE}` }), 300);
    const t0 = performance.now();
    expect(
      await discoverSeeds({ dns: { name, servers: [dns.address], address: 'first-label' }, minSeeds: 2, retryMs: 100, timeoutMs: 5000 }),
    ).toEqual(['cohort-0', 'cohort-1']);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250);

    const failed = discoverSeeds({
      dns: { name: `nobody.${SERVICE}`, port: 7000, servers: [dns.address] },
      static: ['x'],
      minSeeds: 2,
      retryMs: 100,
      timeoutMs: 400,
    });
    await expect(failed).rejects.toBeInstanceOf(SeedDiscoveryError);
    await expect(failed).rejects.toMatchObject({ code: 'SEED_DISCOVERY', message: expect.stringContaining('ENOTFOUND') });
  });

  it('finds the wires of its group on NATS (itself included), not those of another group', async () => {
    const wires: NatsWire[] = [];
    try {
      for (const [i, group] of ['orders', 'orders', 'orders', 'billing'].entries()) {
        wires.push(
          await natsWire({ servers: cluster.serversFor(i % 2), noRandomize: true, subjectPrefix: 'disc', group, address: `${group}-${i}` }),
        );
      }
      await cluster.awaitInterest(['disc.discover.orders', 'disc.discover.billing']);
      expect(await discoverSeeds({ nats: wires[0]! })).toEqual(['orders-0', 'orders-1', 'orders-2']);
      expect(await discoverSeeds({ nats: wires[0]!, includeSelf: false })).toEqual(['orders-1', 'orders-2']);
      // Alone in its group: only itself, at once ("no responders" ends the wait).
      const t0 = performance.now();
      expect(await discoverSeeds({ nats: wires[3]!, natsWaitMs: 2000 })).toEqual(['billing-3']);
      expect(performance.now() - t0).toBeLessThan(1000);
    } finally {
      await Promise.all(wires.map((w) => w.close()));
    }
  });

  it('lets members that start together discover each other on NATS and form one group', async () => {
    const wires = await Promise.all(
      [0, 1, 2].map((i) => natsWire({ servers: cluster.serversFor(i % 2), noRandomize: true, subjectPrefix: 'boot', group: 'boot' })),
    );
    const groups: Group[] = [];
    try {
      await cluster.awaitInterest(['boot.discover.boot']);
      const joined = await Promise.all(wires.map(async (wire) => Group.join('boot', { wire, seeds: await discoverSeeds({ nats: wire }) })));
      groups.push(...joined);
      expect(await eventually(() => groups.every((g) => g.view.members.length === 3 && g.view.id === groups[0]!.view.id), 10_000)).toBe(
        true,
      );
    } finally {
      for (const g of groups.reverse()) await Promise.race([g.leave(), new Promise((resolve) => setTimeout(resolve, 300))]);
      await Promise.all(wires.map((w) => w.close()));
    }
  }, 30_000);
});
