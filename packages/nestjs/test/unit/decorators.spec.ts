import 'reflect-metadata';
import { InvalidArgumentError, type Delivery } from '@cohort/core';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { GroupMember, Multicast, OnView, type ViewChange } from '../../src/index.js';

class Subject {
  @Multicast({ order: 'causal', replies: 'all', gather: 'concat', topic: 'subject.search' })
  async search(query: string, @GroupMember() member?: Delivery): Promise<string[]> {
    return [query, String(member?.rank)];
  }

  @Multicast()
  async plain(): Promise<void> {}

  @OnView({ kinds: ['excluded'] })
  onExcluded(_change: ViewChange): void {}

  undecorated(): void {}
}

describe('decorators write namespaced metadata only', () => {
  const prototype = Subject.prototype;

  it('@Multicast() stores its options under cohort:multicast', () => {
    expect(Reflect.getMetadata('cohort:multicast', prototype, 'search')).toEqual({
      order: 'causal',
      replies: 'all',
      gather: 'concat',
      topic: 'subject.search',
    });
    expect(Reflect.getMetadata('cohort:multicast', prototype, 'plain')).toEqual({});
    expect(
      Reflect.getMetadataKeys(prototype, 'plain').filter((key: unknown) => typeof key === 'string' && !String(key).startsWith('design:')),
    ).toEqual(['cohort:multicast']);
  });

  it('@GroupMember() stores the parameter index, and lets Nest resolve it in pattern handlers', () => {
    expect(Reflect.getMetadata('cohort:group-member', prototype, 'search')).toBe(1);
    // Nest's own route-argument metadata (read only where the method is a Nest handler).
    const nestArgs = Reflect.getMetadata(ROUTE_ARGS_METADATA, Subject, 'search') as Record<string, { index: number }>;
    expect(Object.values(nestArgs).map((arg) => arg.index)).toEqual([1]);
  });

  it('@OnView() stores the kinds it listens to', () => {
    expect(Reflect.getMetadata('cohort:on-view', prototype, 'onExcluded')).toEqual({ kinds: ['excluded'] });
    expect(Reflect.getMetadataKeys(prototype, 'undecorated')).toEqual([]);
  });

  it('rejects options that could never work, at decoration time', () => {
    expect(() => Multicast({ order: 'random' as never })).toThrow(InvalidArgumentError);
    expect(() => Multicast({ replies: 0 })).toThrow(InvalidArgumentError);
    expect(() => Multicast({ replies: 'most' as never })).toThrow(InvalidArgumentError);
    expect(() => Multicast({ gather: 'merge' as never })).toThrow(InvalidArgumentError);
    expect(() => Multicast({ timeoutMs: -1 })).toThrow(InvalidArgumentError);
    expect(() => Multicast({ safe: 'yes' as never })).toThrow(InvalidArgumentError);
    expect(() => Multicast({ topic: 'x'.repeat(256) })).toThrow(InvalidArgumentError);
    expect(() => Multicast({ topic: 'cohort:audit' })).toThrow('@Multicast() topics starting with "cohort:" are Cohort\'s own');
    expect(() => Multicast({ topic: '' })).toThrow(InvalidArgumentError);
    expect(() => OnView({ kinds: [] })).toThrow(InvalidArgumentError);
    expect(() => OnView({ kinds: ['left' as never] })).toThrow(InvalidArgumentError);
  });
});
