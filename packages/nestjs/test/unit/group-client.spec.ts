import { Group, InvalidArgumentError } from '@cohort/core';
import { SimulatedNetwork } from '@cohort/core/testing';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { GroupClient, GroupRecord, GroupRecordBuilder } from '../../src/index.js';

/** What Nest's ClientProxy promises of emit() and send(), which GroupClient implements without Nest's chain. */
describe('GroupClient observables', () => {
  let net: SimulatedNetwork;
  beforeEach(() => {
    net = new SimulatedNetwork({ seed: 5 });
  });
  afterEach(() => net.close());

  it('emit() is hot: sent without a subscriber; undefined then complete; a later subscriber gets the completion only', async () => {
    const group = await Group.join('g', { wire: net.wire('a') });
    const seen: unknown[] = [];
    group.handle('t', (payload) => {
      seen.push(payload);
    });
    const client = new GroupClient({ group });
    const statuses: string[] = [];
    client.status.subscribe((status) => statuses.push(status));

    const unobserved = client.emit('t', 1);
    const observed = client.emit('t', 2);
    expect(await lastValueFrom(observed.pipe(toArray()))).toEqual([undefined]);
    expect(await net.runUntil(() => seen.length === 2, { timeoutMs: 5_000 })).toBe(true);
    expect(seen).toEqual([1, 2]);
    expect(await lastValueFrom(unobserved.pipe(toArray()))).toEqual([]);
    expect(statuses).toEqual(['connected']);
    await group.leave();
  });

  it('emit() fails through its observable: a quorum, an invalid record, a missing pattern; a failure nobody observes goes nowhere', async () => {
    const group = await Group.join('g', { wire: net.wire('a') });
    group.handle('t', () => undefined);
    const client = new GroupClient({ group });
    const quorum = client.emit('t', new GroupRecordBuilder('x').setReplies('all').build());
    await expect(lastValueFrom(quorum)).rejects.toThrow(/send\(\)/);
    // Subscribed after the failure: the same error.
    await expect(firstValueFrom(quorum)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(lastValueFrom(client.emit('t', new GroupRecord('x', { order: 'bogus' } as never)))).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(lastValueFrom(client.emit('t', undefined))).rejects.toThrow(/invalid data or message pattern/);
    client.emit('t', new GroupRecordBuilder('x').setReplies('all').build());
    await net.sleep(100);
    await group.leave();
  });

  it('send() is cold: nothing is sent until it is subscribed, each subscription sends once', async () => {
    const group = await Group.join('g', { wire: net.wire('a') });
    let calls = 0;
    group.handle('r', (payload) => {
      calls++;
      return payload;
    });
    const client = new GroupClient({ group });
    const call = client.send<unknown[]>('r', 'ping');
    await net.sleep(100);
    expect(calls).toBe(0);
    expect(await lastValueFrom(call.pipe(toArray()))).toEqual([['ping']]);
    expect(await lastValueFrom(call)).toEqual(['ping']);
    expect(calls).toBe(2);
    expect(await lastValueFrom(client.send('r', new GroupRecordBuilder('ping').setReplies('none').build()).pipe(toArray()))).toEqual([]);
    await expect(lastValueFrom(client.send('r', null))).rejects.toThrow(/invalid data or message pattern/);
    await group.leave();
  });
});
