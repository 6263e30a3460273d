import type { Clock } from '../env/clock.js';
import type { ClientRequestBody, ClientResultBody } from '../protocol/reply/client.header.js';
import type { Frame } from '../protocol/frames.js';
import { quorumOfCode, type ReplyQuorum } from '../protocol/reply/quorum.js';
import type { Replies } from '../protocol/reply/replies.js';
import { addressOf, type MemberId, type View } from '../protocol/types.js';
import { isWellFormed, RESERVED_TOPIC_PREFIX, TOPIC_LENGTH_MAX } from '../validation/index.js';
import type { Address } from '../wire/wire.js';

/** How long a client stays subscribed to view pushes after its last view query. */
export const CLIENT_LEASE_MS = 5_000;
/** Relayed requests whose outcome is kept for a retrying client; past it the oldest goes. */
const RELAYED_MAX = 1_000;
/** Clients subscribed to view pushes at once; past it the one whose lease ends first goes. */
export const CLIENT_SUBSCRIBERS_MAX = 1_024;

/** Why a member will not take a client's request. */
export interface ClientRefusal {
  readonly code: string;
  readonly message: string;
}

/** What the member side of the client protocol needs from its group member. */
export interface ClientServiceHost {
  readonly clock: Clock;
  /** The member's id and view while it is a member, else null (it cannot serve then). */
  serving(): { me: MemberId; view: View } | null;
  send(from: MemberId, to: Address, body: Frame['body']): void;
  /** Multicasts a client's request as this member's own (executed once per key). */
  relay(request: ClientRequestBody, quorum: ReplyQuorum): Promise<Replies | void>;
  /** Runs a direct request at this member, in order with its deliveries, and replies to `client`. */
  serveDirect(client: MemberId, request: ClientRequestBody, view: View): void;
  /** Re-encodes a reply value for a client-result (the member decoded it). */
  encodeReply(reply: Replies['replies'][number]): { failed: boolean; payload: Uint8Array };
  /**
   * Why the member will not take this request now (one of its group's limits: its payload
   * size, the backlog it would join), or null. Asked only for a request that passed the
   * service's own checks; `direct` tells which backlog.
   */
  refusal(request: ClientRequestBody, direct: boolean): ClientRefusal | null;
}

/**
 * The member's side of "communication from a client to a group": answers view queries (and
 * pushes new views to recent askers), multicasts relayed requests for their clients and
 * hands back the gathered replies, and checks a direct request's view label.
 */
export class ClientService {
  private readonly subscribers = new Map<MemberId, number>();
  private readonly relayed = new Map<string, ClientResultBody | 'running'>();
  private refusedCount = 0;

  constructor(private readonly host: ClientServiceHost) {}

  /** Client requests this member refused (limits, malformed requests): `group.stats.clientRequestsRefused`. */
  get refused(): number {
    return this.refusedCount;
  }

  onFrame(frame: Frame): void {
    const body = frame.body;
    if (body.type === 'view-query') return this.onViewQuery(frame.from);
    if (body.type === 'client-request') return this.onRequest(frame.from, body);
  }

  /** A view was installed: the clients that asked lately learn it now. */
  viewInstalled(me: MemberId, view: View): void {
    const now = this.host.clock.now();
    for (const [client, until] of this.subscribers) {
      if (until < now) this.subscribers.delete(client);
      else this.host.send(me, addressOf(client), { type: 'view-notice', viewId: view.id, members: view.members });
    }
  }

  private onViewQuery(client: MemberId): void {
    const serving = this.host.serving();
    if (!serving) return;
    const now = this.host.clock.now();
    this.subscribers.delete(client);
    if (this.subscribers.size >= CLIENT_SUBSCRIBERS_MAX) {
      for (const [other, until] of this.subscribers) if (until < now) this.subscribers.delete(other);
      // Insertion order is lease order: the first ends first.
      if (this.subscribers.size >= CLIENT_SUBSCRIBERS_MAX) this.subscribers.delete(this.subscribers.keys().next().value!);
    }
    this.subscribers.set(client, now + CLIENT_LEASE_MS);
    this.host.send(serving.me, addressOf(client), { type: 'view-notice', viewId: serving.view.id, members: serving.view.members });
  }

  private onRequest(client: MemberId, request: ClientRequestBody): void {
    const serving = this.host.serving();
    if (!serving) return;
    const { me, view } = serving;
    if (request.viewLabel !== 0) {
      if (request.viewLabel !== view.id) {
        // A stale (or future) label: the client refreshes its view and tries again.
        this.host.send(me, addressOf(client), { type: 'client-reject', call: request.call, viewId: view.id, members: view.members });
        return;
      }
      const refusal = this.malformed(request, true) ?? this.host.refusal(request, true);
      if (refusal) return this.refuse(me, client, request, view, refusal);
      this.host.serveDirect(client, request, view);
      return;
    }
    // The key names the client already (`client id # n`).
    const relayKey = request.key;
    const known = this.relayed.get(relayKey);
    if (known === 'running') return;
    if (known) {
      this.host.send(me, addressOf(client), { ...known, call: request.call });
      return;
    }
    const refusal = this.malformed(request, false) ?? this.host.refusal(request, false);
    if (refusal) return this.refuse(me, client, request, view, refusal);
    this.relayed.set(relayKey, 'running');
    const done = (result: ClientResultBody): void => {
      this.relayed.delete(relayKey);
      this.relayed.set(relayKey, result);
      if (this.relayed.size > RELAYED_MAX) this.relayed.delete(this.relayed.keys().next().value!);
      const now = this.host.serving();
      this.host.send(now?.me ?? me, addressOf(client), result);
    };
    this.host.relay(request, quorumOfCode(request.quorum)).then(
      (replies) =>
        done(
          replies
            ? this.resultOf(request.call, replies)
            : {
                type: 'client-result',
                call: request.call,
                viewId: 0,
                expected: [],
                replies: [],
                failed: [],
                slow: [],
                quorumMet: true,
              },
        ),
      // The member left or was excluded before the request went out: the client retries elsewhere.
      () => this.relayed.delete(relayKey),
    );
  }

  /** What no member takes from a client, whatever its limits: what GroupConnection never sends. */
  private malformed(request: ClientRequestBody, direct: boolean): ClientRefusal | null {
    const topic = request.topic;
    if (topic.length === 0 || topic.length > TOPIC_LENGTH_MAX || !isWellFormed(topic)) {
      return { code: 'INVALID_ARGUMENT', message: 'the topic must be a well-formed string of 1 to 255 characters' };
    }
    if (topic.startsWith(RESERVED_TOPIC_PREFIX))
      return { code: 'INVALID_ARGUMENT', message: `topics starting with "${RESERVED_TOPIC_PREFIX}" are Cohort's own` };
    if (direct && (request.order !== 'fifo' || request.safe)) {
      return { code: 'INVALID_ARGUMENT', message: 'a direct request is fifo and not safe; relay it for another order' };
    }
    return null;
  }

  /** Refuses a request: the client learns why (and the view), the member counts it. */
  private refuse(me: MemberId, client: MemberId, request: ClientRequestBody, view: View, refusal: ClientRefusal): void {
    this.refusedCount++;
    this.host.send(me, addressOf(client), {
      type: 'client-reject',
      call: request.call,
      viewId: view.id,
      members: view.members,
      code: refusal.code,
      message: refusal.message,
    });
  }

  private resultOf(call: number, replies: Replies): ClientResultBody {
    return {
      type: 'client-result',
      call,
      viewId: replies.viewId,
      expected: replies.expected,
      replies: replies.replies.map((reply) => ({
        member: reply.member,
        rank: reply.rank,
        ...(reply.viewId !== undefined && reply.viewId !== replies.viewId ? { viewId: reply.viewId } : {}),
        ...this.host.encodeReply(reply),
      })),
      failed: replies.failed,
      slow: replies.slow,
      quorumMet: replies.quorumMet,
    };
  }
}
