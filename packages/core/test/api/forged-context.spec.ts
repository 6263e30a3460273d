import fc from 'fast-check';
import { CausalContext, CONTEXT_GROUPS_MAX, CONTEXT_SEQ_MAX, CONTEXT_VECTOR_LENGTH_MAX } from '../../src/context/causal-context.js';
import { CohortError, DecodeError } from '../../src/errors.js';
import { Group } from '../../src/group.js';
import { FrameWriter } from '../../src/codec/frame-writer.js';
import { checkHistory } from '../../src/testing/checker/history-checker.js';
import { closeAll, harness, type SimGroupHarness } from '../support/sim-group.js';

afterEach(closeAll);

/**
 * Issue 11, finding 4: `x-cohort-context: AQEGbGVkZ2VyAgJkAA` — group "ledger", view 2, rank 0's
 * 100th message, which never exists. Multicast under it, it used to stall the whole group:
 * every later total-order call timed out and FIFO multicasts were delivered nowhere. Now the
 * multicast waits (bounded) for its own member to deliver what the context names, and fails
 * alone with CAUSAL_CONTEXT_UNSATISFIED; other traffic goes on.
 */
const FORGED = 'AQEGbGVkZ2VyAgJkAA';
const WAIT_MS = 1_000;

interface Ledger {
  h: SimGroupHarness;
  a: Group;
  b: Group;
  /** Payloads each member delivered, in order. */
  seen: Map<Group, unknown[]>;
}

/** Two members of "ledger" in view 2 (a formed view 1, b joined): the view the forged context names. */
async function ledger(seed: number, contextWaitMs = WAIT_MS): Promise<Ledger> {
  const h = harness({ seed });
  const join = async (name: string, seeds: string[]): Promise<Group> => {
    const group = await Group.join('ledger', { wire: h.net.wire(name), seeds, observer: h.observer(), contextWaitMs });
    h.groups.set(name, group);
    return group;
  };
  const a = await join('a', []);
  const b = await join('b', ['a']);
  await h.settle(['a', 'b']);
  const seen = new Map<Group, unknown[]>([
    [a, []],
    [b, []],
  ]);
  for (const g of [a, b]) {
    g.handle('entry', (payload) => {
      seen.get(g)!.push(payload);
      return payload;
    });
  }
  return { h, a, b, seen };
}

async function join(seed: number): Promise<Ledger> {
  const l = await ledger(seed);
  expect(l.a.view.id).toBe(2);
  return l;
}

/** FIFO and total-order traffic from both members: all delivered everywhere, every call answered by all. */
async function trafficFlows({ h, a, b, seen }: Ledger, tag: string, withinMs = 500): Promise<void> {
  const started = h.net.clock.now();
  await a.fbcast('entry', `${tag}-fifo-a`);
  await b.fbcast('entry', `${tag}-fifo-b`);
  const total = await b.abcast('entry', `${tag}-total-b`, { replies: 'all', timeoutMs: 10_000 });
  expect(total.quorumMet).toBe(true);
  expect(total.replies).toHaveLength(2);
  const causal = await a.cbcast('entry', `${tag}-causal-a`, { replies: 'all', timeoutMs: 10_000 });
  expect(causal.quorumMet).toBe(true);
  expect(
    await h.net.runUntil(() => [a, b].every((g) => seen.get(g)!.includes(`${tag}-fifo-a`) && seen.get(g)!.includes(`${tag}-fifo-b`)), {
      timeoutMs: withinMs,
    }),
  ).toBe(true);
  expect(h.net.clock.now() - started).toBeLessThan(withinMs);
}

describe('an untrusted causal context delays only its own request (issue 11, finding 4)', () => {
  it('the forged header of the issue: that multicast fails with CAUSAL_CONTEXT_UNSATISFIED, FIFO and total order keep flowing', async () => {
    const l = await join(2);
    const { h, a, b } = l;
    const forged = CausalContext.decode(FORGED);
    expect(forged.get('ledger')).toEqual({ viewId: 2, deps: [100, 0] });
    const started = h.net.clock.now();
    // At b (rank 1) the context names a's 100th message; a has sent none.
    const asyncSend = CausalContext.run(forged, () => b.cbcast('entry', 'forged-async'));
    const call = CausalContext.run(forged, () => b.abcast('entry', 'forged-call', { replies: 'all', timeoutMs: 3_000 }));
    const outcomes = Promise.allSettled([asyncSend, call]);
    // While they wait, everything else goes on promptly, from b too.
    await trafficFlows(l, 'during');
    const [asyncOutcome, callOutcome] = await outcomes;
    for (const outcome of [asyncOutcome, callOutcome]) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'CAUSAL_CONTEXT_UNSATISFIED' });
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(CohortError);
    }
    // Bounded by contextWaitMs (and by the call's own timeout).
    expect(h.net.clock.now() - started).toBeLessThanOrEqual(WAIT_MS + 100);
    await trafficFlows(l, 'after');
    for (const g of [a, b]) expect(l.seen.get(g)).not.toEqual(expect.arrayContaining(['forged-async']));
    expect(checkHistory(h.recorder.events)).toEqual([]);
  });

  it('the same context at the member it names: own messages that were never sent, a rank beyond the view, a future view', async () => {
    const l = await join(3);
    const { a, b } = l;
    // At a (rank 0) it names a's own 100th message: never sent, so it is not waited for forever.
    await expect(CausalContext.run(CausalContext.decode(FORGED), () => a.fbcast('entry', 'x'))).rejects.toMatchObject({
      code: 'CAUSAL_CONTEXT_UNSATISFIED',
    });
    // A rank the view does not have: fails at once, without waiting.
    const t0 = l.h.net.clock.now();
    await expect(
      CausalContext.run(CausalContext.of('ledger', { viewId: 2, deps: [0, 0, 7] }), () => b.fbcast('entry', 'x')),
    ).rejects.toMatchObject({ code: 'CAUSAL_CONTEXT_UNSATISFIED' });
    expect(l.h.net.clock.now() - t0).toBe(0);
    // A view this member never installs.
    await expect(
      CausalContext.run(CausalContext.of('ledger', { viewId: 4_000_000_000, deps: [] }), () => b.abcast('entry', 'x', { replies: 'all' })),
    ).rejects.toMatchObject({ code: 'CAUSAL_CONTEXT_UNSATISFIED' });
    // An older view is satisfied by the flush that ended it; another group's entry is not this group's business.
    await CausalContext.run(
      CausalContext.of('ledger', { viewId: 1, deps: [999] }).merge(CausalContext.of('other', { viewId: 9, deps: [9] })),
      () => b.fbcast('entry', 'old'),
    );
    await trafficFlows(l, 'after');
    expect(checkHistory(l.h.recorder.events)).toEqual([]);
  });

  it('a genuine context a member has not caught up with yet: the multicast waits until it has, then goes, in causal order', async () => {
    const l = await join(4);
    const { h, a, b, seen } = l;
    // b hears nothing from a for a while.
    h.net.setLink('a', 'b', { loss: 1 });
    await a.cbcast('entry', 'first');
    const context = a.context();
    let sent = false;
    const second = CausalContext.run(context, () => b.cbcast('entry', 'second')).then(() => {
      sent = true;
    });
    const waiting = b.awaitContext(context, { timeoutMs: 5_000 });
    await h.net.sleep(300);
    expect(sent).toBe(false);
    h.net.clearLink('a', 'b');
    await second;
    await waiting;
    expect(await h.net.runUntil(() => [a, b].every((g) => seen.get(g)!.length === 2), { timeoutMs: 2_000 })).toBe(true);
    for (const g of [a, b]) expect(seen.get(g)).toEqual(['first', 'second']);
    // Meanwhile other multicasts of b were not held back behind it.
    expect(checkHistory(h.recorder.events)).toEqual([]);
  });

  it('others are not held behind a waiting multicast, even from the same member', async () => {
    const l = await join(5);
    const { h, b, seen } = l;
    const pending = CausalContext.run(CausalContext.decode(FORGED), () => b.fbcast('entry', 'forged')).catch((error: unknown) => error);
    await b.fbcast('entry', 'next');
    expect(await h.net.runUntil(() => seen.get(l.a)!.includes('next'), { timeoutMs: 200 })).toBe(true);
    expect(await pending).toMatchObject({ code: 'CAUSAL_CONTEXT_UNSATISFIED' });
  });

  it('contextWaitMs: 0 fails at once; a member that leaves ends the wait with GROUP_CLOSED', async () => {
    const l = await ledger(6, 0);
    await expect(CausalContext.run(CausalContext.decode(FORGED), () => l.b.fbcast('entry', 'x'))).rejects.toMatchObject({
      code: 'CAUSAL_CONTEXT_UNSATISFIED',
    });
    const m = await ledger(7, 60_000);
    const waiting = CausalContext.run(CausalContext.decode(FORGED), () => m.b.fbcast('entry', 'x')).catch((error: unknown) => error);
    await m.h.net.sleep(100);
    await m.b.leave();
    expect(await waiting).toMatchObject({ code: 'GROUP_CLOSED' });
  });

  it('fuzzed contexts (fast-check) never crash, never stall the group, and fail only with typed errors', async () => {
    const l = await ledger(8, 300);
    const { h, a, b } = l;
    const groups = [a, b];
    const orders = ['fifo', 'causal', 'total'] as const;
    const causality = fc.record({
      viewId: fc.oneof(fc.constantFrom(0, 1, 2, 3), fc.integer({ min: 0, max: 0xffff_ffff })),
      deps: fc.array(fc.oneof(fc.constantFrom(0, 1, 2), fc.integer({ min: 0, max: CONTEXT_SEQ_MAX })), { maxLength: 5 }),
    });
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom('ledger', 'other', 'ledger2'), causality, { maxKeys: 2 }),
        fc.integer({ min: 0, max: 1 }),
        fc.constantFrom(...orders),
        fc.boolean(),
        async (entries, who, order, call) => {
          let context = CausalContext.empty;
          for (const [name, c] of Object.entries(entries)) context = context.merge(CausalContext.of(name, c));
          // Also through the text form, as a header carries it.
          context = CausalContext.decode(context.encode());
          const group = groups[who]!;
          const payload = `fuzz-${++sent}`;
          const outcome = await CausalContext.run(context, () =>
            call
              ? group.multicast('entry', payload, { order, replies: 'all', timeoutMs: 2_000 })
              : group.multicast('entry', payload, { order }),
          ).then(
            () => 'ok',
            (error: unknown) => error,
          );
          if (outcome !== 'ok') expect(outcome).toMatchObject({ code: 'CAUSAL_CONTEXT_UNSATISFIED' });
          // The group still delivers everything promptly.
          const check = await groups[1 - who]!.abcast('entry', `${payload}-check`, { replies: 'all', timeoutMs: 2_000 });
          expect(check.quorumMet).toBe(true);
        },
      ),
      { seed: 11, numRuns: 60 },
    );
    await trafficFlows(l, 'after');
    expect(checkHistory(h.recorder.events)).toEqual([]);
  });
});

describe('CausalContext.decode bounds what a context may contain', () => {
  function encode(groups: [string, number, number[]][], count = groups.length): string {
    const w = new FrameWriter(64);
    w.u8(1).uint(count);
    for (const [name, viewId, deps] of groups) w.string(name).uint(viewId).uints(deps);
    return Buffer.from(w.finish()).toString('base64url');
  }

  it('rejects absurd contexts with DecodeError', () => {
    expect(() =>
      CausalContext.decode(
        encode([
          ['g', 1, [1]],
          ['g', 2, [2]],
        ]),
      ),
    ).toThrow(/twice/);
    expect(() => CausalContext.decode(encode([['', 1, [1]]]))).toThrow(DecodeError);
    expect(() => CausalContext.decode(encode([['g', 2 ** 40, [1]]]))).toThrow(/viewId/);
    expect(() => CausalContext.decode(encode([['g', 1, [2 ** 50]]]))).toThrow(/deps/);
    expect(() => CausalContext.decode(encode([['g', 1, new Array<number>(CONTEXT_VECTOR_LENGTH_MAX + 1).fill(0)]]))).toThrow(DecodeError);
    const many = Array.from({ length: CONTEXT_GROUPS_MAX + 1 }, (_, i): [string, number, number[]] => [`g${i}`, 1, []]);
    expect(() => CausalContext.decode(encode(many))).toThrow(/groups/);
    expect(CausalContext.decode(encode([['g', 7, [1, 2]]])).get('g')).toEqual({ viewId: 7, deps: [1, 2] });
  });

  it('fuzzed text and bytes: a context or a DecodeError, nothing else; what decodes round-trips', () => {
    const check = (text: string): void => {
      let context: CausalContext;
      try {
        context = CausalContext.decode(text);
      } catch (error) {
        expect(error).toBeInstanceOf(DecodeError);
        return;
      }
      expect(CausalContext.decode(context.encode()).encode()).toBe(context.encode());
      expect(context.groupNames.length).toBeLessThanOrEqual(CONTEXT_GROUPS_MAX);
    };
    fc.assert(fc.property(fc.string({ maxLength: 200 }), check), { seed: 12, numRuns: 2_000 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => check(Buffer.from(bytes).toString('base64url'))),
      { seed: 13, numRuns: 5_000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), (tail) =>
        check(Buffer.concat([Buffer.from([1, 1]), Buffer.from(tail)]).toString('base64url')),
      ),
      { seed: 14, numRuns: 5_000 },
    );
  });
});
