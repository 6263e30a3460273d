import type { Delivery } from '@cohort/core';
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { GroupContext, GroupMember } from '../../src/index.js';

/** A replicated ledger served through GroupServer: events append, messages answer. */
@Controller()
export class LedgerController {
  readonly entries: string[] = [];

  // <string>: Nest 12's typed EventPattern overload rejects a second (context) parameter otherwise.
  @EventPattern<string>('ledger.add')
  async add(@Payload() entry: string, @Ctx() ctx: GroupContext): Promise<void> {
    // An async handler that takes longer for even entries: were the next delivery not to wait
    // for it, an odd entry would overtake the even one before it.
    const turns = Number(entry.at(-1)) % 2 === 0 ? 3 : 0;
    for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
    this.entries.push(`${entry}@${ctx.getViewSize()}`);
  }

  @MessagePattern('ledger.size')
  size(@GroupMember() member: Delivery): { rank: number; size: number } {
    return { rank: member.rank, size: this.entries.length };
  }

  @MessagePattern('ledger.part')
  part(@Payload() n: number, @Ctx() ctx: GroupContext): number[] {
    const out: number[] = [];
    for (let i = ctx.getRank(); i < n; i += ctx.getViewSize()) out.push(i);
    return out;
  }

  @MessagePattern('ledger.fail')
  fail(@Ctx() ctx: GroupContext): string {
    if (ctx.getRank() === 0) throw new RpcException({ message: 'rank 0 refuses', code: 'REFUSED' });
    return 'fine';
  }

  /** The member of rank 2 never answers (its delivery queue stays blocked: only for the last test of an app). */
  @MessagePattern('ledger.hang')
  hang(@Ctx() ctx: GroupContext): Promise<string> | string {
    return ctx.getRank() === 2 ? new Promise<string>(() => undefined) : 'here';
  }
}
