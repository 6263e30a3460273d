import 'reflect-metadata';
import type { Delivery } from '@cohort/core';
import { SimulatedNetwork } from '@cohort/core/testing';
import { Injectable } from '@nestjs/common';
import { GroupMember, GroupReplyError, Multicast, OnView, type ViewChange } from '../../src/index.js';
import { AppTracker, startGroup, startMember } from '../support/member-app.js';

@Injectable()
class Tally {
  readonly seen: string[] = [];
  readonly views: string[] = [];

  @Multicast({ order: 'total' })
  async add(item: string, @GroupMember() member?: Delivery): Promise<void> {
    this.seen.push(`${item}:${member!.rank}/${member!.viewSize}`);
  }

  /** Member i of k answers for the numbers below n that are i modulo k. */
  @Multicast({ replies: 'all', gather: 'concat', topic: 'tally.parts' })
  async parts(n: number, @GroupMember() member?: Delivery): Promise<number[]> {
    const out: number[] = [];
    for (let i = member!.rank; i < n; i += member!.viewSize) out.push(i);
    return out;
  }

  @Multicast({ replies: 'majority', gather: (parts) => parts.length })
  async count(): Promise<number> {
    return 1;
  }

  @Multicast({ replies: 'first' })
  async rankOf(@GroupMember() member?: Delivery): Promise<number> {
    return member!.rank;
  }

  @Multicast({ replies: 2 })
  async echo(text: string): Promise<string> {
    return text.toUpperCase();
  }

  @Multicast({ replies: 'all' })
  async refuse(): Promise<never> {
    throw new Error('no, thanks');
  }

  @OnView()
  viewChanged(change: ViewChange): void {
    this.views.push(`${change.kind}:${change.view?.members.length ?? 0}:${this.seen.length}`);
  }
}

describe('@Multicast, @GroupMember and @OnView', () => {
  const tracker = new AppTracker();
  let net: SimulatedNetwork;

  beforeEach(() => {
    net = new SimulatedNetwork({ seed: 21 });
  });
  afterEach(async () => {
    await tracker.closeAll();
    await net.close();
  });

  it('multicasts a call: every member runs the body in the chosen order', async () => {
    const members = await startGroup(tracker, net, ['a', 'b', 'c'], { providers: [Tally] });
    const tallies = members.map((m) => m.get(Tally));
    await expect(tallies[1]!.add('x')).resolves.toBeUndefined();
    await tallies[2]!.add('y');
    await tallies[0]!.add('z');
    expect(await net.runUntil(() => tallies.every((t) => t.seen.length === 3), { timeoutMs: 10_000 })).toBe(true);
    // Total order: one sequence everywhere; each member saw its own rank.
    const order = tallies[0]!.seen.map((s) => s.split(':')[0]);
    tallies.forEach((t, rank) => expect(t.seen).toEqual(order.map((item) => `${item}:${rank}/3`)));
  });

  it('resolves a synchronous @Multicast with the gathered replies', async () => {
    const members = await startGroup(tracker, net, ['a', 'b', 'c'], { providers: [Tally] });
    const tally = members[2]!.get(Tally);
    expect(await tally.parts(10)).toEqual([0, 3, 6, 9, 1, 4, 7, 2, 5, 8]);
    expect(await tally.count()).toBeGreaterThanOrEqual(2);
    expect([0, 1, 2]).toContain(await tally.rankOf());
    const echoed = (await tally.echo('hi')) as unknown as string[];
    expect(echoed.length).toBeGreaterThanOrEqual(2);
    expect(new Set(echoed)).toEqual(new Set(['HI']));
    const refused = await tally.refuse().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GroupReplyError);
    expect((refused as GroupReplyError).code).toBe('REPLY_ERROR');
    expect((refused as GroupReplyError).replies.errors).toHaveLength(3);
  });

  it('calls @OnView in order with deliveries, from the view joined in to the shutdown of others', async () => {
    const a = await startMember(tracker, net, 'a', [], { providers: [Tally] });
    await a.get(Tally).add('before-b');
    const b = await startMember(tracker, net, 'b', ['a'], { providers: [Tally] });
    expect(await net.runUntil(() => a.group.view.members.length === 2 && b.group.view.members.length === 2, { timeoutMs: 10_000 })).toBe(
      true,
    );
    await b.get(Tally).add('after-b');
    expect(await net.runUntil(() => a.get(Tally).seen.length === 2 && b.get(Tally).seen.length === 1, { timeoutMs: 10_000 })).toBe(true);
    await b.close();
    expect(await net.runUntil(() => a.get(Tally).views.length === 3, { timeoutMs: 10_000 })).toBe(true);
    // kind:view size:deliveries before it. a formed the group, delivered one call, saw b join,
    // delivered b's call, saw b leave.
    expect(a.get(Tally).views).toEqual(['installed:1:0', 'installed:2:1', 'installed:1:2']);
    // b's first call is for the view it joined in; it delivered nothing of the view before.
    expect(b.get(Tally).views).toEqual(['installed:2:0']);
  });
});
