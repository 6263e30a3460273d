import { Multicast } from '@cohort/nestjs';
import { Injectable } from '@nestjs/common';

@Injectable()
export class Greeter {
  readonly name = process.env.MEMBER_NAME ?? 'member';

  // Every member runs the body; the caller gets the members' parts in rank order.
  @Multicast({ order: 'causal', replies: 'all', gather: 'concat' })
  async greet(from: string): Promise<string[]> {
    console.log(`HANDLED ${JSON.stringify({ member: this.name, from })}`);
    return [`${this.name} greets ${from}`];
  }
}
