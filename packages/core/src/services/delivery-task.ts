import { CausalContext } from '../context/causal-context.js';
import { releaseTask, whenReleased, type QueueTask, type TaskRelease } from './delivery-queue.js';
import type { DataMessage, MemberId, View } from '../protocol/types.js';

/**
 * One delivery waiting for the handlers: the task of the delivery queue and the ambient store
 * its handler runs in. The handler runs in the causal context of what the member had delivered
 * when it delivered this message, this message included (`causality`, taken then); the
 * CausalContext itself is built the first time something asks for it (CausalContext.current(),
 * a multicast made in the handler, anything the handler started) — most handlers never do.
 */
export class DeliveryTask implements QueueTask {
  release: TaskRelease = false;
  private context: CausalContext | null = null;

  constructor(
    private readonly handle: (me: MemberId, message: DataMessage, view: View) => unknown,
    private readonly me: MemberId,
    private readonly message: DataMessage,
    private readonly view: View,
    private readonly group: string,
    private readonly causality: { viewId: number; deps: number[] } | null,
  ) {}

  run(): unknown {
    return this.handle(this.me, this.message, this.view);
  }

  releaseTask(): void {
    releaseTask(this);
  }

  whenReleased(then: () => void): void {
    whenReleased(this, then);
  }

  causalContext(): CausalContext {
    return (this.context ??= this.causality ? CausalContext.ofMember(this.group, this.causality) : CausalContext.empty);
  }
}
