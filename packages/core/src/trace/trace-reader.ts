/**
 * Reads trace files (JSONL, trace-event.ts) and merges those of several processes into one
 * sequence: each file keeps its own order, and across files an event comes after what it
 * depends on (the send of a message before its delivery, a context handed out before it is
 * taken in), the earlier `t` first otherwise.
 */
import { CohortError } from '../errors.js';
import { isHistoryEvent, TRACE_VERSION, type TraceEvent, type TraceHeader } from './trace-event.js';

export class TraceFormatError extends CohortError {
  constructor(message: string) {
    super('TRACE_FORMAT', message);
  }
}

/** One file's events, in its order. */
export interface TraceSource {
  name: string;
  header: TraceHeader | null;
  events: TraceEvent[];
}

/** A trace ready to draw: the merged events, and where each file's located violations point. */
export interface Trace {
  title: string;
  sources: string[];
  events: TraceEvent[];
  /** For a 'violation' with `at`: the event it points at (resolved within its own file). */
  targets: Map<TraceEvent, TraceEvent>;
}

const HISTORY_KINDS = new Set([
  'send',
  'deliver',
  'handled',
  'view',
  'excluded',
  'left',
  'crash',
  'context-out',
  'context-in',
  'reply',
  'serve',
  'unconfirmed',
  'blocked',
  'unblocked',
]);
const KINDS = new Set([...HISTORY_KINDS, 'held', 'flush', 'violation']);

/** Parses one file's text; a line that is not a trace event is an error naming the line. */
export function parseTrace(text: string, name = 'trace'): TraceSource {
  const events: TraceEvent[] = [];
  let header: TraceHeader | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new TraceFormatError(`${name}:${i + 1}: not JSON (${(error as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || typeof (value as { kind?: unknown }).kind !== 'string') {
      throw new TraceFormatError(`${name}:${i + 1}: not a trace event (no "kind")`);
    }
    const kind = (value as { kind: string }).kind;
    if (kind === 'trace') {
      header = value as TraceHeader;
      if (typeof header.version !== 'number' || header.version > TRACE_VERSION) {
        throw new TraceFormatError(`${name}:${i + 1}: trace version ${String(header.version)}; this reader knows version ${TRACE_VERSION}`);
      }
      continue;
    }
    if (!KINDS.has(kind)) throw new TraceFormatError(`${name}:${i + 1}: unknown event kind "${kind}"`);
    const event = value as TraceEvent;
    if (typeof event.t !== 'number') (event as { t: number }).t = events.length > 0 ? events[events.length - 1]!.t : 0;
    events.push(event);
  }
  return { name, header, events };
}

/** Merges parsed files into one trace. */
export function mergeTraces(sources: readonly TraceSource[], title?: string): Trace {
  const targets = new Map<TraceEvent, TraceEvent>();
  for (const source of sources) resolveTargets(source.events, targets);
  const events = sources.length === 1 ? [...sources[0]!.events] : interleave(sources.map((s) => s.events));
  const titles = sources.map((s) => s.header?.title).filter((t): t is string => typeof t === 'string');
  return {
    title: title ?? titles[0] ?? sources.map((s) => s.name).join(', '),
    sources: sources.map((s) => s.name),
    events,
    targets,
  };
}

/** A violation's `at` counts the history events of its own file. */
function resolveTargets(events: readonly TraceEvent[], targets: Map<TraceEvent, TraceEvent>): void {
  const history = events.filter(isHistoryEvent);
  for (const event of events) {
    if (event.kind !== 'violation' || event.at === undefined) continue;
    const target = history[event.at];
    if (target) targets.set(event, target);
  }
}

/** What an event waits for in another file: the key of the event that must come first. */
function dependency(event: TraceEvent): string | null {
  switch (event.kind) {
    case 'deliver':
    case 'held':
      return `send ${event.id}`;
    case 'context-in':
      return `out ${event.token}`;
    default:
      return null;
  }
}

function provides(event: TraceEvent): string | null {
  if (event.kind === 'send') return `send ${event.id}`;
  if (event.kind === 'context-out') return `out ${event.token}`;
  return null;
}

function interleave(lists: readonly TraceEvent[][]): TraceEvent[] {
  const pending = new Set<string>();
  for (const list of lists)
    for (const event of list) {
      const key = provides(event);
      if (key) pending.add(key);
    }
  const heads = lists.map(() => 0);
  const merged: TraceEvent[] = [];
  const total = lists.reduce((n, list) => n + list.length, 0);
  while (merged.length < total) {
    let best = -1;
    let fallback = -1;
    for (let i = 0; i < lists.length; i++) {
      const event = lists[i]![heads[i]!];
      if (!event) continue;
      if (fallback < 0 || event.t < lists[fallback]![heads[fallback]!]!.t) fallback = i;
      const needs = dependency(event);
      if (needs !== null && pending.has(needs)) continue;
      if (best < 0 || event.t < lists[best]![heads[best]!]!.t) best = i;
    }
    // Every head waits for something not yet placed only if the files contradict each other
    // (clocks far apart and a cycle): then time decides.
    const chosen = best >= 0 ? best : fallback;
    const event = lists[chosen]![heads[chosen]!++]!;
    const key = provides(event);
    if (key) pending.delete(key);
    merged.push(event);
  }
  return merged;
}
