import { closeSync, openSync, writeSync } from 'node:fs';
import { realClock, type Clock } from '../env/clock.js';
import type { TraceSink } from './trace-recorder.js';

/** Buffered lines past this many characters are written at once, not at the end of the turn. */
const BUFFER_CHARS_MAX = 64 * 1024;

export interface TraceFile extends TraceSink {
  readonly path: string;
  /** Writes what is buffered now. */
  flush(): void;
  close(): void;
}

/**
 * A trace sink that writes to `path` (created or truncated): lines are buffered and written
 * at the end of the event loop's turn (or once 64 KiB are waiting), so a member that is
 * killed loses at most its last turn's lines, and recording costs one write per turn.
 */
export function traceFile(path: string, options: { clock?: Pick<Clock, 'defer'> } = {}): TraceFile {
  const clock = options.clock ?? realClock;
  const fd = openSync(path, 'w');
  let buffer: string[] = [];
  let bufferedChars = 0;
  let scheduled = false;
  let closed = false;
  const flush = (): void => {
    if (buffer.length === 0 || closed) return;
    const text = `${buffer.join('\n')}\n`;
    buffer = [];
    bufferedChars = 0;
    writeSync(fd, text);
  };
  return {
    path,
    write(line) {
      if (closed) return;
      buffer.push(line);
      bufferedChars += line.length + 1;
      if (bufferedChars >= BUFFER_CHARS_MAX) flush();
      else if (!scheduled) {
        scheduled = true;
        clock.defer(() => {
          scheduled = false;
          flush();
        });
      }
    },
    flush,
    close() {
      if (closed) return;
      flush();
      closed = true;
      closeSync(fd);
    },
  };
}
