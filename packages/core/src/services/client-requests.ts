import type { Frame } from '../protocol/frames.js';
import type { Clock } from '../env/clock.js';
import { GroupClosedError } from '../errors.js';
import type { DeliveryQueue } from './delivery-queue.js';
import type { Delivery, GroupOptions, GroupView, Order } from '../group-options.js';
import type { Member } from '../protocol/member.js';
import type { ClientRequestBody } from '../protocol/reply/client.header.js';
import type { ExecutedRequests, RememberedReply } from '../protocol/reply/executed-requests.js';
import type { ReplyQuorum } from '../protocol/reply/quorum.js';
import type { Replies } from '../protocol/reply/replies.js';
import type { MemberId, View } from '../protocol/types.js';
import type { Serializer } from '../util/serializer.js';
import type { Address } from '../wire/wire.js';
import type { ClientRefusal, ClientServiceHost } from './client-service.js';
import type { Responder } from './responder.js';

/** The group's limits a client's request is held to. */
export interface ClientRequestLimits {
  readonly payloadBytesMax: number;
  readonly pendingMessagesMax: number;
  /** Direct requests wait in the delivery queue: refused once it holds this many. */
  readonly deliveryQueueMark: number;
}

/** What serving clients needs from its group. */
export interface ClientRequestsHost {
  readonly options: GroupOptions;
  readonly clock: Clock;
  readonly serializer: Serializer;
  readonly queue: DeliveryQueue;
  readonly executed: ExecutedRequests;
  readonly responder: Responder;
  readonly limits: ClientRequestLimits;
  /** The current incarnation of the member (none before the first starts). */
  member(): Member | undefined;
  /** The view the handlers have reached. */
  currentView(): GroupView;
  /** Multicasts issued and not yet sent. */
  pendingMessages(): number;
  /** Multicasts a request and gathers its replies (the group's synchronous multicast). */
  call(
    topic: string,
    bytes: Uint8Array,
    send: { order: Order; safe: boolean; context: undefined },
    quorum: Exclude<ReplyQuorum, 'none'>,
    timeoutMs: number,
    requestKey: string,
  ): Promise<Replies>;
  /** Runs the handler of a request and hands its outcome to `done`. */
  answer(bytes: Uint8Array, delivery: Delivery, done: (reply: RememberedReply) => void): unknown;
}

/**
 * The group's side of the client protocol (ClientService): a relayed request is multicast
 * as this member's own, a direct one runs here once per key in order with the deliveries,
 * and either is refused when it would break one of the group's limits.
 */
export class ClientRequests implements ClientServiceHost {
  readonly clock: Clock;

  constructor(private readonly host: ClientRequestsHost) {
    this.clock = host.clock;
  }

  serving(): { me: MemberId; view: View } | null {
    const member = this.host.member();
    return member?.isMember && member.view ? { me: member.me, view: member.view } : null;
  }

  send(from: MemberId, to: Address, body: Frame['body']): void {
    this.host.responder.sendDirect(from, to, body);
  }

  relay(request: ClientRequestBody, quorum: ReplyQuorum): Promise<Replies | void> {
    const send = { order: request.order, safe: request.safe, context: undefined };
    if (quorum !== 'none') return this.host.call(request.topic, request.payload, send, quorum, request.timeoutMs, request.key);
    return this.host
      .member()!
      .multicast(request.topic, request.payload, { ...send, requestKey: request.key })
      .then((message) => {
        if (!message) throw new GroupClosedError('the member left or was stopped before the request was sent');
      });
  }

  /** A client's direct request, its view label checked: run it here, once per key, and reply. */
  serveDirect(client: MemberId, request: ClientRequestBody, view: View): void {
    const { executed, responder } = this.host;
    const me = this.host.member()!.me;
    const rank = view.members.indexOf(me);
    const key = request.key;
    // Checked and run in delivery order, so a state captured for a joiner holds the effects
    // of exactly the keys it lists.
    this.host.queue.push(() => {
      const known = executed.outcomeOf(key);
      // Still running (the retry overtook it): the reply goes out when it is done.
      if (known === 'running') return undefined;
      if (typeof known === 'object') {
        responder.sendReply(me, client, request.call, known.viewId ?? view.id, known.rank ?? rank, known);
        return undefined;
      }
      this.host.options.observer?.served?.(me, key, view.id);
      if (known === 'elsewhere') {
        // It ran before this member joined: its effect is in the state this member received.
        // Remembered as answered, so a retry is answered from memory (served once).
        const duplicate = { ...responder.duplicate(key), viewId: view.id, rank };
        executed.remember(key, duplicate);
        responder.sendReply(me, client, request.call, view.id, rank, duplicate);
        return undefined;
      }
      executed.remember(key, 'running');
      const delivery: Delivery = {
        topic: request.topic,
        sender: client,
        view: this.host.currentView(),
        rank,
        viewSize: view.members.length,
      };
      return this.host.answer(request.payload, delivery, (reply) => {
        const remembered = { ...reply, viewId: view.id, rank };
        executed.remember(key, remembered);
        responder.sendReply(me, client, request.call, view.id, rank, remembered);
      });
    });
  }

  /** Re-encodes a reply value for a client-result (the member decoded it). */
  encodeReply(reply: Replies['replies'][number]): { failed: boolean; payload: Uint8Array } {
    return reply.error ? { failed: true, payload: this.host.serializer.encode(reply.error) } : this.host.responder.encodeValue(reply.value);
  }

  /** The group's limits hold for a client's request too (a retry of one known here is answered instead). */
  refusal(request: ClientRequestBody, direct: boolean): ClientRefusal | null {
    if (this.host.executed.has(request.key)) return null;
    try {
      // A client's payload is decoded here once, so a payload that cannot be is refused at the
      // door instead of failing at every member that delivers it.
      this.host.serializer.decode(request.payload);
    } catch (error) {
      return {
        code: 'INVALID_ARGUMENT',
        message: `the payload does not decode: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    const { payloadBytesMax, pendingMessagesMax, deliveryQueueMark } = this.host.limits;
    if (request.payload.length > payloadBytesMax) {
      return {
        code: 'PAYLOAD_TOO_LARGE',
        message: `the payload is ${request.payload.length} bytes, more than payloadBytesMax (${payloadBytesMax})`,
      };
    }
    const queued = this.host.queue.length;
    const pending = direct ? 0 : this.host.pendingMessages();
    // Direct requests wait in the delivery queue, relayed ones among the multicasts to send.
    if (direct ? queued >= deliveryQueueMark : pending >= pendingMessagesMax) {
      return {
        code: 'BACKPRESSURE',
        message: direct
          ? `${queued} deliveries wait for the handlers`
          : `${pending} multicasts wait to be sent (pendingMessagesMax ${pendingMessagesMax})`,
      };
    }
    return null;
  }
}
