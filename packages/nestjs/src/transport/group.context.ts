import type { Delivery, GroupView, MemberId } from '@cohort/core';
import { BaseRpcContext } from '@nestjs/microservices';

/** The RPC context of a group delivery: `@Ctx() ctx: GroupContext` in a pattern handler. */
export class GroupContext extends BaseRpcContext<[Delivery]> {
  /** The whole delivery: topic, sender, view, rank and view size. */
  getDelivery(): Delivery {
    return this.args[0];
  }

  /** The topic (the normalized pattern) the message was multicast on. */
  getPattern(): string {
    return this.args[0].topic;
  }

  getSender(): MemberId {
    return this.args[0].sender;
  }

  getView(): GroupView {
    return this.args[0].view;
  }

  /** This member's rank in the view the message was delivered in: member i of k. */
  getRank(): number {
    return this.args[0].rank;
  }

  getViewSize(): number {
    return this.args[0].viewSize;
  }
}
