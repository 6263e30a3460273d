import { addressOf, CausalContext, Group, JoinTimeoutError, ViewTimeoutError } from '../../src/index.js';
import type { AsyncOptions, CallOptions, MulticastOptions, Replies } from '../../src/index.js';
import { closeAll, harness } from '../support/sim-group.js';

afterEach(closeAll);

/** Issue 11, finding 9: the edges of the core API users trip on. */
describe('the view a member joins in is a view event (9a)', () => {
  it("emits 'view' for the first view, to listeners added when join resolves, before that view's deliveries", async () => {
    const h = harness({ seed: 21 });
    const log: string[] = [];
    const a = await Group.join('g', { wire: h.net.wire('a'), seeds: [] });
    a.on('view', (view) => log.push(`a view ${view.id}`));
    const b = await Group.join('g', { wire: h.net.wire('b'), seeds: ['a'] });
    b.on('view', (view) => log.push(`b view ${view.id}`));
    b.handle('t', (payload) => {
      log.push(`b got ${String(payload)}`);
    });
    await a.fbcast('t', 'hello');
    expect(await h.net.runUntil(() => log.includes('b got hello'), { timeoutMs: 2_000 })).toBe(true);
    expect(log.filter((line) => line.startsWith('a '))).toEqual(['a view 1', 'a view 2']);
    expect(log.filter((line) => line.startsWith('b '))).toEqual(['b view 2', 'b got hello']);
  });
});

describe('a failed join closes the wire it was given (9b)', () => {
  it('on JOIN_TIMEOUT as on INVALID_ARGUMENT: the address is free once the promise settles', async () => {
    const h = harness({ seed: 22 });
    const wire = h.net.wire('x');
    await expect(Group.join('g', { wire, seeds: ['nobody'], timing: { joinTimeoutMs: 500 } })).rejects.toBeInstanceOf(JoinTimeoutError);
    expect(wire.state).toBe('closed');
    const again = h.net.wire('x');
    await expect(Group.join('g', { wire: again, seeds: 'nobody' as unknown as string[] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(again.state).toBe('closed');
    // A new wire at the same address joins.
    const formed = await Group.join('g', { wire: h.net.wire('x'), seeds: [] });
    expect(formed.view.members.map(addressOf)).toEqual(['x']);
  });
});

describe('addressOf(memberId) maps the ids of views and replies to addresses (9c)', () => {
  it('names who failed a call by address', async () => {
    const h = harness({ seed: 23 });
    const [a, , c] = await h.form(['a', 'b', 'c']);
    expect(addressOf(a!.me)).toBe('a');
    expect(a!.view.members.map(addressOf)).toEqual(['a', 'b', 'c']);
    for (const g of h.groups.values()) g.handle('slow', () => new Promise(() => undefined));
    h.crash('c');
    const replies = await a!.multicast('slow', null, { replies: 'all', timeoutMs: 8_000 });
    expect([...replies.failed, ...replies.slow].map(addressOf).sort()).toEqual(['a', 'b', 'c']);
    expect(replies.failed.map(addressOf)).toContain('c');
    expect(c).toBeDefined();
  });
});

describe('awaitView (9e)', () => {
  it('resolves at every member with the view they all share; times out with VIEW_TIMEOUT; ends with GROUP_CLOSED', async () => {
    const h = harness({ seed: 24 });
    const a = await h.join('a', []);
    const aWaits = a.awaitView({ size: 3 });
    const b = await h.join('b', ['a']);
    const bWaits = b.awaitView({ size: 3 });
    const c = await h.join('c', ['a']);
    const views = await Promise.all([aWaits, bWaits, c.awaitView({ size: 3 })]);
    expect(new Set(views.map((view) => view.id)).size).toBe(1);
    expect(views[0]!.members.map(addressOf)).toEqual(['a', 'b', 'c']);
    // Already true: resolves at once.
    expect((await a.awaitView((view) => view.members.length >= 2)).id).toBe(views[0]!.id);
    await expect(a.awaitView({ size: 5 }, { timeoutMs: 300 })).rejects.toBeInstanceOf(ViewTimeoutError);
    await expect(a.awaitView({ size: 5 }, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'VIEW_TIMEOUT' });
    // A shrinking group: wait for the view without c.
    h.crash('c');
    const withoutC = await a.awaitView((view) => !view.members.map(addressOf).includes('c'), { timeoutMs: 20_000 });
    expect(withoutC.members.map(addressOf)).toEqual(['a', 'b']);
    const never = expect(b.awaitView({ size: 9 }, { timeoutMs: 60_000 })).rejects.toMatchObject({ code: 'GROUP_CLOSED' });
    await b.leave();
    await never;
  });

  it('awaitContext: resolves once this member delivered what a context names', async () => {
    const h = harness({ seed: 25 });
    const [a, b] = await h.form(['a', 'b']);
    h.net.setLink('a', 'b', { loss: 1 });
    await a!.fbcast('t', 1);
    let caughtUp = false;
    const waiting = b!.awaitContext(a!.context(), { timeoutMs: 10_000 }).then(() => {
      caughtUp = true;
    });
    await h.net.sleep(200);
    expect(caughtUp).toBe(false);
    h.net.clearLink('a', 'b');
    await waiting;
    // The ambient context by default; nothing to wait for outside one.
    await b!.awaitContext();
    await CausalContext.run(a!.context(), () => b!.awaitContext());
  });
});

/**
 * 9d is about types: `npm test` type-checks this file (tsc --noEmit). Each line below states the
 * type a multicast resolves with; a wrong one fails the type check.
 */
type Equals<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
function typeIs<T extends true>(): T | undefined {
  return undefined;
}

/* eslint-disable @typescript-eslint/no-unused-vars -- type tests: each value is read only by its type */
export function multicastTypes(g: Group): void {
  const call: CallOptions = { replies: 'all', timeoutMs: 1_000 };
  const fire: AsyncOptions = { order: 'causal' };
  const loose: MulticastOptions = { replies: 'all' };
  typeIs<Equals<ReturnType<typeof g.multicast<typeof call>>, Promise<Replies>>>();
  const r1 = g.multicast('t', 1, call);
  typeIs<Equals<typeof r1, Promise<Replies>>>();
  const r2 = g.multicast('t', 1, fire);
  typeIs<Equals<typeof r2, Promise<void>>>();
  // Options in a variable of the general type: either, as the type cannot tell.
  const r3 = g.multicast('t', 1, loose);
  typeIs<Equals<typeof r3, Promise<void | Replies>>>();
  // Options passed through a generic helper keep their precision.
  const send = <O extends MulticastOptions>(options: O) => g.multicast('t', 1, options);
  const r4 = send({ replies: 'majority' });
  typeIs<Equals<typeof r4, Promise<Replies>>>();
  const r5 = send({ order: 'total' });
  typeIs<Equals<typeof r5, Promise<void>>>();
  const r6 = send(call);
  typeIs<Equals<typeof r6, Promise<Replies>>>();
  const shorthand = <O extends Omit<MulticastOptions, 'order'>>(options: O) => g.abcast('t', 1, options);
  const r7 = shorthand({ replies: 2 });
  typeIs<Equals<typeof r7, Promise<Replies>>>();
  const r8 = g.cbcast('t', 1);
  typeIs<Equals<typeof r8, Promise<void>>>();
  const either: CallOptions | AsyncOptions = Math.random() > 2 ? call : fire;
  const r9 = g.multicast('t', 1, either);
  typeIs<Equals<typeof r9, Promise<void | Replies>>>();
}
/* eslint-enable @typescript-eslint/no-unused-vars */
