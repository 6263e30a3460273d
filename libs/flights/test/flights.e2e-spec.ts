import 'reflect-metadata';
import { SimulatedNetwork } from '@cohort/core/testing';
import { startFlightsGateway, startFlightsMember, type FlightsGateway, type FlightsMember } from '@cohort/flights';

describe('flights: members, and the causal thread through the gateway', () => {
  let net: SimulatedNetwork;
  const started: (FlightsMember | FlightsGateway)[] = [];

  beforeEach(() => {
    net = new SimulatedNetwork({ seed: 1981 });
  });
  afterEach(async () => {
    for (const app of started.splice(0).reverse()) await app.close();
    await net.close();
  });

  it('replicates assignments by causal multicast', async () => {
    const tower = await startFlightsMember({ wire: net.wire('tower'), seeds: [] });
    started.push(tower);
    const radar = await startFlightsMember({ wire: net.wire('radar'), seeds: ['tower'] });
    started.push(radar);
    expect(await net.runUntil(() => [tower, radar].every((m) => m.group.view.members.length === 2), { timeoutMs: 10_000 })).toBe(true);
    await tower.flights.assign('AF1981', 'D-9');
    expect(await net.runUntil(() => radar.flights.sectorOf('AF1981') === 'D-9', { timeoutMs: 10_000 })).toBe(true);
    await radar.flights.assign('AF1981', 'D-10');
    await radar.flights.assign('BA123', 'C-2');
    expect(await net.runUntil(() => tower.flights.history.length === 3, { timeoutMs: 10_000 })).toBe(true);
    for (const member of [tower, radar]) expect(member.flights.table()).toEqual({ AF1981: 'D-10', BA123: 'C-2' });
    expect(tower.flights.views.map((change) => `${change.kind}:${change.view?.members.length}`)).toEqual(['installed:1', 'installed:2']);
  });

  for (const causal of [true, false]) {
    it(`${causal ? 'with' : 'without'} CausalModule, t ends with the sector r assigned ${causal ? 'last' : 'first (wrong)'}`, async () => {
      const timing = { suspectTimeoutMs: 86_400_000 };
      const t = await startFlightsMember({ wire: net.wire('t'), seeds: [], timing, causal });
      started.push(t);
      const q = await startFlightsMember({ wire: net.wire('q'), seeds: ['t'], timing, causal, tcp: { port: 0 } });
      started.push(q);
      const r = await startFlightsMember({ wire: net.wire('r'), seeds: ['t'], timing, causal, tcp: { port: 0 } });
      started.push(r);
      expect(await net.runUntil(() => [t, q, r].every((m) => m.group.view.members.length === 3), { timeoutMs: 30_000 })).toBe(true);
      const p = await startFlightsGateway({
        services: { q: { host: '127.0.0.1', port: q.tcpPort! }, r: { host: '127.0.0.1', port: r.tcpPort! } },
        causal,
      });
      started.push(p);
      net.setLink('q', 'r', { loss: 1 });
      net.setLink('q', 't', { loss: 1 });
      // With the context, r's multicast waits until r has delivered q's (a context can delay only
      // its own request): q's link to r heals a virtual second in; its link to t stays down.
      if (causal) net.clock.setTimer(1_000, () => net.clearLink('q', 'r'));
      const response = await fetch(`${p.url}/flights/thread`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          steps: [
            { via: 'q', flight: 'AF1981', sector: 'D-9' },
            { via: 'r', flight: 'AF1981', sector: 'D-10' },
          ],
        }),
      });
      expect(response.status).toBe(201);
      if (causal) {
        await net.sleep(2_000);
        expect(t.flights.history).toEqual([]);
      } else {
        expect(await net.runUntil(() => t.flights.history.length === 1, { timeoutMs: 30_000 })).toBe(true);
      }
      net.clearLink('q', 'r');
      net.clearLink('q', 't');
      expect(await net.runUntil(() => [t, q, r].every((m) => m.flights.history.length === 2), { timeoutMs: 30_000 })).toBe(true);
      expect(t.flights.history.map((a) => a.sector)).toEqual(causal ? ['D-9', 'D-10'] : ['D-10', 'D-9']);
      expect(t.flights.sectorOf('AF1981')).toBe(causal ? 'D-10' : 'D-9');
    });
  }
});
