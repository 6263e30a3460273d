/**
 * From trace files to a page: read, merge, optionally judge with the history checker, lay
 * out, draw. What the `cohort trace` command and the demos call.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { checkHistory } from '../testing/checker/history-checker.js';
import type { HistoryEvent } from '../testing/history.js';
import { renderSpaceTimeHtml } from './space-time.html.js';
import { historyOf, layoutSpaceTime, type LocatedViolation, type SpaceTime } from './space-time.layout.js';
import { mergeTraces, parseTrace, type Trace } from './trace-reader.js';

export interface RenderTraceOptions {
  /** Also run the history checker over the trace and draw what it finds. Default false. */
  check?: boolean;
  /** With `check`: the run was allowed to settle (see CheckHistoryOptions.quiescent). Default false. */
  quiescent?: boolean;
  title?: string;
}

export interface RenderedTrace {
  html: string;
  model: SpaceTime;
}

/** Reads trace files (one per process, or one for a whole simulation) into one trace. */
export function readTraceFiles(paths: readonly string[], title?: string): Trace {
  return mergeTraces(
    paths.map((path) => parseTrace(readFileSync(path, 'utf8'), basename(path))),
    title,
  );
}

/** Lays out and draws a trace; with `check`, the history checker's violations are drawn too. */
export function renderTrace(trace: Trace, options: RenderTraceOptions = {}): RenderedTrace {
  const found: LocatedViolation[] = [];
  if (options.check) {
    const history = historyOf(trace);
    for (const v of checkHistory(history as HistoryEvent[], { quiescent: options.quiescent ?? false, locate: true })) {
      const target = v.at !== undefined ? history[v.at] : undefined;
      found.push({ property: v.property, message: v.message, ...(target ? { target } : {}) });
    }
  }
  const model = layoutSpaceTime(options.title !== undefined ? { ...trace, title: options.title } : trace, found);
  return { html: renderSpaceTimeHtml(model), model };
}

/** Reads trace files and writes the page to `htmlPath` (whole or not at all: a temporary file renamed). */
export function writeTraceHtml(paths: readonly string[], htmlPath: string, options: RenderTraceOptions = {}): RenderedTrace {
  const rendered = renderTrace(readTraceFiles(paths), options);
  const temporary = `${htmlPath}.${process.pid}.tmp`;
  writeFileSync(temporary, rendered.html);
  renameSync(temporary, htmlPath);
  return rendered;
}
