import type { Clock } from '../../env/clock.js';
import type { FrameBody } from '../frames.js';
import type { DataBody } from '../reliable/reliable.header.js';
import type { View } from '../types.js';

/** Messages in one packed frame at most: a turn stays short. */
export const PACK_MESSAGES_MAX = 1024;

/**
 * Packing (JGroups' bundler): the data this member multicasts in one turn leaves as one frame
 * per member, however many messages, when the turn ends or the pack is full. The endpoint
 * sends the pack before any other frame, so a control frame never overtakes the data this
 * member multicast before it.
 */
export class Bundler {
  private packed: DataBody[] = [];
  private packView: View | null = null;

  /**
   * `send`: hands the pack's body to every other member of the view it was packed in;
   * `alive`: false once the incarnation is gone (what is packed then never leaves).
   */
  constructor(
    private readonly clock: Clock,
    private readonly send: (view: View, body: FrameBody) => void,
    private readonly alive: () => boolean,
  ) {}

  add(view: View, body: DataBody): void {
    if (this.packed.length === 0) {
      this.packView = view;
      this.clock.defer(() => this.flush());
    }
    this.packed.push(body);
    if (this.packed.length >= PACK_MESSAGES_MAX) this.flush();
  }

  /** Sends what is packed now (nothing if empty). */
  flush(): void {
    if (this.packed.length === 0 || !this.packView || !this.alive()) return;
    const messages = this.packed;
    const view = this.packView;
    this.packed = [];
    this.send(view, messages.length === 1 ? messages[0]! : { type: 'pack', messages });
  }
}
