import { seededRandom } from '../src/env/random.js';

describe('toolchain smoke test', () => {
  it('replays the same sequence for the same seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const seq = (r: typeof a) => Array.from({ length: 8 }, () => r.next());
    expect(seq(a)).toEqual(seq(b));
    expect(seededRandom(7).next()).not.toEqual(seededRandom(8).next());
  });
});
