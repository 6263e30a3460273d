/**
 * The README's first NestJS example, as written there (packages/nestjs/README.md, "A first
 * member"), wrapped in a test: keep the two in step.
 */
import 'reflect-metadata';
import type { Delivery } from '@cohort/core';
import { SimulatedNetwork } from '@cohort/core/testing';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GroupMember, GroupModule, Multicast } from '@cohort/nestjs';

@Injectable()
class Flights {
  readonly sectors = new Map<string, string>();

  // Every member runs the body, in causal order; the caller waits until all of them did.
  @Multicast({ order: 'causal', replies: 'all', gather: () => undefined })
  async add(flight: string, sector: string): Promise<void> {
    this.sectors.set(flight, sector);
  }

  // Scatter-gather: member i of k answers for every k-th flight; the caller gets the parts concatenated.
  @Multicast({ order: 'causal', replies: 'all', gather: 'concat' })
  async list(@GroupMember() member?: Delivery): Promise<string[]> {
    return [...this.sectors.keys()].sort().filter((_, i) => i % member!.viewSize === member!.rank);
  }
}

describe('the README example', () => {
  it('runs as written', async () => {
    const output: unknown[] = [];
    const console = { log: (value: unknown) => output.push(value) };

    // --- README code starts here ---
    const net = new SimulatedNetwork({ seed: 1 });       // or a real wire
    async function member(address: string, seeds: string[]) {
      @Module({ imports: [GroupModule.forRoot({ name: 'air-traffic', wire: net.wire(address), seeds })], providers: [Flights] })
      class AppModule {}
      const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
      return app.init();                                 // binds @Multicast methods, starts deliveries
    }

    const tower = await member('tower', []);             // no seeds: forms the group
    const radar = await member('radar', ['tower']);
    await tower.get(Flights).add('AF1981', 'D-9');
    await radar.get(Flights).add('BA123', 'C-2');
    console.log(await tower.get(Flights).list());        // [ 'AF1981', 'BA123' ]: one part from each member
    await radar.close();                                 // leaves the group
    await tower.close();
    await net.close();
    // --- README code ends here ---

    expect(output).toEqual([['AF1981', 'BA123']]);
  });
});
