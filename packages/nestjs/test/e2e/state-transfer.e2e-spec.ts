import 'reflect-metadata';
import type { Group } from '@cohort/core';
import { SimulatedNetwork } from '@cohort/core/testing';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { COHORT_GROUP, GroupModule, Multicast } from '../../src/index.js';
import { AppTracker, quietLogger } from '../support/member-app.js';

/**
 * Issue 13, finding 7: state transfer reaches a provider's state through
 * `GroupModule.forRootAsync({ imports, inject, useFactory })` — the factory gets the provider
 * and hands `getState`/`setState` closures over it to `Group.join`. The provider lives in a
 * module of its own (the factory is resolved in GroupModule's scope: its `imports` and global
 * modules), and it does not inject the Group (that would be a cycle: the join needs it first).
 */
@Injectable()
class Ledger {
  readonly entries: string[] = [];

  @Multicast()
  async add(entry: string): Promise<void> {
    this.entries.push(entry);
  }
}

@Module({ providers: [Ledger], exports: [Ledger] })
class LedgerModule {}

describe('state transfer through providers: forRootAsync({ imports, inject, getState, setState })', () => {
  const tracker = new AppTracker();
  let net: SimulatedNetwork;

  beforeEach(() => {
    net = new SimulatedNetwork({ seed: 7 });
  });
  afterEach(async () => {
    await tracker.closeAll();
    await net.close();
  });

  async function member(address: string, seeds: string[]): Promise<{ ledger: Ledger; group: Group }> {
    const moduleRef = await Test.createTestingModule({
      imports: [
        LedgerModule,
        GroupModule.forRootAsync({
          imports: [LedgerModule],
          inject: [Ledger],
          useFactory: (ledger: Ledger) => ({
            name: 'ledger',
            wire: net.wire(address),
            seeds,
            getState: () => [...ledger.entries],
            setState: (state: unknown) => {
              ledger.entries.splice(0, ledger.entries.length, ...(state as string[]));
            },
          }),
        }),
      ],
    })
      .setLogger(quietLogger)
      .compile();
    tracker.track(() => moduleRef.close());
    await moduleRef.init();
    return { ledger: moduleRef.get(Ledger), group: moduleRef.get<Group>(COHORT_GROUP) };
  }

  it('a joiner starts with the entries the members already had, in its own Ledger provider', async () => {
    const a = await member('a', []);
    await a.ledger.add('AF1981');
    await a.ledger.add('LH454');
    expect(await net.runUntil(() => a.ledger.entries.length === 2, { timeoutMs: 10_000 })).toBe(true);
    const b = await member('b', ['a']);
    expect(b.ledger).not.toBe(a.ledger);
    expect(b.ledger.entries).toEqual(['AF1981', 'LH454']);
    await b.ledger.add('BA117');
    expect(await net.runUntil(() => [a, b].every((m) => m.ledger.entries.join() === 'AF1981,LH454,BA117'), { timeoutMs: 10_000 })).toBe(
      true,
    );
  });
});
