/**
 * The `cohort` command (bin/cohort.js runs it):
 *
 *   cohort trace <run.jsonl>... --html <out.html> [--check] [--quiescent] [--title <text>]
 *
 * draws the trace files of a run (one per process, merged; or one of a simulation) as a
 * space-time diagram. Exit codes: 0 done, 1 a file could not be read or parsed, 2 bad usage.
 */
import { writeTraceHtml } from '../trace/render.js';

const USAGE = `usage: cohort trace <run.jsonl>... --html <out.html> [--check] [--quiescent] [--title <text>]

  Draws a recorded run (docs/trace.md) as a self-contained HTML page: members as lines,
  messages as arrows, views as bands, held messages where they waited, violations in red.
  --check       also run the history checker over the trace and draw its violations
  --quiescent   with --check: the run was allowed to settle before it ended
  --title       the page's title (default: the trace's own, or the file names)`;

class UsageError extends Error {}

interface TraceArgs {
  files: string[];
  html: string;
  check: boolean;
  quiescent: boolean;
  title: string | undefined;
}

function parseTraceArgs(argv: readonly string[]): TraceArgs {
  const args: TraceArgs = { files: [], html: '', check: false, quiescent: false, title: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const text = argv[++i];
      if (text === undefined || text.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return text;
    };
    switch (arg) {
      case '--html':
        args.html = value();
        break;
      case '--title':
        args.title = value();
        break;
      case '--check':
        args.check = true;
        break;
      case '--quiescent':
        args.quiescent = true;
        break;
      default:
        if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
        args.files.push(arg);
    }
  }
  if (args.files.length === 0) throw new UsageError('name at least one trace file');
  if (args.html === '') throw new UsageError('--html <out.html> is required');
  return args;
}

/** Runs the command; returns the exit code. */
export function main(
  argv: readonly string[],
  out: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
): number {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    out(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'trace') {
    err(`unknown command ${command}\n${USAGE}`);
    return 2;
  }
  let args: TraceArgs;
  try {
    args = parseTraceArgs(rest);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`${error.message}\n${USAGE}`);
    return 2;
  }
  try {
    const { model } = writeTraceHtml(args.files, args.html, {
      check: args.check,
      quiescent: args.quiescent,
      ...(args.title !== undefined ? { title: args.title } : {}),
    });
    out(
      `wrote ${args.html}: ${model.lanes.length} processes, ${model.arrows.length} arrows, ${model.bands.length} views, ` +
        `${model.holds.length} held, ${model.violations.length} violations`,
    );
    return 0;
  } catch (error) {
    err(`cohort trace: ${(error as Error).message}`);
    return 1;
  }
}
