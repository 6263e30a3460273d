import { Group } from '../../src/group.js';
import { JoinTimeoutError } from '../../src/errors.js';
import { authenticate } from '../../src/wire/authenticated-wire.js';
import { closeAll, harness } from '../support/sim-group.js';

afterEach(closeAll);

const KEY_1 = 'an old key of 32 bytes or longer...';
const KEY_2 = 'a newer key of 32 bytes or longer..';

describe('seeds (issue 11, finding 5)', () => {
  it('an unreachable seed never makes a member form a second group: it fails with JOIN_TIMEOUT naming the seed', async () => {
    const h = harness({ seed: 91 });
    const attempt = Group.join('g', { wire: h.net.wire('a'), seeds: ['zzz'], timing: { joinTimeoutMs: 2_000 } });
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JoinTimeoutError);
    expect((error as JoinTimeoutError).seeds).toEqual([{ address: 'zzz', outcome: 'no answer' }]);
    expect((error as JoinTimeoutError).message).toMatch(/seeds: zzz \(no answer\)/);
  });

  it('a seed that crashed is reported as refused', async () => {
    const h = harness({ seed: 92 });
    await h.form(['s']);
    h.crash('s');
    const error = await Group.join('g', { wire: h.net.wire('j'), seeds: ['s'], timing: { joinTimeoutMs: 2_000 } }).catch((e: unknown) => e);
    expect((error as JoinTimeoutError).seeds).toEqual([{ address: 's', outcome: 'connection refused (nothing listens there)' }]);
  });

  it('seeds holding another key: each side reports it (the joiners forming a group log the rejected frames and name the seed)', async () => {
    const h = harness({ seed: 93 });
    const logs: string[] = [];
    const wireA = authenticate(h.net.wire('a'), { key: KEY_1, log: (line) => logs.push(`a: ${line}`) });
    const wireB = authenticate(h.net.wire('b'), { key: KEY_2, log: (line) => logs.push(`b: ${line}`) });
    const timing = { joinTimeoutMs: 2_000 };
    const [a, b] = await Promise.all([
      Group.join('g', { wire: wireA, seeds: ['a', 'b'], timing }).catch((e: unknown) => e),
      Group.join('g', { wire: wireB, seeds: ['a', 'b'], timing }).catch((e: unknown) => e),
    ]);
    // Neither forms a group alone (one of two seeds is no majority).
    expect((a as JoinTimeoutError).seeds).toEqual([{ address: 'b', outcome: 'authentication failed (a different key?)' }]);
    expect((b as JoinTimeoutError).seeds).toEqual([{ address: 'a', outcome: 'authentication failed (a different key?)' }]);
    expect(logs.some((l) => l.startsWith('a: '))).toBe(true);
    expect(logs.some((l) => l.startsWith('b: '))).toBe(true);
  });
});
