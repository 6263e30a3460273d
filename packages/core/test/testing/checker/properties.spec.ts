import { checkHistory, PROPERTY_NAMES } from '../../../src/testing/checker/history-checker.js';
import type { PropertyName, Violation } from '../../../src/testing/checker/history-checker.js';
import { BROKEN } from './broken-histories.js';
import { A, B, C, D, HistoryBuilder } from './history-builder.js';

const properties = (vs: readonly Violation[]): string[] => [...new Set(vs.map((v) => v.property))].sort();
const only = (p: PropertyName, events: Parameters<typeof checkHistory>[0]): Violation[] =>
  checkHistory(events, { properties: [p], quiescent: true });

describe('each property is caught, and only it', () => {
  it('has a broken history for every property', () => {
    expect(BROKEN.map((b) => b.property).sort()).toEqual([...PROPERTY_NAMES].sort());
  });

  describe.each(BROKEN)('$property: $story', ({ property, events, mentions }) => {
    it('is reported under its name, naming the offenders', () => {
      const violations = checkHistory(events, { quiescent: true });
      expect(properties(violations)).toEqual([property]);
      for (const v of violations) for (const m of mentions) expect(v.message).toContain(m);
    });

    it('is ignored by every other checker', () => {
      for (const other of PROPERTY_NAMES) {
        if (other !== property) expect(only(other, events)).toEqual([]);
      }
    });
  });
});

describe('view-agreement', () => {
  it('catches a member installing a view it is not in', () => {
    const events = new HistoryBuilder().view(1, [A, B]).view(1, [A, B], [C]).events;
    const vs = only('view-agreement', events);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.message).toContain(`${C} installed view 1`);
    expect(vs[0]?.message).toContain('not in it');
  });

  it('catches a view with a different member set', () => {
    const events = new HistoryBuilder().view(4, [A, B, C], [A, B]).view(4, [A, B], [C]).events;
    expect(
      only('view-agreement', events)
        .map((v) => v.message)
        .join(),
    ).toContain('view 4 differs');
  });
});

describe('view-sequence', () => {
  it('catches a member going back to an older view', () => {
    const events = new HistoryBuilder().view(1, [A, B]).view(2, [A, B]).view(1, [A, B], [A]).events;
    const vs = only('view-sequence', events);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.message).toContain(`${A} installed view 1`);
  });

  it('catches a gap in the group history even when every member skips it', () => {
    const events = new HistoryBuilder().view(1, [A, B]).view(3, [A, B]).events;
    const messages = only('view-sequence', events).map((v) => v.message);
    expect(messages.some((m) => m.includes('view 3 was first installed'))).toBe(true);
    expect(messages.filter((m) => m.includes('skipped view 2'))).toHaveLength(2);
  });

  it("accepts a joiner whose first view is not the group's first", () => {
    const events = new HistoryBuilder().view(5, [A]).view(6, [A, B]).view(7, [A, B, C]).events;
    expect(only('view-sequence', events)).toEqual([]);
  });
});

describe('primary-partition', () => {
  it('counts graceful leavers as staying', () => {
    const events = new HistoryBuilder().view(1, [A, B, C, D]).view(2, [A], [A]).left(B).left(C).crash(D).events;
    // a kept + b, c left = 3 of 4.
    expect(only('primary-partition', events)).toEqual([]);
  });

  it('accepts a restarted member standing in for its crashed incarnation in a group of two', () => {
    const events = new HistoryBuilder().view(1, [A, B]).crash(B).view(2, [A, 'b/2']).events;
    expect(only('primary-partition', events)).toEqual([]);
  });

  it('accepts stand-ins that are no majority when every other member stays', () => {
    const events = new HistoryBuilder().view(1, [A, B, C, D]).crash(C).crash(D).view(2, [A, B, 'c/2', 'd/2']).events;
    expect(only('primary-partition', events)).toEqual([]);
  });

  it('rejects stand-ins that are a majority on their own, or that leave a member of the view out', () => {
    const majority = new HistoryBuilder().view(1, [A, B, C]).crash(B).crash(C).view(2, [A, 'b/2', 'c/2']).events;
    const vs = only('primary-partition', majority);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.message).toContain('keeps 1 of the 3 members');
    expect(vs[0]?.message).toContain('+2 restarted at the same address');
    const missing = new HistoryBuilder().view(1, [A, B, C, D]).crash(C).crash(D).view(2, [A, B, 'c/2']).events;
    expect(only('primary-partition', missing)).toHaveLength(1);
  });

  it('requires a strict majority: half is not enough', () => {
    const events = new HistoryBuilder().view(1, [A, B, C, D]).crash(C).crash(D).view(2, [A, B]).events;
    const vs = only('primary-partition', events);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.message).toContain('keeps 2 of the 4 members');
  });
});

describe('fifo', () => {
  it('catches a hole between two deliveries from one sender in one view', () => {
    const events = new HistoryBuilder()
      .view(1, [A, B])
      .send(A, 'm1', 1)
      .send(A, 'm2', 1)
      .send(A, 'm3', 1)
      .deliver(B, 'm1', A, 1)
      .deliver(B, 'm3', A, 1).events;
    const vs = only('fifo', events);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.message).toContain('m3');
    expect(vs[0]?.message).toContain('[m2]');
  });

  it('keeps senders apart: interleaving two senders differently is fine', () => {
    const events = new HistoryBuilder()
      .view(1, [A, B])
      .send(A, 'a1', 1)
      .send(B, 'b1', 1)
      .deliver(A, 'a1', A, 1)
      .deliver(A, 'b1', B, 1)
      .deliver(B, 'b1', B, 1)
      .deliver(B, 'a1', A, 1).events;
    expect(only('fifo', events)).toEqual([]);
  });
});

describe('view-synchrony', () => {
  it('catches a message delivered in another view than it was sent in', () => {
    const events = new HistoryBuilder()
      .view(1, [A, B])
      .send(A, 'm1', 1)
      .deliver(A, 'm1', A, 1)
      .view(2, [A, B], [B])
      .deliver(B, 'm1', A, 2).events;
    const messages = only('view-synchrony', events).map((v) => v.message);
    expect(messages.some((m) => m.includes('m1 was sent by a/1 in view 1 but delivered by b/1 in view 2'))).toBe(true);
  });

  it("catches a delivery tagged with a view that is not the member's installed view", () => {
    const events = new HistoryBuilder()
      .view(1, [A, B])
      .view(2, [A, B], [A])
      .send(A, 'm1', 2)
      .deliver(A, 'm1', A, 2)
      .deliver(B, 'm1', A, 2).events;
    const vs = only('view-synchrony', events);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.message).toContain('b/1 delivered m1 tagged view 2');
    expect(vs[0]?.message).toContain('installed view was 1');
  });

  it("catches a send tagged with a view that is not the sender's installed view", () => {
    const events = new HistoryBuilder().view(1, [A]).send(A, 'm1', 2).events;
    expect(only('view-synchrony', events)[0]?.message).toContain('a/1 sent m1 tagged view 2');
  });

  it("reports a crashed sender's message that reached only some survivors (all or none)", () => {
    const events = new HistoryBuilder().view(1, [A, B, C]).send(C, 'm1', 1).deliver(A, 'm1', C, 1).crash(C).view(2, [A, B]).events;
    const vs = only('view-synchrony', events);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.message).toContain('only a/1 delivered 1 [m1]; only b/1 delivered nothing');
  });

  it('names at most 5 differing ids but gives their count', () => {
    const h = new HistoryBuilder().view(1, [A, B]);
    for (let i = 0; i < 8; i++) h.multicast(A, `x${i}`, 1, [A]);
    const vs = only('view-synchrony', h.view(2, [A, B]).events);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.message).toContain('only a/1 delivered 8 [x0, x1, x2, x3, x4, …]');
  });
});

describe('self-delivery', () => {
  it('catches a sender that is alive at the end without its own message', () => {
    const events = new HistoryBuilder().view(1, [A, B]).send(A, 'm1', 1).deliver(B, 'm1', A, 1).events;
    const vs = only('self-delivery', events);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.message).toContain('a/1 is alive at the end');
    expect(vs[0]?.message).toContain('m1');
  });

  it('excuses a sender that crashed, left or was excluded before the next view', () => {
    for (const exit of ['crash', 'left', 'excluded'] as const) {
      const h = new HistoryBuilder().view(1, [A, B]).send(A, 'm1', 1);
      h[exit](A);
      expect(only('self-delivery', h.view(2, [B]).events)).toEqual([]);
    }
  });
});

describe('integrity', () => {
  it('catches a delivery with no send before it', () => {
    const events = new HistoryBuilder().view(1, [A, B]).deliver(B, 'ghost', A, 1).send(A, 'ghost', 1).events;
    expect(only('integrity', events)[0]?.message).toContain('no send of ghost came before');
  });

  it('catches a wrong sender or view', () => {
    const events = new HistoryBuilder().view(1, [A, B]).send(A, 'm1', 1).deliver(B, 'm1', B, 2).events;
    const message = only('integrity', events)[0]?.message ?? '';
    expect(message).toContain('sender b/1 instead of a/1');
    expect(message).toContain('view 2 instead of 1');
  });

  it('catches an id sent twice', () => {
    const events = new HistoryBuilder().view(1, [A, B]).send(A, 'm1', 1).send(B, 'm1', 1).events;
    expect(only('integrity', events)[0]?.message).toContain('message id m1 sent twice');
  });
});

describe('after-exit', () => {
  it('reports each exited member once, with the count of its later events', () => {
    const events = new HistoryBuilder()
      .view(1, [A, B])
      .left(A)
      .view(2, [A, B], [A])
      .deliver(A, 'x', B, 2)
      .excluded(B)
      .send(B, 'y', 1).events;
    const messages = only('after-exit', events).map((v) => v.message);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain("a/1 acted after its 'left'");
    expect(messages[0]).toContain('2 event(s), the first a install of view 2');
    expect(messages[1]).toContain("b/1 acted after its 'excluded'");
  });
});

describe('replies', () => {
  it('catches a reply to a request the responder never delivered, and a second reply from one member', () => {
    const events = new HistoryBuilder()
      .view(1, [A, B])
      .multicast(A, 'm1', 1, [A, B])
      .reply(A, B, 'ghost', 1)
      .reply(A, B, 'm1', 1)
      .reply(A, B, 'm1', 1).events;
    const messages = only('replies', events).map((v) => v.message);
    expect(messages).toHaveLength(2);
    expect(messages.some((m) => m.includes('second reply from b/1 to m1'))).toBe(true);
    expect(messages.some((m) => m.includes('ghost') && m.includes('never delivered'))).toBe(true);
  });
});

describe('survivor-delivery', () => {
  it('is checked only when the run was quiescent', () => {
    const broken = BROKEN.find((b) => b.property === 'survivor-delivery');
    expect(broken).toBeDefined();
    expect(checkHistory(broken?.events ?? [])).toEqual([]);
    expect(checkHistory(broken?.events ?? [], { quiescent: false })).toEqual([]);
  });

  it('compares only members alive in the same last view', () => {
    const events = new HistoryBuilder()
      .view(1, [A, B, C])
      .multicast(A, 'm1', 1, [A, B, C])
      .multicast(A, 'm2', 1, [A])
      .crash(C)
      .left(B).events;
    // b left and c crashed: only a is alive.
    expect(only('survivor-delivery', events)).toEqual([]);
  });
});

describe('each checker ignores the events it does not care about', () => {
  // For each property, a history of wild events of only the kinds (or of the situations)
  // that it does not judge.
  const wild: Record<PropertyName, Parameters<typeof checkHistory>[0]> = {
    'view-agreement': new HistoryBuilder().deliver(A, 'ghost', B, 9).deliver(A, 'ghost', B, 9).send(B, 'z', 3).crash(A).crash(A).left(C)
      .events,
    'view-sequence': new HistoryBuilder().send(A, 'z', 7).deliver(B, 'z', C, 2).crash(A).excluded(A).left(B).events,
    'primary-partition': new HistoryBuilder().view(1, [A, B, C], [A]).send(A, 'z', 1).crash(B).crash(C).excluded(A).events,
    fifo: new HistoryBuilder().view(3, [A], [B]).view(1, [C, A]).left(A).crash(A).deliver(B, 'ghost', A, 1).events,
    'view-synchrony': new HistoryBuilder().view(1, [A, B]).crash(A).left(A).excluded(B).crash(C).events,
    'self-delivery': new HistoryBuilder().view(1, [A, B]).send(A, 'm1', 1).deliver(B, 'ghost', C, 4).crash(A).view(2, [B]).events,
    'no-duplicate': new HistoryBuilder().view(2, [A]).view(1, [B]).send(A, 'm', 5).send(A, 'm', 5).crash(A).crash(A).events,
    integrity: new HistoryBuilder().view(4, [A], [B]).view(2, [C]).crash(B).left(B).excluded(C).events,
    'after-exit': new HistoryBuilder().view(1, [A, B]).crash(A).crash(A).left(A).send(B, 'm', 1).deliver(B, 'ghost', A, 1).view(3, [C], [B])
      .events,
    'survivor-delivery': new HistoryBuilder().view(1, [A, B]).multicast(A, 'm', 1, [A]).crash(A).events,
    // fifo and group messages out of order, concurrent cbcasts in any order, unknown context tokens.
    causal: new HistoryBuilder()
      .view(1, [A, B])
      .contextIn(B, 'nobody-sent-this')
      .send(A, 'm1', 1)
      .send(A, 'm2', 1)
      .deliver(B, 'm2', A, 1)
      .deliver(B, 'm1', A, 1)
      .cbcast(A, 'c1', 1)
      .cbcast(B, 'c2', 1)
      .deliver(A, 'c2', B, 1)
      .deliver(A, 'c1', A, 1)
      .deliver(B, 'c1', A, 1)
      .deliver(B, 'c2', B, 1)
      .deliver(C, 'ghost', A, 1).events,
    // cbcasts and fifo messages in different orders; a lone abcast.
    'total-agreement': new HistoryBuilder()
      .view(1, [A, B])
      .cbcast(A, 'c1', 1)
      .cbcast(B, 'c2', 1)
      .abcast(B, 't1', 1)
      .deliver(A, 'c1', A, 1)
      .deliver(A, 'c2', B, 1)
      .deliver(B, 'c2', B, 1)
      .deliver(B, 'c1', A, 1)
      .deliver(A, 't1', B, 1).events,
    // gbcast delivered by a member without a view, and in different views (view-synchrony's business).
    'group-position': new HistoryBuilder()
      .gbcast(A, 'g0', 1)
      .deliver(A, 'g0', A, 1)
      .view(1, [A, B], [A])
      .view(2, [A, B], [B])
      .gbcast(A, 'g1', 1)
      .multicast(B, 'm1', 2, [B])
      .deliver(A, 'g1', A, 1)
      .deliver(B, 'g1', A, 2).events,
    // a message that is not safe delivered only by a crashed member; a safe one nobody delivered.
    safe: new HistoryBuilder().view(1, [A, B, C]).multicast(C, 'm1', 1, [C]).sendWith(C, 'm2', 1, { safe: true }).crash(C).view(2, [A, B])
      .events,
    // a fifo message depending on a lost one; a cbcast depending on a lost message of an older view.
    orphans: new HistoryBuilder()
      .view(1, [A, B, C])
      .multicast(C, 'm1', 1, [C])
      .handOver(C, A, 'c-calls-a')
      .multicast(A, 'm2', 1, [A, B])
      .crash(C)
      .view(2, [A, B])
      .multicast(A, 'm3', 2, [A, B], { order: 'causal' }).events,
    // messages of crashed senders, and of a view the alive member never installed.
    'eventual-delivery': new HistoryBuilder()
      .view(1, [A, B, C])
      .multicast(C, 'm1', 1, [C])
      .crash(C)
      .view(2, [A, B], [A])
      .multicast(A, 'm2', 2, [A])
      .crash(B).events,
    // replies that match a delivery or a direct execution, in any order of the history.
    replies: new HistoryBuilder()
      .view(1, [A, B])
      .reply(A, B, 'm1', 1)
      .multicast(A, 'm1', 1, [A, B])
      .serve(B, 'client#1', 1)
      .reply('client/1', B, 'client#1', 1).events,
    // a crashed sender's lost message; an excluded sender's lost message it reported (before its
    // exclusion); a message of a view nobody survived; blocked members.
    'no-silent-loss': new HistoryBuilder()
      .view(1, [A, B, C, D])
      .multicast(D, 'm0', 1, [D])
      .crash(D)
      .multicast(C, 'm1', 1, [C])
      .unconfirmed(C, ['m1'])
      .excluded(C)
      .blocked(A)
      .unblocked(A)
      .view(2, [A, B])
      .multicast(A, 'm2', 2, [A])
      .blocked(B)
      .left(A)
      .crash(B).events,
    // Views, sends and replies are not its business; a member that exited may stop short (an
    // excluded one handles after its exit); a crashed one's handler runs are ignored after the
    // crash; deliveries repeated are counted once.
    handled: new HistoryBuilder()
      .view(1, [A, B, C, D])
      .multicast(A, 'm1', 1, [A, B, C, D])
      .deliver(A, 'm1', A, 1)
      .multicast(A, 'm2', 1, [A, B, C, D])
      .handled(A, 'm1', 'm2')
      .handled(B, 'm1')
      .excluded(B)
      .handled(B, 'm2')
      .handled(C, 'm1')
      .crash(C)
      .handled(C, 'ghost', 'm1', 'm1')
      .left(D)
      .view(2, [A])
      .reply(A, B, 'm1', 1).events,
    // One key served once by each of several members, in either way; keys alike at one member
    // but different; a rejoined process is another member.
    'at-most-once': new HistoryBuilder()
      .view(1, [A, B, C])
      .multicast(A, 'm1', 1, [A, B, C])
      .serve(A, 'client/1#1', 1, 'm1')
      .serve(B, 'client/1#1', 1, 'm1')
      .serve(C, 'client/1#1', 1)
      .serve(A, 'client/1#2', 1)
      .serve(A, 'client/2#1', 1)
      .multicast(C, 'm2', 1, [A, B, C])
      .crash(B)
      .serve('b/2', 'client/1#1', 2).events,
  };

  it.each(PROPERTY_NAMES)('%s', (property) => {
    expect(only(property, wild[property])).toEqual([]);
  });
});
