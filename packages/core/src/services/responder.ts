import type { Frame } from '../protocol/frames.js';
import { CausalContext } from '../context/causal-context.js';
import type { Clock } from '../env/clock.js';
import { CohortError } from '../errors.js';
import type { GroupOptions } from '../group-options.js';
import type { Member } from '../protocol/member.js';
import type { Caller } from '../protocol/reply/caller.js';
import type { ReplyAcks } from '../protocol/reply/reply-acks.js';
import type { RememberedReply } from '../protocol/reply/executed-requests.js';
import type { ReplyError } from '../protocol/reply/replies.js';
import { decodeReply } from '../protocol/reply/reply-decoding.js';
import type { ReplyBody } from '../protocol/reply/reply.header.js';
import { ReplySender } from '../protocol/reply/reply-sender.js';
import { addressOf, type MemberId } from '../protocol/types.js';
import type { Timing } from '../protocol/timing.js';
import type { Endpoint, FrameReceiver } from '../protocol/transport/endpoint.js';
import type { Serializer } from '../util/serializer.js';
import { CALL_TIMEOUT_MS_MAX, codeOf } from '../validation/index.js';
import type { Address } from '../wire/wire.js';

/** What the responder needs from its group. */
export interface ResponderHost {
  readonly group: string;
  readonly options: GroupOptions;
  readonly clock: Clock;
  readonly timing: Timing;
  readonly serializer: Serializer;
  /** This member's calls: the replies it takes off the wire go to them. */
  readonly caller: Caller;
  /** The acks of those replies, each sent with the next frame to its responder. */
  readonly acks: ReplyAcks;
  /** The process's endpoint: replies and acks leave through it (the acks are its riders). */
  readonly endpoint: Endpoint;
  /** The current incarnation of the member. */
  member(): Member;
  /** The members of the view this member installed last, kept across a rejoin: their replies count. */
  lastViewMembers(): readonly MemberId[];
}

/**
 * Both ends of a reply, outside the views' streams: encodes a handler's outcome, sends it to
 * the caller and resends it until acknowledged (ReplySender); at the caller, acknowledges a
 * reply and hands it to its call (Caller). The endpoint routes it the `reply` and `reply-ack`
 * frames, whatever their view.
 */
export class Responder implements FrameReceiver {
  private readonly replySender: ReplySender;
  /** The context text decoded last: the replies to one call mostly carry the same (their responders delivered the same). */
  private lastContext: { readonly text: string; readonly context: CausalContext | undefined } | null = null;

  constructor(private readonly host: ResponderHost) {
    this.replySender = new ReplySender({
      clock: host.clock,
      intervalMs: host.timing.retransmitIntervalMs,
      maxIntervalMs: host.timing.heartbeatIntervalMs * 10,
      retainMs: CALL_TIMEOUT_MS_MAX,
      send: (from, to, body) => this.sendDirect(from, addressOf(to), body),
    });
  }

  encodeValue(value: unknown): RememberedReply {
    try {
      return { failed: false, payload: this.host.serializer.encode(value) };
    } catch (error) {
      return this.encodeError(error);
    }
  }

  encodeError(error: unknown): RememberedReply {
    const described: ReplyError =
      error instanceof Error ? { name: error.name, message: error.message, ...codeOf(error) } : { name: 'Error', message: String(error) };
    return { failed: true, payload: this.host.serializer.encode(described) };
  }

  /** The answer to a retry of a request that ran before this member joined. */
  duplicate(key: string): RememberedReply {
    return this.encodeError(
      new CohortError('DUPLICATE_REQUEST', `request ${key} ran before this member joined; its effect is in the state this member received`),
    );
  }

  sendReply(me: MemberId, to: MemberId, call: number, viewId: number, rank: number, reply: RememberedReply): void {
    const member = this.host.member();
    const causality = member.me === me ? member.causalVector() : null;
    // The member's own vector: nothing to check (CausalContext.of would check and copy it).
    const context = causality ? CausalContext.ofMember(this.host.group, causality) : undefined;
    const body: ReplyBody = {
      type: 'reply',
      to,
      call,
      viewId,
      rank,
      failed: reply.failed,
      payload: reply.payload,
      context: context && to !== me ? context.encode() : '',
      // A retry answered from memory of another view: the value is that view's.
      ...(reply.viewId !== undefined && reply.viewId !== viewId ? { ranIn: { viewId: reply.viewId, rank: reply.rank ?? rank } } : {}),
    };
    if (to === me) {
      // Our own request: the reply goes straight to the call, no wire, its context not encoded.
      this.onReply(me, me, body, context);
      return;
    }
    this.replySender.send(me, body);
  }

  /** A reply to a call of the current incarnation's, or an ack of one of its replies (the endpoint routes only these). */
  onFrame(frame: Frame): void {
    const body = frame.body;
    if (body.type === 'reply-ack') {
      this.replySender.acknowledged(frame.from, body.call);
      return;
    }
    if (body.type !== 'reply') return;
    const me = this.host.member().me;
    if (body.to !== me) return;
    this.host.acks.add(addressOf(frame.from), this.encodeDirect(me, { type: 'reply-ack', call: body.call }));
    this.onReply(me, frame.from, body);
  }

  /** A reply's context, or undefined (none, or one that does not decode: the reply still counts). */
  private decodeContext(text: string): CausalContext | undefined {
    if (!text) return undefined;
    if (this.lastContext?.text === text) return this.lastContext.context;
    let context: CausalContext | undefined;
    try {
      context = CausalContext.decode(text);
    } catch {
      context = undefined;
    }
    this.lastContext = { text, context };
    return context;
  }

  /** A frame outside the views' streams (view 0) from `from`: this member as it was when it took the request. */
  sendDirect(from: MemberId, address: Address, body: Frame['body']): void {
    this.host.endpoint.sendBytes(address, this.encodeDirect(from, body));
  }

  private encodeDirect(from: MemberId, body: Frame['body']): Uint8Array {
    const endpoint = this.host.endpoint;
    return endpoint.encode(endpoint.frame(from, 0, body, this.host.member().epoch));
  }

  /** A view was installed: replies to callers it removed are given up (`previous`: the view before). */
  viewInstalled(previous: readonly MemberId[], members: readonly MemberId[]): void {
    this.replySender.forgetCallersNotIn((caller) => !previous.includes(caller) || members.includes(caller));
  }

  stop(): void {
    this.replySender.stop();
  }

  /** `ownContext`: the context of a reply that did not travel, as it is (a travelling one's is decoded). */
  private onReply(me: MemberId, responder: MemberId, body: ReplyBody, ownContext?: CausalContext): void {
    const member = this.host.member();
    // A reply counts only from a member of this member's view: anyone else's (a hostile
    // process, an incarnation long gone) is dropped, however early it comes.
    if (responder !== me && !this.host.lastViewMembers().includes(responder) && !member.view?.members.includes(responder)) {
      member.stats.framesDropped++;
      return;
    }
    const context = ownContext ?? this.decodeContext(body.context);
    const caller = this.host.caller;
    const request = caller.messageOf(body.call);
    const reply = decodeReply(
      this.host.serializer,
      responder,
      body.ranIn?.rank ?? body.rank,
      body.failed,
      body.payload,
      body.ranIn?.viewId,
    );
    if (caller.reply(body.call, responder, body.viewId, reply, context) && request)
      this.host.options.observer?.replied?.(me, responder, request, body.viewId);
  }
}
