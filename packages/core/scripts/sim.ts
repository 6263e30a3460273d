/**
 * The deterministic simulation campaign from the command line:
 *
 *   npm run sim -- --seeds 2000 --from 1 [--verbose] [--json] [--history 40] [--jobs 4]
 *
 * A failing seed prints one line with its first violation and the command that replays it.
 * --verbose prints, per seed, the scenario, what the runner did, the stats, every violation
 * and (for a failing seed) the tail of the history. --json prints one JSON document with the
 * result on stdout (human lines go to stderr; use `npm run -s` to drop npm's banner).
 * --jobs N runs blocks of seeds in N child processes (not with --verbose); the results are
 * the same as with one process, only faster on a machine with spare cores. The last line is
 * "N passed, M failed"; the exit code is 1 if any seed failed, 2 on bad arguments.
 * --trace run.jsonl (with --seeds 1) records the seed's run as a trace and draws it next to
 * it (run.html): see docs/trace.md.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { realClock } from '../src/env/clock.js';
import { failureLine, mergeCampaignResults, runCampaign, type CampaignResult } from '../src/testing/campaign/campaign.js';
import type { ScenarioResult } from '../src/testing/campaign/run-scenario.js';
import { describeScenario } from '../src/testing/campaign/scenario.js';
import type { HistoryEvent } from '../src/testing/history.js';
import { writeTraceHtml } from '../src/trace/render.js';
import { traceFile } from '../src/trace/trace-file.js';

interface Args {
  seeds: number;
  from: number;
  verbose: boolean;
  json: boolean;
  history: number;
  jobs: number;
  trace: string | null;
}

const USAGE = 'usage: npm run sim -- [--seeds N] [--from S] [--verbose] [--json] [--history LINES] [--jobs N] [--trace run.jsonl]';

/** Seeds per child process with --jobs (a child pays about a second of start-up). */
const BLOCK_MAX = 250;

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { seeds: 100, from: 1, verbose: false, json: false, history: 40, jobs: 1, trace: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    const value = (): number => {
      const text = inline ?? argv[++i];
      const n = Number(text);
      if (text === undefined || text === '' || !Number.isSafeInteger(n))
        throw new UsageError(`${name} needs an integer, got ${String(text)}`);
      return n;
    };
    switch (name) {
      case '--seeds':
        args.seeds = value();
        break;
      case '--from':
        args.from = value();
        break;
      case '--history':
        args.history = value();
        break;
      case '--jobs':
        args.jobs = value();
        break;
      case '--verbose':
      case '-v':
        args.verbose = true;
        break;
      case '--json':
        args.json = true;
        break;
      case '--trace': {
        const path = inline ?? argv[++i];
        if (path === undefined || path === '') throw new UsageError('--trace needs a file name');
        args.trace = path;
        break;
      }
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new UsageError(`unknown argument ${arg}`);
    }
  }
  if (args.seeds < 0) throw new UsageError('--seeds must be >= 0');
  if (args.jobs < 1) throw new UsageError('--jobs must be >= 1');
  if (args.trace !== null && args.seeds !== 1) throw new UsageError('--trace records one seed: add --seeds 1');
  if (args.verbose || args.trace !== null) args.jobs = 1;
  return args;
}

function formatEvent(index: number, event: HistoryEvent): string {
  const at = `#${index}`.padStart(7);
  switch (event.kind) {
    case 'send':
      return `${at} send    ${event.member} ${event.id} view ${event.viewId} "${event.payload}"`;
    case 'deliver':
      return `${at} deliver ${event.member} ${event.id} view ${event.viewId} "${event.payload}"`;
    case 'view':
      return `${at} view    ${event.member} view ${event.view.id} [${event.view.members.join(', ')}]`;
    case 'unconfirmed':
      return `${at} unconfirmed ${event.member} [${event.ids.join(', ')}]`;
    case 'blocked':
      return `${at} blocked ${event.member} ${event.code}`;
    default:
      return `${at} ${event.kind.padEnd(7)} ${event.member}`;
  }
}

function printVerbose(result: ScenarioResult, historyLines: number, out: (line: string) => void): void {
  out(`=== seed ${result.seed} ===`);
  out('--- scenario');
  for (const line of describeScenario(result.scenario)) out(`  ${line}`);
  out('--- run');
  for (const line of result.log) out(`  ${line}`);
  out('--- stats');
  out(`  ${JSON.stringify({ ...result.stats, realMs: Math.round(result.stats.realMs) })}`);
  if (result.violations.length === 0) {
    out('--- no violations');
    return;
  }
  out(`--- ${result.violations.length} violation(s)`);
  for (const v of result.violations) out(`  [${v.property}] ${v.message}`);
  if (historyLines > 0) {
    const start = Math.max(0, result.history.length - historyLines);
    out(`--- history tail (${result.history.length - start} of ${result.history.length} events)`);
    for (let i = start; i < result.history.length; i++) out(formatEvent(i, result.history[i]!));
  }
}

/** Runs seeds from..from+count-1 in a child process of this script and returns its result. */
function runChild(from: number, count: number): Promise<CampaignResult> {
  return new Promise((resolve, reject) => {
    const script = fileURLToPath(import.meta.url);
    const child = spawn(process.execPath, [...process.execArgv, script, '--seeds', String(count), '--from', String(from), '--json'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(stdout) as CampaignResult);
      } catch {
        reject(new Error(`the child for seeds ${from}..${from + count - 1} exited with ${String(code)} without a result`));
      }
    });
  });
}

async function runParallel(args: Args, out: (line: string) => void): Promise<CampaignResult> {
  const started = realClock.now();
  const block = Math.max(1, Math.min(BLOCK_MAX, Math.ceil(args.seeds / args.jobs)));
  const blocks: { from: number; count: number }[] = [];
  for (let from = args.from; from < args.from + args.seeds; from += block) {
    blocks.push({ from, count: Math.min(block, args.from + args.seeds - from) });
  }
  const parts: CampaignResult[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < blocks.length) {
      const { from, count } = blocks[next++]!;
      const part = await runChild(from, count);
      for (const failure of part.failures) out(failure.line);
      parts.push(part);
    }
  };
  await Promise.all(Array.from({ length: Math.min(args.jobs, blocks.length) }, worker));
  return mergeCampaignResults(parts, realClock.now() - started);
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n${USAGE}`);
    return 2;
  }
  // With --json, stdout carries only the JSON document.
  const out = args.json ? (line: string): void => void process.stderr.write(`${line}\n`) : (line: string): void => console.log(line);
  const result =
    args.jobs > 1
      ? await runParallel(args, out)
      : await runCampaign({
          from: args.from,
          count: args.seeds,
          ...(args.trace !== null ? { run: { trace: traceFile(args.trace) } } : {}),
          onResult: (r) => {
            if (args.verbose) printVerbose(r, args.history, out);
            if (r.violations.length > 0) out(failureLine(r.seed, r.violations));
          },
        });
  if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (args.trace !== null) {
    const html = args.trace.replace(/(\.jsonl)?$/, '.html');
    writeTraceHtml([args.trace], html);
    out(`trace: ${args.trace}, drawn in ${html}`);
  }
  const perSeed = result.count > 0 ? result.realMs / result.count : 0;
  out(
    `seeds ${result.from}..${result.from + result.count - 1}: ${result.seedsPerSecond.toFixed(1)} seeds/s, ` +
      `${(result.realMs / 1000).toFixed(1)} s total, ${perSeed.toFixed(1)} ms/seed` +
      `${args.jobs > 1 ? ` (${args.jobs} jobs)` : ''} (slowest: seed ${result.totals.slowestSeed}, ${Math.round(result.totals.slowestMs)} ms); ` +
      `${result.totals.sends} sends, ${result.totals.crashes} crashes, ${result.totals.partitions} partitions, ` +
      `${result.totals.exclusions} exclusions, ${result.totals.joinFailures} join failures ` +
      `(${result.totals.admittedButTimedOut} while listed in a view); ` +
      `${result.totals.calls} calls (${result.totals.callsQuorumMet} met their quorum), ` +
      `${result.totals.clientRequests} client requests (${result.totals.clientRequestsAnswered} answered), ` +
      `${result.totals.scatters} scatter-gathers (${result.totals.scattersComplete} complete)`,
  );
  const t = result.totals;
  out(
    `restarts ${t.restarts} of ${t.restartActions} planned (${t.restartsJoined} joined); ` +
      `costly crashes ${t.costlyCrashes} of ${t.costlyCrashActions} planned (${t.costlyCrashesOfTwo} in a view of two); ` +
      `crashes right after 'accept' ${t.acceptCrashes} of ${t.acceptCrashActions} armed; ` +
      `crashes around safe ${t.safeCrashesSent} after a send + ${t.safeCrashesDelivered} after a delivery, of ${t.safeCrashActions} armed`,
  );
  out(
    `hostile member: ${t.hostileSelfFrames} frames as itself + ${t.hostileNamedFrames} in members' names out of reach ` +
      `(${t.hostileArrived} reached a member in a view, ${t.hostileRejected} rejected; ${t.frameRejectedErrors} FRAME_REJECTED errors); ` +
      `stale frames replayed: ${t.staleViewFrames} of earlier views, ${t.staleEpochFrames} under another epoch ` +
      `(${t.staleEpochDropped} reached a member in a view, all dropped)`,
  );
  const blocked = t.blockedAsExpectedSeeds;
  if (blocked.length > 0) {
    out(
      `${blocked.length} blocked-as-expected (passed; the harness took away the last view's quorum and the live members reported 'blocked'): ` +
        `${blocked.slice(0, 30).join(' ')}${blocked.length > 30 ? ' …' : ''}`,
    );
  }
  out(`${result.passed} passed, ${result.failed} failed`);
  return result.failed > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 2;
  },
);
