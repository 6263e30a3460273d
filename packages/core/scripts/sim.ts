/**
 * The deterministic simulation campaign from the command line:
 *
 *   npm run sim -- --seeds 2000 --from 1 [--verbose] [--json] [--history 40]
 *
 * A failing seed prints one line with its first violation and the command that replays it.
 * --verbose prints, per seed, the scenario, what the runner did, the stats, every violation
 * and (for a failing seed) the tail of the history. --json prints one JSON document with the
 * result on stdout (human lines go to stderr). The last line is "N passed, M failed"; the exit
 * code is 1 if any seed failed.
 */
import { runCampaign, failureLine } from '../src/testing/campaign/campaign.js';
import type { ScenarioResult } from '../src/testing/campaign/run-scenario.js';
import { describeScenario } from '../src/testing/campaign/scenario.js';
import type { HistoryEvent } from '../src/testing/history.js';

interface Args {
  seeds: number;
  from: number;
  verbose: boolean;
  json: boolean;
  history: number;
}

const USAGE = 'usage: npm run sim -- [--seeds N] [--from S] [--verbose] [--json] [--history LINES]';

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { seeds: 100, from: 1, verbose: false, json: false, history: 40 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): number => {
      const text = inline ?? argv[++i];
      const n = Number(text);
      if (text === undefined || !Number.isSafeInteger(n)) throw new Error(`${name} needs an integer, got ${String(text)}`);
      return n;
    };
    switch (name) {
      case '--seeds': args.seeds = value(); break;
      case '--from': args.from = value(); break;
      case '--history': args.history = value(); break;
      case '--verbose': case '-v': args.verbose = true; break;
      case '--json': args.json = true; break;
      case '--help': case '-h': console.log(USAGE); process.exit(0); break;
      default: throw new Error(`unknown argument ${arg}\n${USAGE}`);
    }
  }
  if (args.seeds < 0) throw new Error('--seeds must be >= 0');
  return args;
}

function formatEvent(index: number, event: HistoryEvent): string {
  const at = `#${index}`.padStart(7);
  switch (event.kind) {
    case 'send': return `${at} send    ${event.member} ${event.id} view ${event.viewId} "${event.payload}"`;
    case 'deliver': return `${at} deliver ${event.member} ${event.id} view ${event.viewId} "${event.payload}"`;
    case 'view': return `${at} view    ${event.member} view ${event.view.id} [${event.view.members.join(', ')}]`;
    default: return `${at} ${event.kind.padEnd(7)} ${event.member}`;
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

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  // With --json, stdout carries only the JSON document.
  const out = args.json ? (line: string): void => void process.stderr.write(`${line}\n`) : (line: string): void => console.log(line);
  const result = await runCampaign({
    from: args.from,
    count: args.seeds,
    onResult: (r) => {
      if (args.verbose) printVerbose(r, args.history, out);
      if (r.violations.length > 0) out(failureLine(r.seed, r.violations));
    },
  });
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ ...result, failures: result.failures }, null, 2)}\n`);
  }
  const perSeed = result.count > 0 ? result.realMs / result.count : 0;
  out(
    `seeds ${result.from}..${result.from + result.count - 1}: ${result.seedsPerSecond.toFixed(1)} seeds/s, ` +
      `${(result.realMs / 1000).toFixed(1)} s total, ${perSeed.toFixed(1)} ms/seed ` +
      `(slowest: seed ${result.totals.slowestSeed}, ${Math.round(result.totals.slowestMs)} ms); ` +
      `${result.totals.sends} sends, ${result.totals.crashes} crashes, ${result.totals.partitions} partitions, ` +
      `${result.totals.exclusions} exclusions, ${result.totals.joinFailures} join failures`,
  );
  out(`${result.passed} passed, ${result.failed} failed`);
  return result.failed > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 2;
  },
);
