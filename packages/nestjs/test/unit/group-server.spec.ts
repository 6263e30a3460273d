import { Group } from '@cohort/core';
import { SimulatedNetwork } from '@cohort/core/testing';
import type { MessageHandler } from '@nestjs/microservices';
import { GroupServer } from '../../src/index.js';

describe('GroupServer', () => {
  let net: SimulatedNetwork;
  beforeEach(() => { net = new SimulatedNetwork({ seed: 3 }); });
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
});
