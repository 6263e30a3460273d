import { GroupClosedError } from '../errors.js';
import type { SendOptions } from '../protocol/member-api.js';
import type { DataMessage } from '../protocol/types.js';

/** The settling functions of the promise being made (see `capture`). */
let capturedResolve: () => void = () => undefined;
let capturedReject: (error: unknown) => void = () => undefined;

/** The one executor of every AsyncMulticast's promise: no closure is made per multicast. */
function capture(resolve: () => void, reject: (error: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/**
 * An asynchronous multicast (no replies) on its way out: an outbox entry of the member and the
 * promise its caller holds, in one object. The promise resolves once the member sequenced and
 * sent the message, and rejects with GroupClosedError if it never will (the member left or
 * was stopped first), as `multicast()` promises (docs/delivery.md). One object and one promise
 * per multicast: a sender issues tens of thousands a second, and with AsyncLocalStorage in use
 * every promise costs its hooks.
 */
export class AsyncMulticast {
  readonly promise: Promise<void>;
  private readonly resolve: () => void;
  private readonly reject: (error: unknown) => void;

  constructor(
    readonly topic: string,
    readonly payload: Uint8Array,
    public options: SendOptions,
  ) {
    this.promise = new Promise<void>(capture);
    this.resolve = capturedResolve;
    this.reject = capturedReject;
  }

  /** The member's word, as `entry.sent(message)`: sent, or (null) never to be. */
  sent(message: DataMessage | null): void {
    if (message) this.resolve();
    else this.reject(new GroupClosedError('the member left or was stopped before the message was sent'));
  }
}
