import { encodeFrame } from '../../src/protocol/frames.js';
import type { Group } from '../../src/group.js';
import { checkHistory } from '../../src/testing/checker/history-checker.js';
import { authenticate, type AuthenticatedWire } from '../../src/wire/authenticated-wire.js';
import { closeAll, harness } from '../support/sim-group.js';

afterEach(closeAll);

const OLD_KEY = 'the group key before the rotation';
const NEW_KEY = 'the group key after the rotation!';

describe('group.rotateKey(): key rotation by gbcast', () => {
  it.each([1, 2, 3, 4])('every member switches, traffic goes on under 10%% loss, the old key is refused after (seed %i)', async (seed) => {
    const h = harness({ seed, loss: 0.1 });
    const names = ['a', 'b', 'c'];
    const wires: Record<string, AuthenticatedWire> = {};
    const groups: Group[] = [];
    const got: Record<string, string[]> = {};
    for (const name of names) {
      wires[name] = authenticate(h.net.wire(name), { key: OLD_KEY, log: () => {} });
      const group = await h.join(name, groups.length ? ['a'] : [], { wire: wires[name] });
      got[name] = [];
      group.handle('m', (p) => {
        got[name]!.push(p as string);
      });
      groups.push(group);
    }
    await h.settle(names);
    const oldKeyId = wires.a!.keyId;
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) sends.push(groups[i % 3]!.fbcast('m', `before ${i}`));
    const rotation = groups[1]!.rotateKey(NEW_KEY);
    for (let i = 0; i < 30; i++) sends.push(groups[i % 3]!.abcast('m', `during ${i}`));
    await rotation;
    await Promise.all(sends);
    for (const name of names) expect(wires[name]!.keyId).not.toBe(oldKeyId);
    for (let i = 0; i < 30; i++) sends.push(groups[i % 3]!.cbcast('m', `after ${i}`));
    await Promise.all(sends);
    await h.net.runUntil(() => names.every((n) => got[n]!.length === 90), { timeoutMs: 10_000 });
    for (const name of names) expect(got[name]).toHaveLength(90);

    // A peer that kept the old key forges a well-formed data frame: nobody delivers it.
    const stale = authenticate(h.net.wire('stale'), { key: OLD_KEY, log: () => {} });
    const forged = encodeFrame({
      group: 'g',
      from: groups[0]!.me,
      viewId: groups[0]!.view.id,
      body: { type: 'data', seq: 10_000, topic: 'm', payload: new TextEncoder().encode('"forged"') },
    });
    for (const name of names) stale.send(name, forged);
    await h.net.runUntil(() => false, { timeoutMs: 500 });
    for (const name of names) expect(got[name]).not.toContain('forged');
    expect(wires.b!.stats.rejectedWrongKey).toBeGreaterThan(0);
    expect(checkHistory(h.recorder.events)).toEqual([]);
  });

  it('needs an authenticated wire and a long enough key', async () => {
    const h = harness({ seed: 9 });
    const [plain] = await h.form(['p']);
    await expect(plain!.rotateKey(NEW_KEY)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const wire = authenticate(h.net.wire('q'), { key: OLD_KEY, log: () => {} });
    const secured = await h.join('q', [], { wire });
    await expect(secured.rotateKey('short')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
