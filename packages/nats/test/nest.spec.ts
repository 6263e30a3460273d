/**
 * GroupModule.forRootAsync takes a NATS wire like any other: the factory awaits natsWire() and
 * hands it over. Two Nest application contexts, each a member over a different NATS server, and
 * a @Multicast() method run at both.
 */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Group } from '@cohort/core';
import { GroupModule, Multicast } from '@cohort/nestjs';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { natsWire, type NatsWire } from '../src/index.js';
import { NatsCluster } from '../src/testing/index.js';

@Injectable()
class Sectors {
  readonly assigned = new Map<string, string>();

  @Multicast({ order: 'causal', replies: 'all', gather: () => undefined })
  async assign(flight: string, sector: string): Promise<void> {
    this.assigned.set(flight, sector);
  }
}

let cluster: NatsCluster;
beforeAll(async () => {
  cluster = await NatsCluster.start({ size: 2 });
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
});

describe('GroupModule.forRootAsync with natsWire', () => {
  it('joins over NATS and runs @Multicast methods at every member', async () => {
    const wires: NatsWire[] = [];
    const apps: INestApplicationContext[] = [];
    const member = async (server: number, seeds: () => string[]): Promise<INestApplicationContext> => {
      @Module({
        imports: [
          GroupModule.forRootAsync({
            useFactory: async () => {
              const wire = await natsWire({
                servers: cluster.serversFor(server),
                noRandomize: true,
                subjectPrefix: 'nest',
                group: 'flights',
              });
              wires.push(wire);
              return { name: 'flights', wire, seeds: seeds(), timing: { leaveTimeoutMs: 1000 } };
            },
          }),
        ],
        providers: [Sectors],
      })
      class AppModule {}
      const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
      apps.push(app);
      return app.init();
    };
    try {
      const tower = await member(0, () => []);
      const radar = await member(1, () => [wires[0]!.address]);
      await radar.get(Sectors).assign('AF1981', 'D-9');
      await tower.get(Sectors).assign('BA304', 'C-2');
      for (const app of [tower, radar]) {
        expect([...app.get(Sectors).assigned.entries()].sort()).toEqual([
          ['AF1981', 'D-9'],
          ['BA304', 'C-2'],
        ]);
        expect(app.get(Group).view.members).toHaveLength(2);
      }
      expect(wires.map((w) => w.stats.server)).toEqual([cluster.servers[0]!.url, cluster.servers[1]!.url]);
    } finally {
      for (const app of apps.reverse()) await app.close();
      await Promise.all(wires.map((w) => w.close()));
    }
  }, 30_000);
});
