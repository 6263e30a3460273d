import { Group } from './../src/group.js';
import { InvalidArgumentError } from '../src/errors.js';
import { closeAll, harness } from './support/sim-group.js';

afterEach(closeAll);

describe('Group API', () => {
  it('rejects bad input with typed errors', async () => {
    const h = harness({ seed: 1 });
    const [a] = await h.form(['a']);
    expect(() => a!.handle('', () => undefined)).toThrow(InvalidArgumentError);
    a!.handle('t', () => undefined);
    expect(() => a!.handle('t', () => undefined)).toThrow(/already has a handler/);
    await expect(a!.fbcast('x'.repeat(300), 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(a!.fbcast('t', { big: 1n })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(a!.multicast('t', 1, { order: 'sideways' as 'fifo' })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(Group.join('', { wire: h.net.wire('b') })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(Group.join('g', { wire: h.net.wire('c'), timing: { heartbeatIntervalMs: -1 } })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  it('runs async handlers one at a time, in delivery order', async () => {
    const h = harness({ seed: 2 });
    const [a, b] = await h.form(['a', 'b']);
    const seen: string[] = [];
    b!.handle('t', async (payload) => {
      seen.push(`start ${payload}`);
      await h.net.sleep(10);
      seen.push(`end ${payload}`);
    });
    for (let i = 0; i < 3; i++) await a!.fbcast('t', i);
    await h.net.sleep(200);
    expect(seen).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('lets a handler multicast and await it without deadlock, even during a view change', async () => {
    const h = harness({ seed: 3 });
    const [a, b, c] = await h.form(['a', 'b', 'c']);
    const echoes: unknown[] = [];
    a!.handle('echo', (payload) => {
      echoes.push(payload);
    });
    b!.handle('ping', async (payload) => {
      await b!.fbcast('echo', `pong ${payload}`);
    });
    await a!.fbcast('ping', 1);
    h.crash('c');
    await a!.fbcast('ping', 2);
    await h.net.runUntil(() => echoes.length === 2, { timeoutMs: 5_000 });
    expect(echoes).toEqual(['pong 1', 'pong 2']);
    expect(c).toBeDefined();
  });

  it('reports a throwing handler as an error event and goes on delivering', async () => {
    const h = harness({ seed: 4 });
    const [a] = await h.form(['a']);
    const errors: unknown[] = [];
    const got: unknown[] = [];
    a!.on('error', (error) => errors.push(error));
    a!.handle('t', (payload) => {
      if (payload === 1) throw new Error('boom');
      got.push(payload);
    });
    for (const p of [0, 1, 2]) await a!.fbcast('t', p);
    await a!.drained();
    expect(got).toEqual([0, 2]);
    expect(errors).toHaveLength(1);
  });

  it('delivers messages without a handler to the unhandled event, never silently', async () => {
    const h = harness({ seed: 5 });
    const [a] = await h.form(['a']);
    const unhandled: unknown[] = [];
    a!.on('unhandled', (payload, delivery) => unhandled.push([payload, delivery.topic]));
    await a!.fbcast('nobody', 'x');
    await a!.drained();
    expect(unhandled).toEqual([['x', 'nobody']]);
  });

  it('gives each delivery the rank and view size (member i of k)', async () => {
    const h = harness({ seed: 6 });
    const groups = await h.form(['a', 'b', 'c']);
    const ranks: string[] = [];
    groups.forEach((g) =>
      g.handle('t', (_p, d) => {
        ranks.push(`${d.rank}/${d.viewSize}`);
      }),
    );
    await groups[0]!.fbcast('t', null);
    await h.net.sleep(50);
    expect(ranks.sort()).toEqual(['0/3', '1/3', '2/3']);
  });

  it('rejects multicasts after leave with GroupClosedError', async () => {
    const h = harness({ seed: 7 });
    const [a] = await h.form(['a', 'b']);
    await a!.leave();
    await expect(a!.fbcast('t', 1)).rejects.toMatchObject({ code: 'GROUP_CLOSED' });
  });
});
