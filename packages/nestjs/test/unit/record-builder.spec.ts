import { InvalidArgumentError } from '@cohort/core';
import { GroupRecord, GroupRecordBuilder } from '../../src/index.js';

describe('GroupRecordBuilder', () => {
  it('builds a record with the per-call options', () => {
    const gather = (parts: unknown[]): number => parts.length;
    const record = new GroupRecordBuilder({ flight: 'AF1981' })
      .setOrder('total')
      .setSafe()
      .setReplies('majority')
      .setTimeout(2_500)
      .setGather(gather)
      .build();
    expect(record).toBeInstanceOf(GroupRecord);
    expect(record.data).toEqual({ flight: 'AF1981' });
    expect(record.options).toEqual({ order: 'total', safe: true, replies: 'majority', timeoutMs: 2_500, gather });
  });

  it('merges setOptions with what was set, and setData replaces the data', () => {
    const record = new GroupRecordBuilder<number>()
      .setData(1)
      .setOptions({ order: 'causal' })
      .setOptions({ replies: 3 })
      .setData(2)
      .build();
    expect(record).toEqual(new GroupRecord(2, { order: 'causal', replies: 3 }));
  });

  it('rejects invalid options when they are set', () => {
    expect(() => new GroupRecordBuilder().setOrder('sideways' as never)).toThrow(InvalidArgumentError);
    expect(() => new GroupRecordBuilder().setReplies(-2)).toThrow(InvalidArgumentError);
    expect(() => new GroupRecordBuilder().setTimeout(0)).toThrow(InvalidArgumentError);
  });
});
