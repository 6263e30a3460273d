import { FlowLayer } from './flow/flow-layer.js';
import type { LayerContext } from './incarnation.js';
import { MembershipLayer } from './membership/membership-layer.js';
import { OrderLayer } from './order/order-layer.js';
import { ReliableLayer } from './reliable/reliable-layer.js';
import { TransportLayer } from './transport/transport-layer.js';

/**
 * The protocol stack of one member incarnation, top to bottom (as JGroups' tcp.xml lists
 * its protocols, but top first). A multicast goes down this list from Member.multicast(); a
 * frame from the wire comes up it to MemberEvents.deliver. Each layer's folder has a README
 * stating its invariant.
 */
export const STACK = [
  /** flow/: the outbox; the send window (unstable own messages, lagging members); flush() waiters. */
  'flow',
  /** order/: down, each multicast's order header (vector timestamp); up, OrderStage: fifo, causal, total, group, safe. */
  'order',
  /** reliable/: seqs per view, NAKs and retransmission, heartbeats with acks, stability and GC. */
  'reliable',
  /** membership/: the view gate, joins, leaves, failure detection, view change (flush by Paxos), install. */
  'membership',
  /** transport/: frames to and from the wire: epoch, group, packing per turn, decoding, self-delivery. */
  'transport',
] as const;

/**
 * The layers built and wired (the transport first, then top to bottom). Each layer sees the one below through a small
 * interface (events down) and the one above through another (events up); the wiring is all
 * here, so the layers know nothing of each other's classes.
 */
export class Stack {
  readonly flow: FlowLayer;
  readonly order: OrderLayer;
  readonly reliable: ReliableLayer;
  readonly membership: MembershipLayer;
  readonly transport: TransportLayer;

  constructor(private readonly ctx: LayerContext) {
    // Each layer is handed the one below through its interface (events down) and the one above
    // through another (events up); the calls up are bound lazily, so the order of building
    // matters only for the layer below: the transport first.
    this.transport = new TransportLayer(ctx, {
      onFrame: (frame) => this.membership.gate.onFrame(frame),
      acceptsAnyEpoch: (frame) => this.membership.gate.acceptsAnyEpoch(frame),
      noteSeed: (address, outcome) => this.membership.joiner.noteSeed(address, outcome),
      onPeerDown: (address, reason) => this.membership.onPeerDown(address, reason),
    });

    const channel = () => this.reliable.channel;
    const isOpen = () => this.membership.isOpen;

    this.flow = new FlowLayer(ctx, {
      channel,
      isOpen,
      send: (topic, payload, options) => this.order.send(topic, payload, options),
      deliverReady: () => this.order.deliverReady(),
    });

    this.order = new OrderLayer(
      ctx,
      {
        channel,
        isOpen,
        send: (topic, payload, meta) => this.reliable.send(topic, payload, meta),
      },
      {
        stabilityMoved: () => this.flow.drainOutbox(),
      },
    );

    this.reliable = new ReliableLayer(
      ctx,
      {
        send: (to, body) => this.membership.send(to, body),
        multicast: (view, body) => this.transport.multicast(view, body),
      },
      {
        received: () => this.order.deliverReady(),
        stabilityMoved: () => this.order.onStable(),
        peerLoad: (member, slow) => this.flow.peerLoad(member, slow),
        peerFlushing: (member, flushing) => this.membership.peerFlushing(member, flushing),
        flushing: () => this.membership.blocked || this.order.hasPendingGroup,
      },
    );

    this.membership = new MembershipLayer(ctx, this.transport, {
      channel,
      streamFrame: (from, rank, body) => this.reliable.onFrame(from, rank, body),
      sequenceProblem: (rank, body) => this.reliable.sequenceProblem(rank, body),
      viewInstalled: (view, myRank) => {
        this.reliable.newView(view, myRank);
        this.order.newView(view, myRank);
        this.flow.newView();
      },
      viewOpened: () => this.flow.drainOutbox(),
      promised: () => {
        this.reliable.channel!.freezeAcks();
        this.order.forgetUnannounced();
      },
      accepted: () => this.reliable.channel!.freezeAcks(),
      applyCut: (value) => {
        if (!this.reliable.applyCut(value, (rank, message) => this.order.acceptAtCut(rank, message))) return false;
        this.order.drainAtCut();
        return true;
      },
      heartbeat: (flushing) => this.reliable.heartbeat(flushing),
      sendHeartbeats: () => this.reliable.sendHeartbeats(),
      sendNaks: () => this.reliable.sendNaks(),
      hasPendingGroup: () => this.order.hasPendingGroup,
      unconfirmed: (install) => this.reliable.unconfirmed(install),
      handOver: () => this.flow.handOver(),
      stop: () => this.stop(),
    });
  }

  /** Listens on the wire, then joins (or forms) the group. */
  start(): void {
    this.transport.start();
    this.membership.start();
  }

  /** Stops everything at once (a crash as far as the others can tell). */
  stop(): void {
    const life = this.ctx.life;
    if (life.phase === 'gone') return;
    life.phase = 'gone';
    this.membership.proposer?.stop();
    life.cancelTimers();
    // Possibly from inside a delivery (a slow consumer stops itself): nothing more is delivered.
    this.order.stop();
    this.flow.stop();
  }
}
