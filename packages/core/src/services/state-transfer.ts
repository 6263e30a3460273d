import { CohortError } from '../errors.js';
import type { GroupOptions } from '../group-options.js';
import { decodeStateEnvelope, encodeStateEnvelope, type StateEnvelope } from '../protocol/membership/state-envelope.js';
import type { ExecutedRequests } from '../protocol/reply/executed-requests.js';
import type { Serializer } from '../util/serializer.js';
import type { DeliveryQueue } from './delivery-queue.js';
import type { GroupEmit } from './dispatcher.js';
import type { GroupState } from './group-state.js';

/** What the state transfer needs from its group. */
export interface StateTransferHost {
  readonly options: GroupOptions;
  readonly serializer: Serializer;
  readonly queue: DeliveryQueue;
  readonly executed: ExecutedRequests;
  readonly state: GroupState;
  readonly emit: GroupEmit;
}

/**
 * The state a joiner starts from: the application's (getState/setState) and the keys of the
 * client requests executed, captured and adopted in order with the deliveries.
 */
export class StateTransfer {
  constructor(private readonly host: StateTransferHost) {}

  /** A new incarnation starts from the state it is given (the executed keys with it). */
  restart(): void {
    this.host.executed.clear();
    this.host.state.stateTransferred = false;
  }

  /** The state for a joiner, captured where the delivery queue has reached. */
  capture(): Promise<Uint8Array> {
    const { options, serializer, queue, executed } = this.host;
    return new Promise((resolve) => {
      queue.push(async () => {
        const executedKeys = executed.keys();
        try {
          const app = options.getState ? serializer.encode(await options.getState()) : null;
          resolve(encodeStateEnvelope({ app, executedKeys }));
        } catch (error) {
          this.host.emit('error', new CohortError('STATE_CAPTURE', 'getState() failed; the joiner receives no state', { cause: error }));
          resolve(encodeStateEnvelope({ app: null, executedKeys }));
        }
      });
    });
  }

  /** This incarnation joined: with the state a member sent, or (null) it formed the group: nothing to transfer. */
  joined(bytes: Uint8Array | null): void {
    if (bytes !== null) this.adopt(bytes);
    else this.host.state.stateTransferred = true;
  }

  private adopt(bytes: Uint8Array): void {
    const { options, serializer, queue, executed, state } = this.host;
    let envelope: StateEnvelope;
    try {
      envelope = decodeStateEnvelope(bytes);
    } catch (error) {
      this.host.emit(
        'error',
        new CohortError('STATE_TRANSFER', 'the state a member sent could not be decoded; this member starts without it', { cause: error }),
      );
      return;
    }
    executed.adopt(envelope.executedKeys);
    if (envelope.app === null || !options.setState) {
      state.stateTransferred = true;
      return;
    }
    const value = serializer.decode(envelope.app);
    // A setState that throws leaves it false: the queue reports the error.
    queue.push(async () => {
      await options.setState!(value);
      state.stateTransferred = true;
    });
  }
}
