/**
 * Randomness as the protocol sees it: injected, so a simulation seed replays exactly.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, bound). */
  int(bound: number): number;
}

/** Mulberry32: tiny, fast, and good enough for schedules and jitter (not for keys). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (bound) => Math.floor(next() * bound) };
}

export const realRandom: Random = {
  next: () => Math.random(),
  int: (bound) => Math.floor(Math.random() * bound),
};
