import type { Group } from '../../src/group.js';
import { addressOf } from '../../src/protocol/types.js';
import type { Snapshot } from '../../src/services/snapshot.js';
import { checkHistory } from '../../src/testing/checker/history-checker.js';
import { closeAll, harness } from '../support/sim-group.js';

afterEach(closeAll);

interface Transfer {
  to: string;
  amount: number;
}

/**
 * The classic test of a consistent cut: money moves between accounts (one per member, named
 * by its address) as multicasts, debited when sent and credited when delivered to the payee.
 * In a consistent snapshot the balances in the checkpoints plus the transfers in transit to
 * their payees add up to the total, always.
 */
class Bank {
  readonly balance = new Map<string, number>();

  constructor(names: readonly string[], start: number) {
    for (const name of names) this.balance.set(name, start);
  }

  serve(name: string, group: Group): void {
    group.handle('transfer', (t) => {
      const { to, amount } = t as Transfer;
      if (to === name) this.balance.set(name, this.balance.get(name)! + amount);
    });
  }

  transfer(from: string, group: Group, to: string, amount: number, order: 'fifo' | 'causal' | 'total'): void {
    this.balance.set(from, this.balance.get(from)! - amount);
    void group.multicast('transfer', { to, amount }, { order });
  }

  total(snapshot: Snapshot): number {
    let sum = 0;
    for (const part of snapshot.members) {
      sum += part.checkpoint as number;
      for (const message of part.inTransit) {
        const t = message.payload as Transfer;
        if (message.topic === 'transfer' && t.to === addressOf(part.member)) sum += t.amount;
      }
    }
    return sum;
  }
}

describe('group.snapshot(): two rounds of cbcast give a consistent cut', () => {
  it('checkpoints plus in-transit messages always add up, with transfers in flight in every order', async () => {
    const h = harness({ seed: 41, loss: 0.05, reorder: 0.2, delayMs: { min: 1, max: 30 } });
    const names = ['a', 'b', 'c', 'd'];
    const bank = new Bank(names, 1_000);
    const groups: Group[] = [];
    for (const name of names) {
      const group = await h.join(name, groups.length ? ['a'] : [], { checkpoint: () => bank.balance.get(name) });
      bank.serve(name, group);
      groups.push(group);
    }
    await h.settle(names);
    const random = h.net.random;
    const orders = ['fifo', 'causal', 'total'] as const;
    let inTransitSeen = 0;
    for (let round = 0; round < 5; round++) {
      // Transfers keep flowing while the snapshot runs.
      let stopped = false;
      const burst = (): void => {
        if (stopped) return;
        for (let i = 0; i < 5; i++) {
          const from = random.int(names.length);
          bank.transfer(
            names[from]!,
            groups[from]!,
            names[random.int(names.length)]!,
            1 + random.int(50),
            orders[random.int(orders.length)]!,
          );
        }
        h.net.clock.setTimer(10, burst);
      };
      burst();
      const snapshot = await groups[round % groups.length]!.snapshot();
      stopped = true;
      expect(snapshot.members.map((m) => m.member)).toEqual(groups[0]!.view.members);
      expect(bank.total(snapshot)).toBe(names.length * 1_000);
      inTransitSeen += snapshot.members.reduce((n, m) => n + m.inTransit.length, 0);
    }
    // The test means something only if the cuts did catch messages in flight.
    expect(inTransitSeen).toBeGreaterThan(0);
    await h.net.runUntil(() => false, { timeoutMs: 500 });
    expect([...bank.balance.values()].reduce((x, y) => x + y, 0)).toBe(names.length * 1_000);
    expect(checkHistory(h.recorder.events)).toEqual([]);
  });

  it('a view change during a snapshot interrupts it with a typed error', async () => {
    const h = harness({ seed: 42 });
    const groups = await h.form(['a', 'b']);
    // c never lets its checkpoint finish: it crashes instead.
    groups.push(await h.join('c', ['a'], { checkpoint: () => new Promise(() => h.crash('c')) }));
    await h.settle(['a', 'b', 'c']);
    await expect(groups[0]!.snapshot()).rejects.toMatchObject({ code: 'SNAPSHOT_INTERRUPTED' });
    // The next one, in the new view, works.
    const snapshot = await groups[0]!.snapshot();
    expect(snapshot.members).toHaveLength(2);
  });

  it('reserves the cohort: topic prefix', async () => {
    const h = harness({ seed: 43 });
    const [a] = await h.form(['a']);
    expect(() => a!.handle('cohort:snapshot-start', () => 1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    await expect(a!.fbcast('cohort:x', 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
