import { checkHistory } from '../../../src/testing/checker/history-checker.js';
import type { HistoryEvent } from '../../../src/testing/history.js';
import { generateOrderedHistory } from './history-generator.js';

type Deliver = Extract<HistoryEvent, { kind: 'deliver' }>;
type Send = Extract<HistoryEvent, { kind: 'send' }>;

const sendsById = (events: readonly HistoryEvent[]): Map<string, Send> =>
  new Map(events.filter((e): e is Send => e.kind === 'send').map((e) => [e.id, e]));

/** Indexes in `events` of `member`'s deliveries, in order. */
const deliveriesOf = (events: readonly HistoryEvent[], member: string): number[] =>
  events.flatMap((e, i) => (e.kind === 'deliver' && e.member === member ? [i] : []));

describe('a generated run with every delivery order', () => {
  const { events, stats } = generateOrderedHistory(20_000, 11);

  it('has traffic of every kind, contexts handed over directly and through a gateway', () => {
    expect(stats.sends.fifo).toBeGreaterThan(1000);
    expect(stats.sends.causal).toBeGreaterThan(1000);
    expect(stats.sends.total).toBeGreaterThan(1000);
    expect(stats.sends.group).toBeGreaterThan(100);
    expect(stats.safe).toBeGreaterThan(100);
    expect(stats.viaGateway).toBeGreaterThan(100);
    expect(events.filter((e) => e.kind === 'context-in' && e.member === 'gw/1').length).toBe(stats.viaGateway);
    expect(events.length).toBeGreaterThan(100_000);
  });

  it('delivers some concurrent messages in different orders at different members (the check is not trivial)', () => {
    const order = (member: string): Map<string, number> =>
      new Map(deliveriesOf(events, member).map((i, k) => [(events[i] as Deliver).id, k]));
    const a = order('n0/1');
    const b = order('n1/1');
    const ids = [...a.keys()].filter((id) => b.has(id));
    let inversions = 0;
    for (let k = 1; k < ids.length; k++) if ((b.get(ids[k]!) ?? 0) < (b.get(ids[k - 1]!) ?? 0)) inversions++;
    expect(inversions).toBeGreaterThan(100);
  });

  it('passes every property', () => {
    expect(checkHistory(events, { quiescent: true })).toEqual([]);
  });

  it('passes a run of over 200,000 events', () => {
    const big = generateOrderedHistory(40_000, 5).events;
    expect(big.length).toBeGreaterThan(200_000);
    expect(checkHistory(big, { quiescent: true })).toEqual([]);
  });
});

describe('mutations of a generated run are caught', () => {
  const fresh = (): HistoryEvent[] => generateOrderedHistory(3_000, 4).events;

  it("'causal': a member delivers a cbcast before a message its sender had delivered before sending it", () => {
    const events = fresh();
    const sends = sendsById(events);
    // Find b (causal, from s) and a (from x ≠ s) such that s delivered a before sending b,
    // and some q ≠ s delivered a then b: then move q's delivery of a to just after b.
    let done: { q: string; a: string; b: string } | undefined;
    for (let i = 0; i < events.length && done === undefined; i++) {
      const send = events[i]!;
      if (send.kind !== 'send' || send.order !== 'causal') continue;
      const before = deliveriesOf(events.slice(0, i), send.member)
        .map((k) => events[k] as Deliver)
        .filter((d) => d.sender !== send.member);
      const a = before[before.length - 1];
      if (a === undefined) continue;
      for (const q of ['n0/1', 'n1/1', 'n2/1', 'n4/1']) {
        if (q === send.member || q === a.sender) continue;
        const ia = events.findIndex((e) => e.kind === 'deliver' && e.member === q && e.id === a.id);
        const ib = events.findIndex((e) => e.kind === 'deliver' && e.member === q && e.id === send.id);
        if (ia < 0 || ib < ia) continue;
        const [moved] = events.splice(ia, 1);
        events.splice(ib, 0, moved!);
        done = { q, a: a.id, b: send.id };
        break;
      }
    }
    expect(done).toBeDefined();
    const vs = checkHistory(events, { quiescent: true, properties: ['causal'] });
    expect(vs.length).toBeGreaterThan(0);
    expect(vs.some((v) => v.message.startsWith(`${done?.q} delivered ${done?.b} `) && v.message.includes(`before ${done?.a} `))).toBe(true);
    expect(sends.get(done?.b ?? '')?.order).toBe('causal');
  });

  it("'total-agreement': one member swaps two abcasts", () => {
    const events = fresh();
    const sends = sendsById(events);
    const sentAt = new Map(events.flatMap((e, i) => (e.kind === 'send' ? [[e.id, i] as const] : [])));
    const mine = deliveriesOf(events, 'n2/1').filter((i) => sends.get((events[i] as Deliver).id)?.order === 'total');
    // Two consecutive ones that were both sent before the first is delivered (so the swap keeps every delivery after its send).
    const k = mine.findIndex((i, n) => n >= 100 && (sentAt.get((events[mine[n + 1] ?? 0] as Deliver).id) ?? Infinity) < i);
    const [i, j] = [mine[k]!, mine[k + 1]!];
    [events[i], events[j]] = [events[j]!, events[i]!];
    const vs = checkHistory(events, { quiescent: true, properties: ['total-agreement'] });
    expect(vs.length).toBeGreaterThan(0);
    const ids = [(events[i] as Deliver).id, (events[j] as Deliver).id];
    expect(vs.every((v) => ids.every((id) => v.message.includes(id)))).toBe(true);
  });

  it("'group-position': one member delivers a gbcast one message early", () => {
    const events = fresh();
    const sends = sendsById(events);
    const sentAt = new Map(events.flatMap((e, i) => (e.kind === 'send' ? [[e.id, i] as const] : [])));
    const mine = deliveriesOf(events, 'n1/1');
    // A gbcast right after another kind of message that was delivered after the gbcast's send.
    const k = mine.findIndex((i, n) => {
      const g = (events[i] as Deliver).id;
      const prev = n > 0 ? (events[mine[n - 1]!] as Deliver) : undefined;
      return (
        prev !== undefined &&
        sends.get(g)?.order === 'group' &&
        sends.get(prev.id)?.order !== 'group' &&
        (sentAt.get(g) ?? Infinity) < mine[n - 1]!
      );
    });
    const [gi, pi] = [mine[k]!, mine[k - 1]!];
    const g = (events[gi] as Deliver).id;
    const passed = (events[pi] as Deliver).id;
    [events[gi], events[pi]] = [events[pi]!, events[gi]!];
    const vs = checkHistory(events, { quiescent: true, properties: ['group-position'] });
    expect(vs.length).toBeGreaterThan(0);
    expect(vs.every((v) => v.message.includes(`gbcast ${g} `) && v.message.includes(passed))).toBe(true);
  });
});
