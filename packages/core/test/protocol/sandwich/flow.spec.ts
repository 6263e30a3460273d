import { describe, expect, it } from '@jest/globals';
import { FlowLayer } from '../../../src/protocol/flow/flow-layer.js';
import type { OutboxEntry, SendOptions } from '../../../src/protocol/member-api.js';
import type { DataMessage, View } from '../../../src/protocol/types.js';
import { layerContext, ManualClock } from './stubs.js';

/**
 * Sandwich: flow/'s layer between a stub of order/ and reliable/ below (it sequences what is
 * sent down and lets the test move stability) and a recorder above (the multicasts' promises
 * and flush() results, MemberEvents.sent).
 */
const view: View = { id: 1, members: ['a/1', 'b/1'] };
const FIFO: SendOptions = { order: 'fifo', safe: false };

function sandwich(windowMessagesMax = 2) {
  const clock = new ManualClock();
  const { ctx, log } = layerContext('a/1', clock, { windowMessagesMax });
  let sentHigh = 0;
  let stable = 0;
  let open = true;
  let current = view;
  const sentDown: string[] = [];
  let ownDeliveries = 0;
  const layer = new FlowLayer(ctx, {
    channel: () => ({
      view: current,
      myRank: 0,
      get sentHigh() {
        return sentHigh;
      },
      stableSeq: () => stable,
    }),
    isOpen: () => open,
    send: (topic, payload, options) => {
      sentDown.push(`${topic}:${options.order}`);
      return { sender: 'a/1', viewId: view.id, seq: ++sentHigh, topic, payload };
    },
    deliverReady: () => {
      ownDeliveries++;
    },
  });
  const results: string[] = [];
  const entry = (topic: string, options: SendOptions = FIFO): OutboxEntry => ({
    topic,
    payload: new Uint8Array(),
    options,
    sent: (m: DataMessage | null) => void results.push(m ? `${topic}#${m.seq}` : `${topic}:null`),
  });
  const flushEntry = (name: string): OutboxEntry => ({ flushed: (ok: boolean) => void results.push(`${name}:${ok}`) });
  /** Stability moved up to `seq` (reliable/'s heartbeats, passed up through order/). */
  const stableTo = (seq: number): void => {
    stable = seq;
    layer.drainOutbox();
  };
  /** membership/ installed the next view: reliable/'s channel starts afresh. */
  const nextView = (): void => {
    current = { id: current.id + 1, members: current.members };
    sentHigh = 0;
    stable = 0;
    layer.newView();
  };
  return {
    clock,
    ctx,
    log,
    layer,
    sentDown,
    results,
    entry,
    flushEntry,
    stableTo,
    nextView,
    setOpen: (o: boolean) => {
      open = o;
    },
    own: () => ownDeliveries,
  };
}

describe('flow/ sandwich: FlowLayer between order/ and reliable/ (stub) and the application (recorder)', () => {
  it('the window fills: the next multicast waits (counted once); stability frees it, in issue order', () => {
    const s = sandwich(2);
    s.layer.enqueue([s.entry('m1'), s.entry('m2'), s.entry('m3'), s.entry('m4')]);
    expect(s.results).toEqual(['m1#1', 'm2#2']);
    expect(s.log.sent).toEqual(['a/1#1', 'a/1#2']);
    expect(s.layer.pendingCount).toBe(2);
    expect(s.ctx.stats.windowWaits).toBe(1);
    s.layer.drainOutbox();
    expect(s.ctx.stats.windowWaits).toBe(1);
    s.stableTo(1);
    expect(s.results).toEqual(['m1#1', 'm2#2', 'm3#3']);
    s.stableTo(3);
    expect(s.results).toEqual(['m1#1', 'm2#2', 'm3#3', 'm4#4']);
    expect(s.layer.pendingCount).toBe(0);
    // What it sent, it delivers to itself (order/ below) after each drain.
    expect(s.own()).toBeGreaterThan(0);
  });

  it('a lagging member holds every multicast back until its heartbeat says it caught up', () => {
    const s = sandwich(8);
    s.layer.peerLoad('b/1', true);
    s.layer.enqueue([s.entry('m1')]);
    expect(s.results).toEqual([]);
    expect(s.layer.slowMembers).toBe(1);
    s.layer.peerLoad('b/1', false);
    s.layer.drainOutbox();
    expect(s.results).toEqual(['m1#1']);
  });

  it('flush() resolves once everything issued before it is stable, or at the next view', () => {
    const s = sandwich(8);
    s.layer.enqueue([s.entry('m1'), s.flushEntry('f1'), s.entry('m2'), s.flushEntry('f2')]);
    expect(s.results).toEqual(['m1#1', 'm2#2']);
    s.stableTo(1);
    expect(s.results).toEqual(['m1#1', 'm2#2', 'f1:true']);
    // f2 waits for m2; a new view ends the wait (the flush delivered m2 to every survivor).
    s.stableTo(1);
    expect(s.results).toEqual(['m1#1', 'm2#2', 'f1:true']);
    s.nextView();
    expect(s.results).toEqual(['m1#1', 'm2#2', 'f1:true', 'f2:true']);
  });

  it('nothing leaves while a view change runs; the outbox keeps its order, adopted entries first', () => {
    const s = sandwich(8);
    s.setOpen(false);
    s.layer.enqueue([s.entry('m2')]);
    s.layer.enqueue([s.entry('m1')], true);
    expect(s.results).toEqual([]);
    s.setOpen(true);
    s.layer.drainOutbox();
    expect(s.results).toEqual(['m1#1', 'm2#2']);
  });

  it('withdraw, handOver (calls stay) and stop settle what never went out', () => {
    const s = sandwich(8);
    s.setOpen(false);
    const withdrawn = s.entry('w');
    s.layer.enqueue([withdrawn, s.entry('call', { ...FIFO, call: 7 }), s.entry('plain'), s.flushEntry('f')]);
    expect(s.layer.withdraw((withdrawn as { sent: (m: DataMessage | null) => void }).sent)).toBe(true);
    const handed = s.layer.handOver();
    expect(handed.map((e) => ('topic' in e ? e.topic : 'flush'))).toEqual(['plain', 'flush']);
    expect(s.layer.pendingCount).toBe(1);
    s.layer.stop();
    expect(s.results).toEqual(['call:null']);
    expect(s.sentDown).toEqual([]);
  });
});
