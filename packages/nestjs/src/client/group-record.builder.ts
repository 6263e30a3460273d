import type { Order, ReplyQuorum } from '@cohort/core';
import { validateCallOptions, type GroupCallOptions } from '../common/call-options.js';
import type { Gather } from '../common/gather.js';

/** Per-call options of a GroupClient call: order, safe, replies, timeoutMs, gather. */
export type GroupRecordOptions = GroupCallOptions;

/** Data plus per-call options, for `client.send(pattern, record)` / `client.emit(pattern, record)`. */
export class GroupRecord<TData = unknown> {
  constructor(
    readonly data: TData,
    readonly options: GroupRecordOptions = {},
  ) {}
}

/**
 * Builds a GroupRecord, in the style of Nest's RmqRecordBuilder:
 * `new GroupRecordBuilder(data).setOrder('total').setReplies('majority').build()`.
 */
export class GroupRecordBuilder<TData = unknown> {
  private options: GroupRecordOptions = {};

  constructor(private data?: TData) {}

  setData(data: TData): this {
    this.data = data;
    return this;
  }

  /** Merges options into the ones set so far. */
  setOptions(options: GroupRecordOptions): this {
    this.options = { ...this.options, ...validateCallOptions(options, 'options') };
    return this;
  }

  setOrder(order: Order): this {
    return this.setOptions({ order });
  }

  setSafe(safe = true): this {
    return this.setOptions({ safe });
  }

  setReplies(replies: ReplyQuorum): this {
    return this.setOptions({ replies });
  }

  setTimeout(timeoutMs: number): this {
    return this.setOptions({ timeoutMs });
  }

  setGather(gather: Gather): this {
    return this.setOptions({ gather });
  }

  build(): GroupRecord<TData> {
    return new GroupRecord(this.data as TData, { ...this.options });
  }
}
