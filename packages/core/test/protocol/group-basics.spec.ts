import { Group } from '../../src/group.js';
import { SimulatedNetwork } from '../../src/wire/simulated/simulated-network.js';

describe('a small group on the simulated network', () => {
  it('forms, joins and delivers fbcasts in FIFO order at every member', async () => {
    const net = new SimulatedNetwork({ seed: 1 });
    const a = await Group.join('g', { wire: net.wire('a') });
    const b = await Group.join('g', { wire: net.wire('b'), seeds: ['a'] });
    const c = await Group.join('g', { wire: net.wire('c'), seeds: ['a'] });
    await net.runUntil(() => [a, b, c].every((g) => g.view.members.length === 3), { timeoutMs: 5000 });
    expect(a.view.members).toEqual(c.view.members);
    const got: Record<string, unknown[]> = { a: [], b: [], c: [] };
    for (const [name, g] of [
      ['a', a],
      ['b', b],
      ['c', c],
    ] as const)
      g.handle('t', (p) => {
        got[name]!.push(p);
      });
    for (let i = 0; i < 20; i++) await a.fbcast('t', i);
    await net.runUntil(() => Object.values(got).every((l) => l.length === 20), { timeoutMs: 5000 });
    for (const list of Object.values(got)) expect(list).toEqual([...Array(20).keys()]);
    await net.close();
  });
});
