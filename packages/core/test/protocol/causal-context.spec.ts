import { CausalContext } from '../../src/context/causal-context.js';
import { DecodeError } from '../../src/errors.js';
import { checkHistory } from '../../src/testing/checker/history-checker.js';
import { closeAll, harness } from '../support/sim-group.js';

afterEach(closeAll);

describe('CausalContext', () => {
  it('merges per group: newer view wins, same view takes the entry-wise maximum', () => {
    const a = CausalContext.of('g', { viewId: 3, deps: [1, 5, 0] }).merge(CausalContext.of('h', { viewId: 1, deps: [2] }));
    const merged = a.merge(CausalContext.of('g', { viewId: 3, deps: [4, 2, 1] }));
    expect(merged.get('g')).toEqual({ viewId: 3, deps: [4, 5, 1] });
    expect(merged.get('h')).toEqual({ viewId: 1, deps: [2] });
    expect(merged.merge(CausalContext.of('g', { viewId: 4, deps: [0] })).get('g')).toEqual({ viewId: 4, deps: [0] });
    expect(merged.merge(CausalContext.of('g', { viewId: 2, deps: [9, 9, 9] })).get('g')).toEqual({ viewId: 3, deps: [4, 5, 1] });
  });

  it('encodes to a compact header-safe string and back; rejects garbage with DecodeError', () => {
    const context = CausalContext.of('flights', { viewId: 12, deps: [300, 0, 7] });
    const text = context.encode();
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(text.length).toBeLessThan(30);
    expect(CausalContext.decode(text).get('flights')).toEqual({ viewId: 12, deps: [300, 0, 7] });
    for (const bad of ['%%%', 'AAAA', '', text.slice(0, -2)]) expect(() => CausalContext.decode(bad)).toThrow(DecodeError);
  });

  it('is carried through async calls by AsyncLocalStorage', async () => {
    const context = CausalContext.of('g', { viewId: 1, deps: [1] });
    const seen = await CausalContext.run(context, async () => {
      await Promise.resolve();
      return CausalContext.current();
    });
    expect(seen).toBe(context);
    expect(CausalContext.current()).toBeUndefined();
  });
});

/**
 * The lecture notes' story: p asks q to send a, then asks r to send b. a → b although a leaves q and
 * b leaves r. The network delays q's message to t.
 */
async function story(carryContext: boolean): Promise<string[]> {
  const h = harness({ seed: 31 });
  const [q, r, t] = await h.form(['q', 'r', 't']);
  const atT: string[] = [];
  t!.handle('event', (x) => {
    atT.push(x as string);
  });
  h.net.setLink('q', 't', { delayMs: { min: 60, max: 60 } });
  // Services q and r: handle a request in the caller's context, reply with their own.
  const serve = async (member: typeof q, event: string, request: string | undefined): Promise<string> => {
    const run = (): Promise<string> => member!.cbcast('event', event).then(() => member!.context().encode());
    return request && carryContext ? CausalContext.run(CausalContext.decode(request), run) : run();
  };
  // p is no member of the group: it only carries contexts.
  let pContext = CausalContext.empty;
  const replyFromQ = await serve(q, 'a', pContext.encode());
  if (carryContext) pContext = pContext.merge(CausalContext.decode(replyFromQ));
  await serve(r, 'b', pContext.encode());
  await h.net.sleep(200);
  expect(checkHistory(h.recorder.events)).toEqual([]);
  return atT;
}

describe('causal order through a chain of calls', () => {
  it('delivers a before b at t when the context travels with the calls', async () => {
    expect(await story(true)).toEqual(['a', 'b']);
  });

  it('delivers b before a at t without the context: the test can fail, and shows why contexts exist', async () => {
    expect(await story(false)).toEqual(['b', 'a']);
  });
});

describe('flush()', () => {
  it('resolves once everything sent is held by every member', async () => {
    const h = harness({ seed: 32 });
    const [a, , c] = await h.form(['a', 'b', 'c']);
    const atC: unknown[] = [];
    c!.handle('e', (x) => {
      atC.push(x);
    });
    h.net.setLink('a', 'c', { delayMs: { min: 150, max: 150 } });
    for (let i = 0; i < 5; i++) await a!.fbcast('e', i);
    await a!.flush();
    expect(atC).toEqual([0, 1, 2, 3, 4]);
  });

  it('resolves across a view change that removes a crashed member', async () => {
    const h = harness({ seed: 33 });
    const [a] = await h.form(['a', 'b', 'c']);
    await a!.fbcast('e', 1);
    h.crash('c');
    await a!.fbcast('e', 2);
    await a!.flush();
    expect(a!.view.members).toHaveLength(2);
  });
});
