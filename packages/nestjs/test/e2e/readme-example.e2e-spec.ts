/**
 * The package README's example (packages/nestjs/README.md, "A first group"), run as written
 * there. The code between the markers below is the README's block, line for line (the first
 * test checks it); its top-level statements run inside the second test, with a `console`
 * that records what the example prints.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// --- README code starts here ---
import 'reflect-metadata';
import { SimulatedNetwork } from '@cohort/core/testing';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GroupModule, Multicast } from '@cohort/nestjs';

@Injectable()
class Flights {
  readonly sectors = new Map<string, string>();

  // Every member runs the body, in causal order; the caller waits until all of them did.
  @Multicast({ order: 'causal', replies: 'all', gather: () => undefined })
  async add(flight: string, sector: string): Promise<void> {
    this.sectors.set(flight, sector);
  }
}
// --- README code pauses here ---

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const THIS_FILE = fileURLToPath(import.meta.url);

/** Lines of code as a reader compares them: trimmed, blank lines left out. */
function codeLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/** The README's first ts block. */
function readmeBlock(): string[] {
  const block = /```ts\n([\s\S]*?)\n```/.exec(readFileSync(README, 'utf8'))?.[1];
  if (block === undefined) throw new Error('packages/nestjs/README.md has no ts block');
  return codeLines(block);
}

/** This file's README regions, in order. */
function regionsHere(): string[] {
  const source = readFileSync(THIS_FILE, 'utf8');
  const region = /\/\/ --- README code (?:starts|resumes) here ---\n([\s\S]*?)\n\s*\/\/ --- README code (?:pauses|ends) here ---/g;
  return [...source.matchAll(region)].flatMap((match) => codeLines(match[1]!));
}

describe('the package README example', () => {
  it('is the README block, line for line', () => {
    const here = regionsHere();
    expect(here.length).toBeGreaterThan(20);
    expect(here).toEqual(readmeBlock());
  });

  it('runs as written', async () => {
    const output: unknown[] = [];
    const console = { log: (value: unknown) => output.push(value) };

    // --- README code resumes here ---
    const net = new SimulatedNetwork({ seed: 1 });
    async function member(address: string, seeds: string[]) {
      @Module({ imports: [GroupModule.forRoot({ name: 'air-traffic', wire: net.wire(address), seeds })], providers: [Flights] })
      class AppModule {}
      return (await NestFactory.createApplicationContext(AppModule, { logger: false })).init();
    }

    const tower = await member('tower', []); // no seeds: forms the group
    const radar = await member('radar', ['tower']);
    await tower.get(Flights).add('AF1981', 'D-9');
    console.log(radar.get(Flights).sectors); // Map(1) { 'AF1981' => 'D-9' }
    await radar.close(); // leaves the group
    await tower.close();
    await net.close();
    // --- README code ends here ---

    expect(output).toEqual([new Map([['AF1981', 'D-9']])]);
  });
});
