/**
 * Where the demos leave the picture of their run: `.traces/<name>.jsonl` (the trace) and
 * `.traces/<name>.html` (its space-time diagram) at the repository's root, or in
 * $COHORT_TRACE_DIR (the tests give each run its own). A run records under a name of its own
 * and renames at the end, so demos running side by side never mix their lines; the last one
 * to finish leaves its files.
 */
import { mkdirSync, renameSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TraceRecorder, traceFile, type Clock } from '@cohort/core';
import { writeTraceHtml } from '@cohort/core/testing';

const TRACES_DIR = process.env['COHORT_TRACE_DIR'] ?? fileURLToPath(new URL('../../../.traces/', import.meta.url));

export interface DemoTrace {
  readonly recorder: TraceRecorder;
  /**
   * Closes the trace, draws it (with `check`, the history checker's verdict drawn too), and
   * returns the page's path as the user should see it.
   */
  finish(options?: { check?: boolean; quiescent?: boolean }): Promise<string>;
}

export function demoTrace(name: string, options: { title: string; clock?: Pick<Clock, 'now'>; keepHistory?: boolean }): DemoTrace {
  mkdirSync(TRACES_DIR, { recursive: true });
  const jsonl = join(TRACES_DIR, `${name}.jsonl`);
  const recording = join(TRACES_DIR, `${name}.${process.pid}.jsonl`);
  const recorder = new TraceRecorder(traceFile(recording), {
    title: options.title,
    keepHistory: options.keepHistory ?? false,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return {
    recorder,
    async finish(finishOptions = {}) {
      await recorder.close();
      renameSync(recording, jsonl);
      const html = join(TRACES_DIR, `${name}.html`);
      writeTraceHtml([jsonl], html, { check: finishOptions.check ?? false, quiescent: finishOptions.quiescent ?? false });
      const shown = relative(process.cwd(), html);
      return shown.startsWith('..') ? html : shown;
    },
  };
}
