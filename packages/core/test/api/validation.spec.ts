import { CausalContext } from '../../src/context/causal-context.js';
import { CohortError, InvalidArgumentError } from '../../src/errors.js';
import { Group, type GroupOptions } from '../../src/group.js';
import { addressOf } from '../../src/group-options.js';
import { closeAll, harness } from '../support/sim-group.js';

afterEach(closeAll);

/** Issue 11, finding 8: every public entry point answers bad arguments with INVALID_ARGUMENT, never a TypeError, never later. */
async function expectInvalid(promiseOrCall: Promise<unknown> | (() => unknown), pattern?: RegExp): Promise<void> {
  let error: unknown;
  try {
    const result = typeof promiseOrCall === 'function' ? promiseOrCall() : promiseOrCall;
    await result;
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(InvalidArgumentError);
  expect(error).toBeInstanceOf(CohortError);
  expect((error as CohortError).code).toBe('INVALID_ARGUMENT');
  if (pattern) expect((error as Error).message).toMatch(pattern);
}

describe('Group.join validates every option (issue 11, finding 8)', () => {
  const bad: [string, Record<string, unknown>, RegExp?][] = [
    ['seeds: a string', { seeds: 'a' }, /seeds must be an array/],
    ['seeds: a number in the list', { seeds: [5] }, /seeds\[0\]/],
    ['seeds: an empty address', { seeds: [''] }, /seeds\[0\]/],
    ['seeds: whitespace in an address', { seeds: ['127.0.0.1: 7001'] }, /whitespace/],
    ['seeds: a control character', { seeds: ['a\u0000b'] }, /control/],
    ['seeds: null', { seeds: null }, /seeds/],
    ['getState: 5', { getState: 5 }, /getState/],
    ['setState: a string', { setState: 'x' }, /setState/],
    ['checkpoint: an object', { checkpoint: {} }, /checkpoint/],
    ["rejoin: 'yes'", { rejoin: 'yes' }, /rejoin/],
    ['resendUnconfirmed: 1', { resendUnconfirmed: 1 }, /resendUnconfirmed/],
    ['timing: a number', { timing: 5 }, /timing/],
    ['timing: an unknown key', { timing: { joinTimeout: 100 } }, /joinTimeout/],
    ['timing: NaN', { timing: { heartbeatIntervalMs: Number.NaN } }, /heartbeatIntervalMs/],
    ['timing: beyond a Node timer', { timing: { joinTimeoutMs: 2 ** 31 } }, /joinTimeoutMs/],
    ['serializer: no decode', { serializer: { encode: () => new Uint8Array() } }, /serializer\.decode/],
    ['observer: a callback that is not one', { observer: { sent: 1 } }, /observer\.sent/],
    ['observer: null', { observer: null }, /observer/],
    ['quorum: unknown policy', { quorum: { policy: 'most' } }, /quorum/],
    ['windowMessagesMax: 0', { windowMessagesMax: 0 }, /windowMessagesMax/],
    ['deliveryQueueMax: 1.5', { deliveryQueueMax: 1.5 }, /deliveryQueueMax/],
    ['pendingMessagesMax: a string', { pendingMessagesMax: '10' }, /pendingMessagesMax/],
    ['payloadBytesMax: -1', { payloadBytesMax: -1 }, /payloadBytesMax/],
    ['membersMax: Infinity', { membersMax: Number.POSITIVE_INFINITY }, /membersMax/],
    ['contextWaitMs: -1', { contextWaitMs: -1 }, /contextWaitMs/],
    ['clock: no defer', { clock: { now: () => 0, setTimer: () => ({ cancel() {} }) } }, /clock\.defer/],
    ['random: a number', { random: 4 }, /random/],
    ['a misspelt option', { seed: ['a'] }, /no option "seed"/],
  ];

  it.each(bad)('%s is INVALID_ARGUMENT, and the wire is closed', async (_name, options, pattern) => {
    const h = harness({ seed: 1 });
    const wire = h.net.wire('x');
    await expectInvalid(Group.join('g', { wire, ...options } as unknown as GroupOptions), pattern);
    expect(wire.state).toBe('closed');
  });

  it('bad wires, names and option bags', async () => {
    const h = harness({ seed: 1 });
    await expectInvalid(Group.join('g', null as unknown as GroupOptions));
    await expectInvalid(Group.join('g', 'wire' as unknown as GroupOptions));
    await expectInvalid(Group.join('g', {} as unknown as GroupOptions), /wire is required/);
    await expectInvalid(Group.join('g', { wire: {} } as unknown as GroupOptions), /wire\.send/);
    await expectInvalid(
      Group.join('g', {
        wire: { ...h.net.wire('w'), address: 'a b', send() {}, onFrame() {}, close: async () => {} },
      } as unknown as GroupOptions),
      /address/,
    );
    await expectInvalid(Group.join(5 as unknown as string, { wire: h.net.wire('y') }), /group name/);
    await expectInvalid(Group.join('\uD800', { wire: h.net.wire('z') }), /group name/);
  });
});

describe('every Group method validates its arguments (issue 11, finding 8)', () => {
  it('multicast and the shorthands', async () => {
    const h = harness({ seed: 2 });
    const [a] = await h.form(['a']);
    const g = a!;
    await expectInvalid(g.multicast('t', 1, null as unknown as undefined), /options must be an object/);
    await expectInvalid(g.multicast('t', 1, 'all' as unknown as undefined));
    await expectInvalid(g.multicast('t', 1, { replies: 'all', timeout: 5 } as unknown as undefined), /no option "timeout"/);
    await expectInvalid(g.multicast('t', 1, { replies: 'every' } as unknown as undefined), /replies/);
    await expectInvalid(g.multicast('t', 1, { replies: 0 } as unknown as undefined), /replies/);
    await expectInvalid(g.multicast('t', 1, { safe: 'yes' } as unknown as undefined), /safe/);
    await expectInvalid(g.multicast('t', 1, { replies: 'all', timeoutMs: 0 }), /timeoutMs/);
    await expectInvalid(g.multicast('t', 1, { order: 'sideways' } as unknown as undefined), /order/);
    await expectInvalid(g.multicast(undefined as unknown as string, 1), /topic/);
    await expectInvalid(g.multicast('cohort:mine', 1), /Cohort's own/);
    await expectInvalid(g.fbcast('t', 1, null as unknown as undefined), /fbcast\(\) options/);
    await expectInvalid(g.abcast('t', 1, { order: 'fifo' } as unknown as undefined), /abcast\(\) sends in total order/);
    await expectInvalid(g.cbcast('t', 1, 7 as unknown as undefined));
    await expectInvalid(g.gbcast('t', 1, { replies: 'some' } as unknown as undefined));
    // The shorthands still take their own order, or none.
    g.handle('t', () => 1);
    await g.abcast('t', 1, { order: 'total' } as never);
    expect((await g.fbcast('t', 1, { replies: 'all' })).quorumMet).toBe(true);
  });

  it('handle, on, snapshot, rotateKey, awaitView, awaitContext', async () => {
    const h = harness({ seed: 3 });
    const [a] = await h.form(['a']);
    const g = a!;
    await expectInvalid(() => g.handle('t', null as unknown as () => void), /handler must be a function/);
    await expectInvalid(() => g.handle(42 as unknown as string, () => undefined), /topic/);
    await expectInvalid(() => g.on('veiw' as 'view', () => undefined), /no event "veiw"/);
    await expectInvalid(() => g.on('view', 'listener' as unknown as () => void), /listener/);
    await expectInvalid(g.snapshot(null as unknown as { timeoutMs?: number }), /snapshot\(\) options/);
    await expectInvalid(g.snapshot({ timeoutMs: -5 }), /timeoutMs/);
    await expectInvalid(g.snapshot({ timeout: 5 } as unknown as { timeoutMs?: number }), /no option "timeout"/);
    await expectInvalid(g.rotateKey('k'.repeat(32)), /authenticated wire/);
    await expectInvalid(g.awaitView({ size: 0 }), /size/);
    await expectInvalid(g.awaitView('3' as unknown as { size: number }));
    await expectInvalid(g.awaitView({ size: 1 }, { timeoutMs: 'soon' } as unknown as { timeoutMs: number }), /timeoutMs/);
    await expectInvalid(g.awaitContext('AQEGbGVkZ2VyAgJkAA' as unknown as CausalContext), /CausalContext/);
    await expectInvalid(() => addressOf(undefined as unknown as string), /member id/);
  });

  it('CausalContext: of, run, get, merge', async () => {
    await expectInvalid(() => CausalContext.of('', { viewId: 1, deps: [] }), /group name/);
    await expectInvalid(() => CausalContext.of('g', { viewId: -1, deps: [] }), /viewId/);
    await expectInvalid(() => CausalContext.of('g', { viewId: 1, deps: [1.5] }), /deps/);
    await expectInvalid(() => CausalContext.of('g', { viewId: 1, deps: 'x' as unknown as number[] }), /deps/);
    await expectInvalid(() => CausalContext.of('g', null as unknown as { viewId: number; deps: number[] }), /viewId, deps/);
    await expectInvalid(() => CausalContext.run('AQEGbGVkZ2VyAgJkAA' as unknown as CausalContext, () => 1), /CausalContext.decode/);
    await expectInvalid(() => CausalContext.run(CausalContext.empty, null as unknown as () => void), /function/);
    await expectInvalid(() => CausalContext.empty.get(3 as unknown as string), /group name/);
    await expectInvalid(() => CausalContext.empty.merge({} as CausalContext), /merge/);
  });
});
