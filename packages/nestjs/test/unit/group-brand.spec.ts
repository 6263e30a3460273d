import { Group, InvalidArgumentError, isGroup } from '@cohort/core';
import { SimulatedNetwork } from '@cohort/core/testing';
import { GroupClient, GroupServer } from '../../src/index.js';

// An application can end up with two copies of @cohort/core (two versions in node_modules):
// a Group made by one copy is not an instance of the other copy's class, so GroupServer and
// GroupClient recognise a Group by its brand, Symbol.for('cohort.group'), not by instanceof.
describe('the Group brand', () => {
  let net: SimulatedNetwork;
  let group: Group;

  beforeEach(async () => {
    net = new SimulatedNetwork({ seed: 1 });
    group = await Group.join('g', { wire: net.wire('a'), seeds: [] });
  });

  afterEach(async () => {
    await group.leave();
    await net.close();
  });

  it('isGroup() is true for a Group and false for anything else', () => {
    expect(isGroup(group)).toBe(true);
    for (const other of [undefined, null, 1, 'group', {}, { group }, Object.create(null)]) expect(isGroup(other)).toBe(false);
    expect(isGroup({ [Symbol.for('cohort.group')]: 'yes' })).toBe(false);
  });

  it('GroupClient and GroupServer take a Group from another copy of core, and refuse what is not one', () => {
    // A stand-in for another copy's Group: its brand, and not this copy's class.
    const foreign = { [Symbol.for('cohort.group')]: true } as unknown as Group;
    expect(foreign).not.toBeInstanceOf(Group);
    expect(() => new GroupClient({ group: foreign })).not.toThrow();
    expect(() => new GroupClient({ group: {} as Group })).toThrow(InvalidArgumentError);
    expect(() => new GroupServer({ group: {} as Group })).toThrow(InvalidArgumentError);
  });
});
