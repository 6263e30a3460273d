import { InvalidArgumentError, type Address, type Clock, type PeerDownReason, type TimerHandle, type Wire } from '@cohort/core';
import { connect, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { AddressInUseError, NatsConnectError } from './errors.js';
import { resolveNatsWireOptions, type NatsWireOptions, type ResolvedNatsWireOptions } from './options.js';
import {
  bare,
  decodeFragment,
  decodeFrames,
  decodeGroupFrames,
  decodeHeader,
  encodeFragment,
  FRAGMENT_FIELDS_BYTES,
  FramesPacker,
  GroupPacker,
  HeaderBytes,
  Kind,
  PacketError,
} from './packet.js';
import { isValidAddress, Subjects } from './subjects.js';

/** A snapshot of a NatsWire's counters (wire.stats). */
export interface NatsWireStats {
  /** Frames handed to the NATS client (each destination of a group frame counts once: it is one frame). */
  framesSent: number;
  framesReceived: number;
  /** Frame bytes (without packet headers). */
  bytesSent: number;
  bytesReceived: number;
  /** NATS messages published (packets), point-to-point and group. */
  publishes: number;
  /** Of which on the group subject. */
  groupPublishes: number;
  /** Frames that went out on the group subject (once each, whatever the number of members). */
  groupFrames: number;
  /** Frames sent in fragments (each bigger than one NATS message). */
  fragmentedFrames: number;
  packetsReceived: number;
  /** Frames dropped: sent after close, to a malformed address, over a limit, or not publishable. */
  framesDropped: number;
  oversizedFrames: number;
  /** Packets that did not parse, or fragments out of sequence. */
  malformedPackets: number;
  receiverErrors: number;
  /** "No responders" statuses received (data packets and probes). */
  noResponders: number;
  probes: number;
  peersDown: number;
  disconnects: number;
  reconnects: number;
  /** Packets published from the hold after a reconnect. */
  heldPublished: number;
  /** Bytes waiting now (this turn's frames and packets held while disconnected). */
  bufferedBytes: number;
  /** The NATS client's state as this wire last saw it. */
  connection: 'connected' | 'reconnecting' | 'closed';
  /** The server this wire is connected to ("host:port"), '' while reconnecting. */
  server: string;
}

interface SharedEntry {
  copy: Uint8Array;
  to: Address[];
}

interface Publish {
  subject: string;
  packet: Uint8Array;
  reply?: string;
  /** Frames and their bytes in the packet (for the counters). */
  frames: number;
  bytes: number;
  group: boolean;
}

interface Suspect {
  probing: boolean;
  timer: TimerHandle;
}

interface Partial {
  frameId: number;
  total: number;
  received: number;
  bytes: Uint8Array;
}

/** Reassembly state kept for at most this many senders at once (the oldest is dropped). */
const MAX_PARTIALS = 16;
/** Senders tracked for "peer down" at once; more are ignored until some are settled. */
const MAX_SUSPECTS = 1024;
const FALLBACK_MAX_PAYLOAD = 1024 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

/**
 * Creates a wire over NATS core subjects and connects it (see README.md). Rejects with
 * InvalidArgumentError for bad options, NatsConnectError (WIRE_CONNECT) when no server
 * accepts the connection, AddressInUseError (WIRE_ADDRESS_IN_USE) when a live wire already
 * holds `address`.
 */
export async function natsWire(options: NatsWireOptions): Promise<NatsWire> {
  const resolved = resolveNatsWireOptions(options);
  let nc: NatsConnection;
  try {
    nc = await connect(resolved.connection);
  } catch (error) {
    throw new NatsConnectError(resolved.servers, error);
  }
  const wire = new NatsWire(nc, resolved);
  try {
    await wire.start();
  } catch (error) {
    await wire.close().catch(() => undefined);
    throw error;
  }
  return wire;
}

/**
 * A Wire over NATS. Point-to-point frames are published on the receiver's member subject;
 * with `group`, a frame sent to two or more members in one turn is published once on the
 * group subject, naming its receivers. Frames are packed: one publish per subject per turn
 * (the clock's defer), split at the server's max_payload, a bigger frame in fragments.
 */
export class NatsWire implements Wire {
  readonly address: Address;
  private readonly subjects: Subjects;
  private readonly header: HeaderBytes;
  private readonly instance: number;
  private readonly timers: Clock;
  private receiver: (from: Address, frame: Uint8Array) => void = () => undefined;
  private peerDownListener: ((address: Address, reason: PeerDownReason) => void) | undefined;
  private readonly subscriptions: Subscription[] = [];

  private closed = false;
  private closing: Promise<void> | null = null;
  private connected = true;
  private natsClosed = false;

  // This turn's frames.
  private scheduled = false;
  private readonly direct = new Map<Address, Uint8Array[]>();
  private readonly shared = new Map<Uint8Array, SharedEntry>();
  private sharedOrder: SharedEntry[] = [];
  private selfFrames: Uint8Array[] = [];
  private turnBytes = 0;
  /** Packets waiting for a reconnect. */
  private held: Publish[] = [];
  private heldBytes = 0;

  private readonly suspects = new Map<Address, Suspect>();
  /** When this wire last published to a peer's member subject with a reply subject ("no responders" can come back). */
  private readonly lastDirect = new Map<Address, number>();
  private readonly partials = new Map<Address, Partial>();
  private nextFrameId = 1;
  private checkResult: ((result: 'taken' | 'free') => void) | null = null;
  private readonly discoveries = new Set<{ found: Set<string>; done: () => void }>();

  private readonly counters = {
    framesSent: 0,
    framesReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    publishes: 0,
    groupPublishes: 0,
    groupFrames: 0,
    fragmentedFrames: 0,
    packetsReceived: 0,
    framesDropped: 0,
    oversizedFrames: 0,
    malformedPackets: 0,
    receiverErrors: 0,
    noResponders: 0,
    probes: 0,
    peersDown: 0,
    disconnects: 0,
    reconnects: 0,
    heldPublished: 0,
  };

  /** Use natsWire(): the constructor takes a connected client and does not subscribe yet. */
  constructor(
    private readonly nc: NatsConnection,
    private readonly options: ResolvedNatsWireOptions,
  ) {
    this.address = options.address;
    this.timers = options.clock;
    this.instance = (options.random.int(0x10000) * 0x10000 + options.random.int(0x10000)) >>> 0;
    this.subjects = new Subjects(options.subjectPrefix, options.address, options.group);
    this.header = new HeaderBytes(options.address, this.instance);
  }

  /** The group subject's name, and whether frames fan out there. */
  get groupSubject(): string | undefined {
    return this.subjects.group;
  }

  get stats(): NatsWireStats {
    return {
      ...this.counters,
      bufferedBytes: this.turnBytes + this.heldBytes,
      connection: this.natsClosed ? 'closed' : this.connected ? 'connected' : 'reconnecting',
      server: this.connected && !this.natsClosed ? this.nc.getServer() : '',
    };
  }

  /** The NATS connection underneath (to share it, e.g. for discovery or the application's own subjects). */
  get connection(): NatsConnection {
    return this.nc;
  }

  /** Subscribes, makes sure the server has the subscriptions, and checks the address is free. */
  async start(): Promise<void> {
    const s = this.subjects;
    this.subscriptions.push(this.nc.subscribe(s.member, { callback: (error, msg) => this.onPacket(error, msg, false) }));
    this.subscriptions.push(this.nc.subscribe(s.replies, { callback: (error, msg) => this.onReply(error, msg) }));
    if (s.group !== undefined)
      this.subscriptions.push(this.nc.subscribe(s.group, { callback: (error, msg) => this.onPacket(error, msg, true) }));
    if (s.discover !== undefined)
      this.subscriptions.push(this.nc.subscribe(s.discover, { callback: (error, msg) => this.onDiscover(error, msg) }));
    void this.watchStatus();
    void this.nc.closed().then(() => {
      this.natsClosed = true;
      this.connected = false;
    });
    await this.nc.flush();
    if (this.options.addressCheckMs > 0) await this.checkAddress();
  }

  // ---- Wire --------------------------------------------------------------------------------

  send(to: Address, frame: Uint8Array): void {
    if (this.closed || !isValidAddress(to)) {
      this.counters.framesDropped++;
      return;
    }
    if (frame.length > this.options.maxFrameBytes) {
      this.counters.oversizedFrames++;
      this.counters.framesDropped++;
      return;
    }
    if (to === this.address) {
      if (!this.reserve(frame.length)) return;
      this.selfFrames.push(frame.slice());
    } else if (this.subjects.group !== undefined) {
      // The same frame for several members: the same buffer (the core's loop over the view), or
      // equal bytes sent right after (a decorator such as authenticate() makes a buffer per send).
      let entry = this.shared.get(frame);
      if (entry === undefined || !sameBytes(entry.copy, frame)) {
        const last = this.sharedOrder[this.sharedOrder.length - 1];
        entry = last !== undefined && sameBytes(last.copy, frame) ? last : undefined;
      }
      if (entry !== undefined && !entry.to.includes(to)) {
        entry.to.push(to);
      } else {
        if (!this.reserve(frame.length)) return;
        const fresh: SharedEntry = { copy: frame.slice(), to: [to] };
        this.shared.set(frame, fresh);
        this.sharedOrder.push(fresh);
      }
    } else {
      if (!this.reserve(frame.length)) return;
      this.queueFor(to).push(frame.slice());
    }
    this.schedule();
  }

  onFrame(receiver: (from: Address, frame: Uint8Array) => void): void {
    this.receiver = receiver;
  }

  /**
   * Reports a peer whose member subject has had no subscriber for `peerDown.confirmMs`: 'refused'
   * (nothing listens there). Never 'closed': NATS has no connection per peer. See README.md.
   */
  onPeerDown(listener: (address: Address, reason: PeerDownReason) => void): void {
    this.peerDownListener = listener;
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  // ---- discovery ---------------------------------------------------------------------------

  /**
   * Asks every wire of this wire's group (on the group's discovery subject) for its address and
   * collects the answers for `timeoutMs` (at once if NATS says nobody listens). This wire's own
   * address is not among them.
   */
  async discover(timeoutMs = 500): Promise<string[]> {
    if (this.subjects.discover === undefined) throw new InvalidArgumentError('discover() needs a wire created with the `group` option');
    if (this.closed) return [];
    const found = new Set<string>();
    await new Promise<void>((resolve) => {
      let timer: TimerHandle | undefined;
      const collector = {
        found,
        done: () => {
          timer?.cancel();
          this.discoveries.delete(collector);
          resolve();
        },
      };
      this.discoveries.add(collector);
      timer = this.timers.setTimer(timeoutMs, collector.done);
      try {
        this.nc.publish(this.subjects.discover!, new Uint8Array(0), { reply: this.subjects.discovery });
      } catch {
        collector.done();
      }
    });
    found.delete(this.address);
    return [...found].sort();
  }

  // ---- sending -------------------------------------------------------------------------------

  private reserve(bytes: number): boolean {
    if (this.turnBytes + this.heldBytes + bytes > this.options.maxBufferedBytes) {
      this.counters.framesDropped++;
      return false;
    }
    this.turnBytes += bytes;
    return true;
  }

  private queueFor(to: Address): Uint8Array[] {
    let queue = this.direct.get(to);
    if (queue === undefined) {
      queue = [];
      this.direct.set(to, queue);
    }
    return queue;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.timers.defer(() => {
      this.scheduled = false;
      if (!this.closed) this.flushTurn();
    });
  }

  private maxPacketBytes(): number {
    const server = this.nc.info?.max_payload ?? FALLBACK_MAX_PAYLOAD;
    return Math.min(server, this.options.maxPacketBytes ?? server);
  }

  /** Packs this turn's frames, publishes them (or holds them while disconnected), delivers those for itself. */
  private flushTurn(): void {
    const maxBytes = this.maxPacketBytes();
    const publishes: Publish[] = [];
    if (this.sharedOrder.length > 0) {
      const packer = new GroupPacker(this.header, maxBytes);
      const capacity = GroupPacker.capacity(this.header, maxBytes);
      let frames = 0;
      let bytes = 0;
      const packed: number[] = [];
      for (const entry of this.sharedOrder) {
        if (entry.to.length >= 2 && GroupPacker.cost({ frame: entry.copy, to: entry.to }) <= capacity) {
          const before = packer.packets.length;
          packer.add({ frame: entry.copy, to: entry.to });
          if (packer.packets.length > before) {
            packed.push(frames, bytes);
            frames = 0;
            bytes = 0;
          }
          frames++;
          bytes += entry.copy.length;
        } else {
          for (const to of entry.to) this.queueFor(to).push(entry.copy);
        }
      }
      packer.seal();
      packed.push(frames, bytes);
      packer.packets.forEach((packet, i) => {
        publishes.push({ subject: this.subjects.group!, packet, frames: packed[2 * i]!, bytes: packed[2 * i + 1]!, group: true });
      });
      if (this.options.peerDown) this.keepProbing(publishes);
      this.shared.clear();
      this.sharedOrder = [];
    }
    for (const [to, frames] of this.direct) this.pack(to, frames, maxBytes, publishes);
    this.direct.clear();
    this.turnBytes = 0;
    if (this.connected) {
      for (const p of publishes) this.publish(p);
    } else if (this.natsClosed) {
      // The client gave up for good (an authentication error, maxReconnectAttempts): nothing will go out.
      for (const p of publishes) this.counters.framesDropped += p.frames;
    } else {
      for (const p of publishes) this.hold(p);
    }
    const self = this.selfFrames;
    this.selfFrames = [];
    for (const frame of self) this.deliver(this.address, frame);
  }

  /**
   * A group packet says nothing of each receiver (NATS answers "no responders" per subject, and
   * the group subject has subscribers while any member lives). So a member that only gets group
   * frames from this wire (heartbeats of equal bytes merge too) gets a bare probe on its own
   * subject at least every confirmMs / 2: a dead one is then noticed as on point-to-point traffic.
   */
  private keepProbing(publishes: Publish[]): void {
    const confirmMs = (this.options.peerDown as { confirmMs: number }).confirmMs;
    const now = this.timers.now();
    for (const entry of this.sharedOrder) {
      if (entry.to.length < 2) continue;
      for (const to of entry.to) {
        if (this.direct.has(to) || now - (this.lastDirect.get(to) ?? -Infinity) < confirmMs / 2) continue;
        if (this.lastDirect.size >= MAX_SUSPECTS && !this.lastDirect.has(to)) this.lastDirect.clear();
        this.lastDirect.set(to, now);
        publishes.push({
          subject: Subjects.memberOf(this.options.subjectPrefix, to),
          packet: bare(this.header, Kind.Probe),
          reply: this.subjects.noResponders(to),
          frames: 0,
          bytes: 0,
          group: false,
        });
      }
    }
  }

  private pack(to: Address, frames: Uint8Array[], maxBytes: number, out: Publish[]): void {
    const subject = Subjects.memberOf(this.options.subjectPrefix, to);
    const reply = this.options.peerDown ? this.subjects.noResponders(to) : undefined;
    if (reply !== undefined) {
      if (this.lastDirect.size >= MAX_SUSPECTS && !this.lastDirect.has(to)) this.lastDirect.clear();
      this.lastDirect.set(to, this.timers.now());
    }
    const packer = new FramesPacker(this.header, maxBytes);
    const capacity = FramesPacker.capacity(this.header, maxBytes);
    let count = 0;
    let bytes = 0;
    const emit = (packet: Uint8Array, frameCount: number, frameBytes: number): void => {
      out.push({ subject, packet, ...(reply ? { reply } : {}), frames: frameCount, bytes: frameBytes, group: false });
    };
    const drain = (): void => {
      packer.seal();
      for (const packet of packer.packets) {
        emit(packet, count, bytes);
        count = 0;
        bytes = 0;
      }
      packer.packets.length = 0;
    };
    for (const frame of frames) {
      if (frame.length <= capacity) {
        const before = packer.packets.length;
        packer.add(frame);
        if (packer.packets.length > before) {
          // The packer sealed a full packet: it holds everything counted so far.
          emit(packer.packets.pop()!, count, bytes);
          count = 0;
          bytes = 0;
        }
        count++;
        bytes += frame.length;
        continue;
      }
      drain();
      const frameId = this.nextFrameId;
      this.nextFrameId = (this.nextFrameId + 1) >>> 0 || 1;
      const chunk = maxBytes - this.header.length - FRAGMENT_FIELDS_BYTES;
      for (let offset = 0; offset < frame.length; offset += chunk) {
        const length = Math.min(chunk, frame.length - offset);
        const last = offset + length >= frame.length;
        emit(encodeFragment(this.header, frameId, frame, offset, length), last ? 1 : 0, last ? frame.length : 0);
      }
      this.counters.fragmentedFrames++;
    }
    drain();
  }

  private publish(p: Publish): void {
    try {
      this.nc.publish(p.subject, p.packet, p.reply === undefined ? undefined : { reply: p.reply });
    } catch {
      // Closed or draining client, or a packet over a (new) server's max_payload: lost, like a frame on a broken socket.
      this.counters.framesDropped += p.frames;
      return;
    }
    this.counters.publishes++;
    this.counters.framesSent += p.frames;
    this.counters.bytesSent += p.bytes;
    if (p.group) {
      this.counters.groupPublishes++;
      this.counters.groupFrames += p.frames;
    }
  }

  /** Keeps a packet for the reconnect: its frames were reserved in send(), so the bound holds (plus framing). */
  private hold(p: Publish): void {
    this.held.push(p);
    this.heldBytes += p.packet.length;
  }

  private publishHeld(): void {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const p of held) {
      this.publish(p);
      this.counters.heldPublished++;
    }
  }

  // ---- receiving -----------------------------------------------------------------------------

  private deliver(from: Address, frame: Uint8Array): void {
    this.counters.framesReceived++;
    this.counters.bytesReceived += frame.length;
    try {
      this.receiver(from, frame);
    } catch (error) {
      this.receiverError(error);
    }
  }

  private receiverError(error: unknown): void {
    this.counters.receiverErrors++;
    try {
      this.options.onReceiverError?.(error);
    } catch {
      // The error handler's own error goes nowhere.
    }
  }

  private onPacket(error: Error | null, msg: Msg, viaGroup: boolean): void {
    if (this.closed || error !== null) return;
    const packet = msg.data;
    this.counters.packetsReceived++;
    try {
      const header = decodeHeader(packet);
      if (!isValidAddress(header.from)) throw new PacketError('bad sender address');
      // Our own group packet (noEcho spares us those; a user-set echo would not).
      if (header.from === this.address && header.instance === this.instance) return;
      switch (header.kind) {
        case Kind.Frames:
          if (viaGroup) throw new PacketError('frames packet on the group subject');
          for (const frame of decodeFrames(packet, header.offset)) this.deliver(header.from, frame);
          return;
        case Kind.Group:
          for (const frame of decodeGroupFrames(packet, header.offset, this.address)) this.deliver(header.from, frame);
          return;
        case Kind.Fragment:
          if (viaGroup) throw new PacketError('fragment on the group subject');
          this.onFragment(header.from, packet, header.offset);
          return;
        case Kind.Probe:
          return;
        case Kind.Check:
          if (!viaGroup && msg.reply) this.answerCheck(msg.reply);
          return;
        default:
          throw new PacketError(`unknown kind ${header.kind}`);
      }
    } catch (caught) {
      if (caught instanceof PacketError) this.counters.malformedPackets++;
      else this.receiverError(caught);
    }
  }

  /** Another wire starting at our address asks whether it is taken: it is. */
  private answerCheck(reply: string): void {
    try {
      this.nc.publish(reply, bare(this.header, Kind.CheckAnswer));
    } catch {
      // Reconnecting: the starter hears nothing and goes on (see addressCheckMs).
    }
  }

  private onFragment(from: Address, packet: Uint8Array, offset: number): void {
    const fragment = decodeFragment(packet, offset);
    let partial = this.partials.get(from);
    if (fragment.offset === 0) {
      if (fragment.total > this.options.maxFrameBytes) {
        this.partials.delete(from);
        this.counters.oversizedFrames++;
        return;
      }
      this.partials.delete(from);
      if (this.partials.size >= MAX_PARTIALS) this.partials.delete(this.partials.keys().next().value!);
      partial = { frameId: fragment.frameId, total: fragment.total, received: 0, bytes: new Uint8Array(fragment.total) };
      this.partials.set(from, partial);
    }
    if (
      partial === undefined ||
      partial.frameId !== fragment.frameId ||
      partial.total !== fragment.total ||
      partial.received !== fragment.offset
    ) {
      // A piece missing (NATS lost it) or another frame begun: the frame is lost, the protocol retransmits.
      this.partials.delete(from);
      this.counters.malformedPackets++;
      return;
    }
    partial.bytes.set(fragment.bytes, fragment.offset);
    partial.received += fragment.bytes.length;
    if (partial.received === partial.total) {
      this.partials.delete(from);
      this.deliver(from, partial.bytes);
    }
  }

  /** Everything addressed to `<prefix>.reply.<me>.…`: statuses, probe results, check and discovery answers. */
  private onReply(error: Error | null, msg: Msg): void {
    if (this.closed || error !== null) return;
    const rest = msg.subject.slice(this.subjects.replyBase.length + 1).split('.');
    const noResponders = msg.headers?.code === 503;
    if (rest.length === 1) {
      if (noResponders) this.onNoResponders(rest[0]!, false);
      return;
    }
    if (rest.length !== 2) return;
    const [peer, what] = rest as [string, string];
    switch (what) {
      case 'p':
        if (noResponders) this.onNoResponders(peer, true);
        return;
      case 'c':
        if (noResponders) this.checkResult?.('free');
        else if (msg.data.length > 0) {
          try {
            const header = decodeHeader(msg.data);
            if (header.kind === Kind.CheckAnswer && header.instance !== this.instance) this.checkResult?.('taken');
          } catch {
            this.counters.malformedPackets++;
          }
        }
        return;
      case 'd':
        for (const discovery of this.discoveries) {
          if (noResponders) discovery.done();
          else {
            const address = decoder.decode(msg.data);
            if (isValidAddress(address)) discovery.found.add(address);
          }
        }
        return;
      default:
    }
  }

  private onDiscover(error: Error | null, msg: Msg): void {
    if (this.closed || error !== null || !msg.reply) return;
    try {
      this.nc.publish(msg.reply, encoder.encode(this.address));
    } catch {
      // Reconnecting or closing: the asker hears from the others.
    }
  }

  // ---- peer down -------------------------------------------------------------------------------

  /**
   * NATS said nobody subscribes to `peer`'s subject. Once is not enough (its process may be
   * reconnecting to another server, or its subscription not yet known to ours): `confirmMs`
   * later a probe asks again, and only a "no responders" for that probe reports the peer down.
   */
  private onNoResponders(peer: Address, fromProbe: boolean): void {
    this.counters.noResponders++;
    const config = this.options.peerDown;
    if (!config || !this.connected) return;
    const state = this.suspects.get(peer);
    if (fromProbe) {
      if (state === undefined || !state.probing) return;
      state.timer.cancel();
      this.suspects.delete(peer);
      this.counters.peersDown++;
      const listener = this.peerDownListener;
      if (listener === undefined) return;
      try {
        listener(peer, 'refused');
      } catch (error) {
        this.receiverError(error);
      }
      return;
    }
    if (state !== undefined || this.suspects.size >= MAX_SUSPECTS) return;
    this.suspects.set(peer, { probing: false, timer: this.timers.setTimer(config.confirmMs, () => this.probe(peer, config.confirmMs)) });
  }

  private probe(peer: Address, confirmMs: number): void {
    const state = this.suspects.get(peer);
    if (state === undefined || this.closed) return;
    if (!this.connected) {
      this.suspects.delete(peer);
      return;
    }
    state.probing = true;
    // No "no responders" within another confirmMs: somebody took the probe; forget the suspicion.
    state.timer = this.timers.setTimer(confirmMs, () => {
      if (this.suspects.get(peer) === state) this.suspects.delete(peer);
    });
    this.counters.probes++;
    try {
      this.nc.publish(Subjects.memberOf(this.options.subjectPrefix, peer), bare(this.header, Kind.Probe), {
        reply: this.subjects.probe(peer),
      });
    } catch {
      state.timer.cancel();
      this.suspects.delete(peer);
    }
  }

  private clearSuspects(): void {
    for (const state of this.suspects.values()) state.timer.cancel();
    this.suspects.clear();
  }

  // ---- connection ------------------------------------------------------------------------------

  private async watchStatus(): Promise<void> {
    try {
      for await (const status of this.nc.status()) {
        switch (status.type) {
          case 'disconnect':
            this.connected = false;
            this.counters.disconnects++;
            // What we heard of peers before our own outage says nothing now.
            this.clearSuspects();
            break;
          case 'reconnect':
            this.connected = true;
            this.counters.reconnects++;
            if (!this.closed) this.publishHeld();
            break;
          case 'close':
            this.natsClosed = true;
            this.connected = false;
            break;
          default:
        }
      }
    } catch {
      // The iterator ends with the connection.
    }
  }

  private async checkAddress(): Promise<void> {
    const result = await new Promise<'taken' | 'free' | 'silent'>((resolve) => {
      const timer = this.timers.setTimer(this.options.addressCheckMs, () => resolve('silent'));
      this.checkResult = (r) => {
        timer.cancel();
        resolve(r);
      };
      this.nc.publish(this.subjects.member, bare(this.header, Kind.Check), { reply: this.subjects.check });
    });
    this.checkResult = null;
    if (result === 'taken') throw new AddressInUseError(this.address, this.subjects.member);
  }

  private async doClose(): Promise<void> {
    // What this turn queued goes out first, as on the TCP wire.
    if (!this.closed && this.scheduled) this.flushTurn();
    this.closed = true;
    this.clearSuspects();
    for (const discovery of [...this.discoveries]) discovery.done();
    this.held = [];
    this.heldBytes = 0;
    this.partials.clear();
    if (!this.nc.isClosed()) {
      let timer: TimerHandle | undefined;
      await Promise.race([
        this.nc.flush().catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = this.timers.setTimer(this.options.closeTimeoutMs, resolve);
        }),
      ]);
      timer?.cancel();
      await this.nc.close().catch(() => undefined);
    }
    this.natsClosed = true;
    this.connected = false;
  }
}
