import 'reflect-metadata';
import { SimulatedNetwork } from '@cohort/core/testing';
import { startFlightsMember, type FlightsMember } from '@cohort/flights';

/**
 * Three air-traffic services form the group "flights" on an in-process simulated network;
 * the tower adds AF 1981 to sector D-9, the radar, having seen it, moves it to D-10. Causal
 * multicast: every member applies the move after the add. Returns every member's table.
 */
export async function runFlightsExample(log: (line: string) => void = console.log): Promise<Record<string, Record<string, string>>> {
  const net = new SimulatedNetwork({ seed: 1981 });
  const members: [string, FlightsMember][] = [];
  try {
    for (const name of ['tower', 'radar', 'approach']) {
      members.push([name, await startFlightsMember({ wire: net.wire(name), seeds: members.length ? ['tower'] : [] })]);
      log(`${name} joined the group "flights"`);
    }
    const [tower, radar] = [members[0]![1], members[1]![1]];
    await net.runUntil(() => members.every(([, m]) => m.group.view.members.length === 3), { timeoutMs: 30_000 });
    await tower.flights.assign('AF1981', 'D-9');
    log('tower: add flight AF 1981 to sector D-9');
    await net.runUntil(() => radar.flights.sectorOf('AF1981') === 'D-9', { timeoutMs: 30_000 });
    await radar.flights.assign('AF1981', 'D-10');
    log('radar: move flight AF 1981 to sector D-10');
    await net.runUntil(() => members.every(([, m]) => m.flights.history.length === 2), { timeoutMs: 30_000 });
    const tables: Record<string, Record<string, string>> = {};
    for (const [name, member] of members) {
      tables[name] = member.flights.table();
      log(`${name}: ${member.flights.history.map((a) => `${a.flight}→${a.sector}`).join(', ')}`);
    }
    return tables;
  } finally {
    for (const [, member] of members.reverse()) await member.close();
    await net.close();
  }
}
