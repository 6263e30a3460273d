import type { Args } from './lib/args.js';

/** The counts, sizes and bounds every suite of runs takes (cohort-suite.ts, nestjs-suite.ts; all.ts's options hold them too). */
export interface RunCounts {
  count: number;
  warmup: number;
  calls: number;
  callsWarmup: number;
  /** replies: 'all' calls (and Nest send()) with `outstanding` in flight (0: none). */
  pipelinedCalls: number;
  outstanding: number;
  size: number;
  chunk: number;
  /** The group's timing.suspectTimeoutMs (undefined: the library default, 600 ms). */
  suspectMs: number | undefined;
  timeoutMs: number;
}

/**
 * The run counts from the command line: a full run's defaults, or small counts with --quick. A
 * flag the script does not declare (its Args refuses it) reads as its default.
 */
export function parseRunCounts(args: Args, quick: boolean): RunCounts {
  return {
    count: args.int('count', quick ? 20_000 : 200_000, 3),
    warmup: args.int('warmup', quick ? 2_000 : 20_000),
    calls: args.int('calls', quick ? 1_000 : 10_000),
    callsWarmup: quick ? 100 : 1_000,
    pipelinedCalls: args.int('pipelined', quick ? 2_000 : 20_000),
    outstanding: args.int('outstanding', 100, 1),
    size: 64,
    chunk: args.int('chunk', 1024, 1),
    suspectMs: args.int('suspect-ms', 0) || undefined,
    timeoutMs: args.int('timeout', 120_000, 1000),
  };
}
