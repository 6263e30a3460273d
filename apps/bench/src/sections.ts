/**
 * What `npm run bench -- --only a,b` runs: the sections asked for, and the baselines their rows
 * are set against in the same run (one level: a baseline's own baselines are not added, so
 * its rows print without those ratios).
 */
export const SECTIONS = ['async', 'replies', 'pipelined', 'nestjs', 'headers', 'raw', 'nest', 'nats'] as const;
export type Section = (typeof SECTIONS)[number];

/** The sections whose figures a section's rows are set against. */
export const BASELINES: Record<Section, readonly Section[]> = {
  async: ['raw', 'nest'],
  replies: ['raw', 'nest'],
  pipelined: ['nest'],
  nestjs: ['async', 'replies', 'pipelined'],
  headers: [],
  raw: [],
  nest: [],
  nats: ['async', 'replies'],
};

export interface Plan {
  runs: ReadonlySet<Section>;
  /** The core's asynchronous runs: every order asked × 1 and 3 senders, or only fifo × 1 (the @cohort/nestjs baseline). */
  asyncRuns: 'all' | 'fifo-1' | 'none';
  raw: { fanOut: boolean; roundTrip: boolean };
  nest: { emit: boolean; send: boolean; pipelined: boolean };
}

export function plan(asked: readonly Section[]): Plan {
  const set = new Set(asked);
  const runs = new Set<Section>(asked);
  for (const section of asked) for (const baseline of BASELINES[section]) runs.add(baseline);
  const wants = (...sections: Section[]): boolean => sections.some((s) => set.has(s));
  return {
    runs,
    asyncRuns: wants('async', 'nats') ? 'all' : runs.has('async') ? 'fifo-1' : 'none',
    raw: { fanOut: runs.has('raw') && wants('async', 'raw'), roundTrip: runs.has('raw') && wants('replies', 'raw') },
    nest: {
      emit: runs.has('nest') && wants('async', 'nest'),
      send: runs.has('nest') && wants('replies', 'nest'),
      pipelined: runs.has('nest') && wants('pipelined', 'nest'),
    },
  };
}
