/**
 * Lays a trace out as a space-time diagram, independent of how it is drawn: one lane per
 * process (an address: its incarnations follow one another on it), one column per event, a
 * column number that is a Lamport clock (an event is to the right of the one before it on
 * its lane and of the send it delivers), so arrows always point right and quiet stretches
 * take no room. Messages are arrows from the send to where they reached a member (where they
 * were held, if they waited in the order stage); views are bands over the lanes of their
 * members, from each member's install to its next; a violation sits on the event where it
 * was found.
 */
import { addressOf } from '../protocol/types.js';
import { isHistoryEvent, type TraceEvent } from './trace-event.js';
import type { Trace } from './trace-reader.js';

export interface Lane {
  index: number;
  address: string;
  /** The member ids seen on this lane, in order. */
  members: string[];
}

/** Where an event sits: a column and a lane. */
export interface Place {
  col: number;
  lane: number;
}

export type MarkKind =
  | 'send'
  | 'deliver'
  | 'self'
  | 'view'
  | 'flush'
  | 'crash'
  | 'excluded'
  | 'left'
  | 'blocked'
  | 'unblocked'
  | 'context-out'
  | 'context-in'
  | 'reply'
  | 'serve'
  | 'unconfirmed';

export interface Mark extends Place {
  kind: MarkKind;
  title: string;
  /** The message id, for sends and deliveries. */
  msg?: string;
}

export interface Arrow {
  msg: string;
  order: string;
  from: Place;
  to: Place;
  /** It reached the member and waited there (a Hold starts where it points). */
  held: boolean;
  title: string;
}

export interface Hold {
  msg: string;
  lane: number;
  fromCol: number;
  /** Where the wait ended; null: the run ended first. */
  toCol: number | null;
  /** False when the wait ended without a delivery (a crash, an exit, a flush that discarded it). */
  delivered: boolean;
  reason: string;
  title: string;
}

export interface BandSegment {
  member: string;
  lane: number;
  fromCol: number;
  toCol: number;
  /** Where the member stopped for the flush that ended this view, if it did. */
  flushCol: number | null;
}

export interface Band {
  viewId: number;
  members: string[];
  segments: BandSegment[];
}

export interface ContextEdge {
  token: string;
  from: Place;
  to: Place;
}

export interface ViolationMark {
  property: string;
  message: string;
  /** Null when nothing in the trace could be tied to it: drawn at the end of the run. */
  place: Place | null;
}

/** A violation to draw: `target` is the event where it was found, if known. */
export interface LocatedViolation {
  property: string;
  message: string;
  target?: TraceEvent;
}

export interface SpaceTime {
  title: string;
  lanes: Lane[];
  /** Columns used: every column number is below it. */
  columns: number;
  marks: Mark[];
  arrows: Arrow[];
  holds: Hold[];
  bands: Band[];
  contexts: ContextEdge[];
  violations: ViolationMark[];
  /** The first and last `t` of the trace. */
  timeMs: { first: number; last: number };
}

const MESSAGE_ID = /[^\s'"`(),[\]{}]+@\d+#\d+/g;

/** Lays out `trace`, with its recorded violations and `violations` (e.g. the checker's). */
export function layoutSpaceTime(trace: Trace, violations: readonly LocatedViolation[] = []): SpaceTime {
  return new Layout(trace).run(violations);
}

class Layout {
  private readonly lanes: Lane[] = [];
  private readonly laneByAddress = new Map<string, Lane>();
  private readonly next: number[] = [];
  private readonly placeOf = new Map<TraceEvent, Place>();
  private readonly sends = new Map<string, { place: Place; order: string; sender: string; title: string }>();
  private readonly outs = new Map<string, Place>();
  /** `${member} ${id}`: where the message reached the member (an arrow or a hold starts there). */
  private readonly reached = new Set<string>();
  private readonly openHolds = new Map<string, Hold & { member: string; viewId: number }>();
  private readonly openSegments = new Map<string, BandSegment>();
  private readonly bandById = new Map<number, Band>();
  /** The column of each view's first install. */
  private readonly firstInstall = new Map<number, number>();
  private readonly lastOfMember = new Map<string, Place>();
  private readonly marks: Mark[] = [];
  private readonly arrows: Arrow[] = [];
  private readonly holds: Hold[] = [];
  private readonly contexts: ContextEdge[] = [];

  constructor(private readonly trace: Trace) {}

  run(extra: readonly LocatedViolation[]): SpaceTime {
    const recorded: LocatedViolation[] = [];
    for (const event of this.trace.events) {
      if (event.kind === 'violation') {
        const target = this.trace.targets.get(event);
        recorded.push({ property: event.property, message: event.message, ...(target ? { target } : {}) });
        continue;
      }
      this.place(event);
    }
    const columns = Math.max(1, ...this.next);
    for (const segment of this.openSegments.values()) segment.toCol = columns;
    const violations: ViolationMark[] = [];
    const seen = new Set<string>();
    for (const v of [...recorded, ...extra]) {
      const key = `${v.property}\n${v.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      violations.push({ property: v.property, message: v.message, place: this.locate(v) });
    }
    const times = this.trace.events.map((e) => e.t);
    return {
      title: this.trace.title,
      lanes: this.lanes,
      columns,
      marks: this.marks,
      arrows: this.arrows,
      holds: this.holds,
      bands: [...this.bandById.values()].sort((a, b) => a.viewId - b.viewId),
      contexts: this.contexts,
      violations,
      timeMs: { first: times.length > 0 ? Math.min(...times) : 0, last: times.length > 0 ? Math.max(...times) : 0 },
    };
  }

  private lane(member: string): Lane {
    const address = addressOf(member);
    let lane = this.laneByAddress.get(address);
    if (!lane) {
      lane = { index: this.lanes.length, address, members: [] };
      this.lanes.push(lane);
      this.laneByAddress.set(address, lane);
      this.next.push(0);
    }
    if (!lane.members.includes(member)) lane.members.push(member);
    return lane;
  }

  private place(event: Exclude<TraceEvent, { kind: 'violation' }>): void {
    const lane = this.lane(event.member).index;
    if (event.kind === 'handled') {
      // One per delivery, where the application took it: not drawn, but a violation may point here.
      this.placeOf.set(event, { col: Math.max(0, this.next[lane]! - 1), lane });
      return;
    }
    let col = this.next[lane]!;
    if (event.kind === 'deliver' || event.kind === 'held') {
      const send = this.sends.get(event.id);
      if (send) col = Math.max(col, send.place.col + 1);
    } else if (event.kind === 'context-in') {
      const out = this.outs.get(event.token);
      if (out) col = Math.max(col, out.col + 1);
    } else if (event.kind === 'view') {
      // Not a causal edge, but the same view: no install of it left of the first one (else a
      // joiner's lane, with nothing before its install, would start the view at column 0).
      const first = this.firstInstall.get(event.view.id);
      if (first === undefined) this.firstInstall.set(event.view.id, col);
      else col = Math.max(col, first);
    }
    this.next[lane] = col + 1;
    const place = { col, lane };
    this.placeOf.set(event, place);
    this.lastOfMember.set(event.member, place);
    this.draw(event, place);
  }

  private draw(event: Exclude<TraceEvent, { kind: 'violation' | 'handled' }>, place: Place): void {
    const at = `t=${formatMs(event.t)}`;
    switch (event.kind) {
      case 'send': {
        const order = event.order ?? 'fifo';
        const title = `${event.member} sends ${event.id} (${order}${event.safe ? ', safe' : ''}) in view ${event.viewId}, ${at}${vtText(event.vt)}\n${event.payload}`;
        this.sends.set(event.id, { place, order, sender: event.member, title });
        this.marks.push({ ...place, kind: 'send', title, msg: event.id });
        return;
      }
      case 'held': {
        const key = `${event.member} ${event.id}`;
        const hold: Hold = {
          msg: event.id,
          lane: place.lane,
          fromCol: place.col,
          toCol: null,
          delivered: true,
          reason: event.reason,
          title: `${event.member} holds ${event.id} (${event.reason}) from ${at}`,
        };
        this.openHolds.set(key, Object.assign(hold, { member: event.member, viewId: event.viewId }));
        this.holds.push(hold);
        this.arrive(event.id, event.member, place, true);
        return;
      }
      case 'deliver': {
        const key = `${event.member} ${event.id}`;
        const hold = this.openHolds.get(key);
        if (hold) {
          hold.toCol = place.col;
          hold.title += ` to ${at}`;
          this.openHolds.delete(key);
        }
        const self = event.member === event.sender;
        if (!self) this.arrive(event.id, event.member, place, false);
        const position = event.position !== undefined ? `, position ${event.position}` : '';
        this.marks.push({
          ...place,
          kind: self ? 'self' : 'deliver',
          msg: event.id,
          title: `${event.member} delivers ${event.id} in view ${event.viewId}, ${at}${position}${vtText(event.vt)}`,
        });
        return;
      }
      case 'view': {
        this.endSegment(event.member, place.col);
        // What still waited when the view ended was discarded at its flush (an orphan).
        this.endHolds(event.member, place.col, 'discarded at the flush', (hold) => hold.viewId < event.view.id);
        let band = this.bandById.get(event.view.id);
        if (!band) this.bandById.set(event.view.id, (band = { viewId: event.view.id, members: event.view.members, segments: [] }));
        const segment: BandSegment = { member: event.member, lane: place.lane, fromCol: place.col, toCol: place.col + 1, flushCol: null };
        band.segments.push(segment);
        this.openSegments.set(event.member, segment);
        this.marks.push({
          ...place,
          kind: 'view',
          title: `${event.member} installs view ${event.view.id} [${event.view.members.join(', ')}], ${at}`,
        });
        return;
      }
      case 'flush': {
        const segment = this.openSegments.get(event.member);
        if (segment && segment.flushCol === null) segment.flushCol = place.col;
        this.marks.push({ ...place, kind: 'flush', title: `${event.member} stops for the flush ending view ${event.viewId}, ${at}` });
        return;
      }
      case 'crash':
      case 'excluded':
      case 'left': {
        this.endSegment(event.member, place.col + 1);
        this.endHolds(event.member, place.col, event.kind, () => true);
        this.marks.push({
          ...place,
          kind: event.kind,
          title: `${event.member} ${event.kind === 'left' ? 'left' : event.kind === 'crash' ? 'crashed' : 'was excluded'}, ${at}`,
        });
        return;
      }
      case 'context-out':
        this.outs.set(event.token, place);
        this.marks.push({ ...place, kind: 'context-out', title: `${event.member} hands out its causal context (${event.token}), ${at}` });
        return;
      case 'context-in': {
        const out = this.outs.get(event.token);
        if (out) this.contexts.push({ token: event.token, from: out, to: place });
        this.marks.push({ ...place, kind: 'context-in', title: `${event.member} takes in the causal context ${event.token}, ${at}` });
        return;
      }
      case 'reply':
        this.marks.push({
          ...place,
          kind: 'reply',
          title: `${event.member} gets ${event.from}'s reply to ${event.id} (view ${event.viewId}), ${at}`,
        });
        return;
      case 'serve':
        this.marks.push({ ...place, kind: 'serve', title: `${event.member} serves request ${event.id} in view ${event.viewId}, ${at}` });
        return;
      case 'unconfirmed':
        this.marks.push({
          ...place,
          kind: 'unconfirmed',
          title: `${event.member} reports ${event.ids.length} unconfirmed: ${event.ids.join(', ')}, ${at}`,
        });
        return;
      case 'blocked':
        this.marks.push({ ...place, kind: 'blocked', title: `${event.member} is blocked (${event.code}), ${at}` });
        return;
      case 'unblocked':
        this.marks.push({ ...place, kind: 'unblocked', title: `${event.member} is unblocked, ${at}` });
        return;
    }
  }

  /** The first time a message reaches a member other than its sender: an arrow from its send. */
  private arrive(id: string, member: string, place: Place, held: boolean): void {
    const key = `${member} ${id}`;
    if (this.reached.has(key)) return;
    this.reached.add(key);
    const send = this.sends.get(id);
    if (!send || send.sender === member) return;
    this.arrows.push({
      msg: id,
      order: send.order,
      from: send.place,
      to: place,
      held,
      title: `${send.title}\n→ ${member}${held ? ' (held on arrival)' : ''}`,
    });
  }

  /** Ends the member's waits that will see no delivery (the bar is drawn dashed). */
  private endHolds(member: string, col: number, why: string, which: (hold: { viewId: number }) => boolean): void {
    for (const [key, hold] of this.openHolds) {
      if (hold.member !== member || !which(hold)) continue;
      hold.toCol = col;
      hold.title += `; never delivered (${why})`;
      hold.delivered = false;
      this.openHolds.delete(key);
    }
  }

  private endSegment(member: string, col: number): void {
    const segment = this.openSegments.get(member);
    if (!segment) return;
    segment.toCol = Math.max(segment.fromCol + 1, col);
    this.openSegments.delete(member);
  }

  /** Where a violation goes: its event, else the message and member its text names. */
  private locate(violation: LocatedViolation): Place | null {
    if (violation.target) {
      const place = this.placeOf.get(violation.target);
      if (place) return place;
    }
    const ids = violation.message.match(MESSAGE_ID) ?? [];
    const members = [...this.lastOfMember.keys()].filter((m) => violation.message.includes(m)).sort((a, b) => b.length - a.length);
    for (const id of ids) {
      for (const member of members) {
        const place = this.placeOfMessageAt(id, member);
        if (place) return place;
      }
      const send = this.sends.get(id);
      if (send) return send.place;
    }
    const member = members[0];
    return member ? (this.lastOfMember.get(member) ?? null) : null;
  }

  private placeOfMessageAt(id: string, member: string): Place | null {
    for (const event of this.trace.events) {
      if ((event.kind === 'deliver' || event.kind === 'held' || event.kind === 'send') && event.id === id && event.member === member) {
        return this.placeOf.get(event) ?? null;
      }
    }
    return null;
  }
}

function formatMs(t: number): string {
  return Math.abs(t) >= 1e11 ? new Date(t).toISOString() : `${Number(t.toFixed(3))} ms`;
}

function vtText(vt: Record<string, number> | undefined): string {
  if (!vt) return '';
  return `, vt {${Object.entries(vt)
    .map(([m, n]) => `${m}: ${n}`)
    .join(', ')}}`;
}

/** The history events of a trace, in its order: what the history checker reads (its `at` indexes them). */
export function historyOf(trace: Trace): TraceEvent[] {
  return trace.events.filter(isHistoryEvent);
}
