import { CausalContext } from '../../src/context/causal-context.js';
import { closeAll, harness } from '../support/sim-group.js';

afterEach(closeAll);

/**
 * A handler runs in the causal context of its own message: the context is built lazily from the
 * vector taken at delivery, and each delivery is its own AsyncLocalStorage store, so whatever a
 * handler leaves behind (a microtask, a promise chain, the rest of an async handler) keeps that
 * message's context even after later deliveries ran in the same batch.
 */
describe('the causal context of a delivery', () => {
  it("is its own message's, in the handler and in everything it started, across a batch", async () => {
    const h = harness({ seed: 41 });
    const [a, b] = await h.form(['a', 'b']);
    const rank = a!.view.members.indexOf(a!.me);
    const atHandler: number[] = [];
    const later: [number, number | undefined][] = [];
    b!.handle('e', (i) => {
      const index = i as number;
      atHandler[index] = CausalContext.current()!.get(b!.name)!.deps[rank]!;
      queueMicrotask(() => later.push([index, CausalContext.current()?.get(b!.name)?.deps[rank]]));
      void Promise.resolve().then(() => later.push([index, CausalContext.current()?.get(b!.name)?.deps[rank]]));
    });
    // Issued in one turn: one packed frame, delivered (and handled) back to back at b.
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) sends.push(a!.fbcast('e', i));
    await Promise.all(sends);
    await h.net.sleep(100);
    await b!.drained();
    expect(atHandler).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(later).toHaveLength(40);
    for (const [index, seen] of later) expect(seen).toBe(atHandler[index]);
    expect(CausalContext.current()).toBeUndefined();
  });

  it('stays its own across the awaits of an async handler, whatever resolves them', async () => {
    const h = harness({ seed: 42 });
    const [a, b] = await h.form(['a', 'b']);
    const rank = a!.view.members.indexOf(a!.me);
    const seen: [number, number, number][] = [];
    b!.handle('e', async (i) => {
      const before = CausalContext.current()!.get(b!.name)!.deps[rank]!;
      await h.net.sleep(5);
      await Promise.resolve();
      seen.push([i as number, before, CausalContext.current()!.get(b!.name)!.deps[rank]!]);
    });
    for (let i = 0; i < 5; i++) void a!.fbcast('e', i);
    await h.net.sleep(200);
    await b!.drained();
    expect(seen).toEqual([0, 1, 2, 3, 4].map((i) => [i, i + 1, i + 1]));
  });

  it('lets a call made inside CausalContext.run in a handler release the queue (no deadlock on its own request)', async () => {
    const h = harness({ seed: 43 });
    const [a, b] = await h.form(['a', 'b']);
    for (const member of [a!, b!]) member.handle('echo', (x) => x);
    let quorumMet: boolean | null = null;
    a!.handle('ask', async () => {
      const replies = await CausalContext.run(CausalContext.current()!, () =>
        a!.multicast('echo', 'x', { replies: 'all', timeoutMs: 2_000 }),
      );
      quorumMet = replies.quorumMet;
    });
    await b!.fbcast('ask', null);
    await h.net.sleep(500);
    expect(quorumMet).toBe(true);
  });
});
