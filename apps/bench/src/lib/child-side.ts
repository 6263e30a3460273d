/**
 * Child side of the benchmark's processes: report to the parent over IPC, obey `{ cmd: 'exit' }`,
 * die with the parent, and report any uncaught error before exiting with code 1. Every child
 * also samples its resident set size every 100 ms and answers `{ cmd: 'rss' }` with its peak
 * (`{ type: 'rss', peakBytes, nowBytes }`): the memory figure of issue 12, measured where it is spent.
 */
export type Command = { cmd: string; [key: string]: unknown };

if (!process.send) throw new Error('this script is a benchmark child: fork it with an IPC channel (see lib/children.ts)');

export function report(message: { type: string; [key: string]: unknown }): void {
  if (process.connected) process.send!(message);
}

/** Reports the error to the parent and exits with code 1. */
export function die(error: unknown): never {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  report({ type: 'error', message });
  // Let the IPC message leave before exiting.
  setTimeout(() => process.exit(1), 50).unref();
  throw error;
}

process.on('uncaughtException', (error) => { try { die(error); } catch { /* reported */ } });
process.on('unhandledRejection', (error) => { try { die(error); } catch { /* reported */ } });
// The parent going away (finished, crashed or killed) ends this process too.
process.on('disconnect', () => process.exit(0));

/** How often the resident set size is sampled: a peak shorter than this may be missed. */
export const RSS_SAMPLE_MS = 100;
let rssPeakBytes = process.memoryUsage.rss();

/** The highest resident set size seen so far in this process (sampled, and read now). */
export function rssPeak(): { peakBytes: number; nowBytes: number } {
  const nowBytes = process.memoryUsage.rss();
  if (nowBytes > rssPeakBytes) rssPeakBytes = nowBytes;
  return { peakBytes: rssPeakBytes, nowBytes };
}

setInterval(rssPeak, RSS_SAMPLE_MS).unref();

/** Runs `handler` for every command from the parent; `exit` and `rss` are handled here (exit after `onExit`). */
export function onCommand(handler: (command: Command) => void | Promise<void>, onExit?: () => Promise<void> | void): void {
  process.on('message', (command: Command) => {
    if (command.cmd === 'rss') {
      report({ type: 'rss', ...rssPeak() });
      return;
    }
    if (command.cmd === 'exit') {
      const hardStop = setTimeout(() => process.exit(0), 1500);
      hardStop.unref();
      void Promise.resolve()
        .then(() => onExit?.())
        .catch(() => undefined)
        .finally(() => process.exit(0));
      return;
    }
    Promise.resolve()
      .then(() => handler(command))
      .catch((error: unknown) => { try { die(error); } catch { /* reported */ } });
  });
}

/** A wall-clock deadline for loops in children: `check()` throws once it has passed. */
export function deadline(ms: number, what: string): { check(): void } {
  const end = performance.now() + ms;
  return {
    check() {
      if (performance.now() > end) throw new Error(`timeout: ${what} did not finish within ${ms} ms`);
    },
  };
}
