import { Group } from '@cohort/core';
import { SimulatedNetwork } from '@cohort/core/testing';
import { BaseRpcContext, type MessageHandler } from '@nestjs/microservices';
import { EMPTY, Observable, of, throwError } from 'rxjs';
import { GroupContext, GroupServer } from '../../src/index.js';

describe('GroupServer', () => {
  let net: SimulatedNetwork;
  beforeEach(() => {
    net = new SimulatedNetwork({ seed: 3 });
  });
  afterEach(() => net.close());

  it("finds a handler by its topic through Nest's getHandlerByPattern, also where Nest's JSON parse of the pattern would miss it", async () => {
    const group = await Group.join('g', { wire: net.wire('a') });
    const server = new GroupServer({ group });
    const literal = (async () => 'literal') as unknown as MessageHandler;
    const object = (async () => 'object') as unknown as MessageHandler;
    server.addHandler('true', literal);
    server.addHandler({ cmd: 'sum' }, object);
    expect(server.getHandlerByPattern('true')).toBe(literal);
    expect(server.getHandlerByPattern('{"cmd":"sum"}')).toBe(object);
    expect(server.getHandlerByPattern('absent')).toBeNull();
    // Constructed with the group, it holds the deliveries until it listens or closes.
    expect(group.deliveryHolds).toHaveLength(1);
    await server.close();
    expect(group.deliveryHolds).toEqual([]);
    await group.leave();
  });

  // With processing hooks (OpenTelemetry's, say) a delivery goes through Nest's runWithProcessingHooks and
  // handleRequest; without, through the same steps inline: the replies and the waits must be the same.
  for (const hooked of [false, true]) {
    it(`replies with a handler's value, a stream's last value, or its error${hooked ? ', through processing hooks' : ''}`, async () => {
      const group = await Group.join('g', { wire: net.wire('a') });
      const server = new GroupServer({ group });
      const hooks: string[] = [];
      if (hooked) {
        server.setOnProcessingStartHook((_transportId, context, done) => {
          hooks.push(`start:${(context as GroupContext).getPattern()}`);
          return done();
        });
        server.setOnProcessingEndHook((_transportId, context) => {
          hooks.push(`end:${(context as GroupContext).getPattern()}`);
        });
      }
      const handler = (fn: (data: unknown, context: BaseRpcContext) => unknown): MessageHandler => fn as unknown as MessageHandler;
      server.addHandler(
        'value',
        handler(async (data) => `got ${String(data)}`),
      );
      server.addHandler(
        'stream',
        handler(async () => of(1, undefined, 2, undefined)),
      );
      server.addHandler(
        'empty',
        handler(async () => EMPTY),
      );
      server.addHandler(
        'stream-error',
        handler(async () => throwError(() => ({ message: 'refused', code: 'REFUSED' }))),
      );
      server.addHandler(
        'throws',
        handler(() => {
          throw new Error('boom');
        }),
      );
      const events: string[] = [];
      server.addHandler(
        'event',
        handler(
          async (data) =>
            new Observable<void>((subscriber) => {
              setImmediate(() => {
                events.push(`done ${String(data)}`);
                subscriber.complete();
              });
            }),
        ),
        true,
      );
      server.addHandler(
        'after',
        handler(async (data) => {
          events.push(`after ${String(data)}`);
        }),
        true,
      );
      await new Promise<void>((resolve, reject) => server.listen((error) => (error ? reject(error as Error) : resolve())));

      const call = async (topic: string): Promise<unknown> => {
        const replies = await group.multicast(topic, 'x', { replies: 'all' });
        return replies.errors[0]?.error ?? replies.values()[0];
      };
      expect(await call('value')).toBe('got x');
      expect(await call('stream')).toBe(2);
      expect(await call('empty')).toBeUndefined();
      expect(await call('stream-error')).toEqual(expect.objectContaining({ message: 'refused', code: 'REFUSED' }));
      expect(await call('throws')).toEqual(expect.objectContaining({ message: 'boom' }));
      // An event handler's stream holds the next delivery until it completes.
      await group.fbcast('event', 1);
      await group.fbcast('after', 2);
      expect(await net.runUntil(() => events.length === 2, { timeoutMs: 5_000 })).toBe(true);
      expect(events).toEqual(['done 1', 'after 2']);
      if (hooked) {
        const topics = ['value', 'stream', 'empty', 'stream-error', 'throws', 'event', 'after'];
        expect(await net.runUntil(() => hooks.length === 2 * topics.length, { timeoutMs: 5_000 })).toBe(true);
        for (const topic of topics) expect(hooks.filter((h) => h.endsWith(`:${topic}`))).toEqual([`start:${topic}`, `end:${topic}`]);
      }
      await server.close();
      await group.leave();
    });
  }
});
