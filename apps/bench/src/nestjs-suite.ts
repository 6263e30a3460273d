/**
 * The @cohort/nestjs rows: a group of 3 Nest applications (nestjs-member.ts: GroupModule on the
 * TCP wire, GroupServer, the module's GroupClient), then, from member 1, fifo with 1 sender:
 * `GroupClient.emit('b', text)` (an `@EventPattern('b')` handler counts at every member), a
 * `@Multicast()` method (every member runs its body), and `GroupClient.send('r', text)` (an
 * echoing `@MessagePattern('r')`), sequential and with `outstanding` calls in flight. all.ts
 * sets each against the core figure of the same run (target: at least half of it).
 *
 *   npx tsx apps/bench/src/nestjs-suite.ts [--count 200000] [--calls 10000] [--pipelined 20000] [--quick]
 */
import { Args, isMain } from './lib/args.js';
import {
  describeThroughput,
  type CohortGroup,
  RunFailedError,
  type LatencyResult,
  type PipelinedResult,
  type ThroughputOptions,
} from './fbcast-throughput.js';
import type { FailedRun, ThroughputOutcome } from './cohort-suite.js';
import { describeLatency, describePipelined } from './replies-latency.js';
import { parseRunCounts, type RunCounts } from './run-counts.js';
import { SuiteGroup } from './suite-group.js';

/** The @cohort/nestjs rows take the counts of the core's (no orders: fifo, 1 sender). */
export type NestjsSuiteOptions = RunCounts;

export interface NestjsSuiteResult {
  /** GroupClient.emit(), fifo, 1 sender. */
  emit: ThroughputOutcome | null;
  /** A @Multicast() method, fifo, 1 sender. */
  multicast: ThroughputOutcome | null;
  /** GroupClient.send(), one call at a time. */
  latency: LatencyResult | null;
  /** GroupClient.send(), `outstanding` calls in flight. */
  pipelined: PipelinedResult | null;
  /** What failed, if anything (the group could not start, a run broke it, ...). */
  failures: string[];
}

const WIRE = 'GroupModule, TCP wire';

export async function runNestjsSuite(options: NestjsSuiteOptions, log: (line: string) => void): Promise<NestjsSuiteResult> {
  const result: NestjsSuiteResult = { emit: null, multicast: null, latency: null, pipelined: null, failures: [] };
  const runOptions = (via: 'emit' | 'multicast', count: number): ThroughputOptions => ({
    count,
    senders: 1,
    order: 'fifo',
    size: options.size,
    chunk: options.chunk,
    yieldEvery: 0,
    timeoutMs: options.timeoutMs,
    via,
  });
  const group = new SuiteGroup(
    { script: 'nestjs-member.ts', suspectMs: options.suspectMs, timeoutMs: 60_000 },
    { options: runOptions('emit', options.warmup), what: 'GroupClient.emit()' },
    log,
  );
  const attempt = async <T>(what: string, run: (g: CohortGroup) => Promise<T>): Promise<T | null> => {
    try {
      return await run(await group.ready());
    } catch (error) {
      const message = `${what}: ${(error as Error).message}`;
      result.failures.push(message);
      log(`FAILED: ${message}`);
      return null;
    }
  };
  const throughput = async (via: 'emit' | 'multicast'): Promise<ThroughputOutcome | null> => {
    const opts = runOptions(via, options.count);
    try {
      const outcome = await (await group.ready()).throughput(opts);
      log(describeThroughput(outcome, WIRE));
      return outcome;
    } catch (error) {
      if (!(error instanceof RunFailedError)) {
        result.failures.push(`${via}: ${(error as Error).message}`);
        log(`FAILED: ${via}: ${(error as Error).message}`);
        return null;
      }
      const failed: FailedRun = { options: opts, failure: error.message, progress: error.progress };
      log(`FAILED: ${error.message}`);
      return failed;
    }
  };
  try {
    result.emit = await throughput('emit');
    result.multicast = await throughput('multicast');
    if (options.calls > 0) {
      result.latency = await attempt('GroupClient.send() latency', (g) =>
        g.latency(options.calls, options.callsWarmup, options.size, options.timeoutMs),
      );
      if (result.latency)
        log(describeLatency(result.latency, options.callsWarmup).replace("multicast(..., { replies: 'all' })", "GroupClient.send('r')"));
    }
    if (options.pipelinedCalls > 0) {
      result.pipelined = await attempt('GroupClient.send() pipelined', (g) =>
        g.pipelined(options.pipelinedCalls, Math.ceil(options.pipelinedCalls / 10), options.outstanding, options.size, options.timeoutMs),
      );
      if (result.pipelined) log(describePipelined(result.pipelined, "GroupClient.send('r')"));
    }
  } finally {
    await group.stop();
  }
  return result;
}

async function main(): Promise<void> {
  const args = new Args(process.argv.slice(2), ['count', 'warmup', 'calls', 'pipelined', 'outstanding', 'suspect-ms', 'timeout', 'quick']);
  const result = await runNestjsSuite(parseRunCounts(args, args.flag('quick')), (line) => console.log(line));
  const failedRun = [result.emit, result.multicast].some((r) => r !== null && 'failure' in r);
  if (result.failures.length > 0 || failedRun) process.exitCode = 1;
}

if (isMain(import.meta.filename)) {
  main().catch((error: unknown) => {
    console.error(`nestjs-suite failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
