/**
 * A deterministic simulated network: processes, frames, faults and partitions on virtual time.
 * See README.md in this folder for the guarantees and how to use it in a test.
 */
import { seededRandom, type Random } from '../../env/random.js';
import { InvalidArgumentError } from '../../errors.js';
import type { Address, PeerDownReason } from '../wire.js';
import {
  DEFAULT_LINK_FAULTS,
  mergeLinkFaults,
  rollFrameFate,
  rollSignalDelay,
  validateLinkOverride,
  type DelayRange,
  type LinkFaults,
  type LinkOverride,
} from './link-faults.js';
import { Partition } from './partition.js';
import { deriveSeed, STREAM_FAULTS, STREAM_HARNESS, STREAM_NODE, STREAM_SIGNALS } from './seeds.js';
import { SimClock } from './sim-clock.js';
import { SimulationClosedError, SimulationUnhealthyError, AddressInUseError } from './sim-errors.js';
import { SimulatedWire, type WireControl, type WireHost } from './simulated-wire.js';

export interface SimulatedNetworkOptions {
  /** Any safe integer; the same seed and the same calls give the same history. */
  seed: number;
  /** Uniform per-copy delay in virtual ms; default { min: 1, max: 5 }. */
  delayMs?: DelayRange;
  /** Probability a frame is dropped; default 0. */
  loss?: number;
  /** Probability a frame is delivered twice (the second copy has its own delay); default 0. */
  duplication?: number;
  /** Probability a copy gets an extra delay of up to 10 x delayMs.max; default 0. */
  reorder?: number;
}

export type DropReason =
  /** Lost by the link's loss probability. */
  | 'loss'
  /** Sender and receiver were on different partition sides (at send or at delivery time). */
  | 'partition'
  /** The sending wire was crashed or closed when send() was called. */
  | 'sender-down'
  /** No live wire for the destination at delivery time (crashed, closed or never created). */
  | 'receiver-down'
  /** The destination wire is live but never called onFrame(). */
  | 'no-receiver';

export interface FrameTraceEvent {
  /**
   * send: a send() call (copy 0); duplicate: the link made a second copy (copy 1), reported at
   * send time; deliver: a copy reached its receiver; drop: a copy was dropped (see reason).
   */
  kind: 'send' | 'duplicate' | 'deliver' | 'drop';
  /** Virtual time of the event. */
  time: number;
  /** 1, 2, ... in send() order; both copies of a duplicated frame share it. */
  frameId: number;
  copy: 0 | 1;
  from: Address;
  to: Address;
  byteLength: number;
  reason?: DropReason;
}

export interface NetworkStats {
  /** send() calls. */
  sent: number;
  /** Copies handed to a receiver. */
  delivered: number;
  /** Extra copies created by duplication. */
  duplicated: number;
  /** Copies dropped, for any reason (= droppedLoss + droppedPartition + droppedDown). */
  dropped: number;
  droppedLoss: number;
  droppedPartition: number;
  /** sender-down, receiver-down and no-receiver. */
  droppedDown: number;
  /** Copies scheduled and not yet delivered or dropped. sent + duplicated = delivered + dropped + inFlight. */
  inFlight: number;
  /** Peer-down signals handed to a live wire ('closed' after a crash, 'refused'), listener set or not. */
  peersDown: number;
}

export interface RunUntilOptions {
  /** Virtual milliseconds to wait at most; default 60 000. */
  timeoutMs?: number;
}

const DEFAULT_RUN_UNTIL_TIMEOUT_MS = 60_000;

interface Waiter {
  fail(error: Error): void;
}

export class SimulatedNetwork {
  readonly seed: number;
  /** The global virtual clock (not tied to any process). */
  readonly clock: SimClock;
  /** A seeded Random for tests and harnesses; independent of the frame-fault stream. */
  readonly random: Random;
  /** Errors thrown by event callbacks (timers, deferred calls, receivers, trace hook). */
  readonly errors: unknown[];
  /** Called for every frame event; errors it throws are collected in `errors`. */
  trace: ((event: FrameTraceEvent) => void) | undefined = undefined;

  private readonly defaults: LinkFaults;
  private readonly faultRandom: Random;
  /** Delays of peer-down signals: a stream of their own, so they never shift frame faults. */
  private readonly signalRandom: Random;
  private readonly links = new Map<Address, Map<Address, LinkFaults>>();
  private partitionState: Partition | undefined;
  private readonly live = new Map<Address, { wire: SimulatedWire; control: WireControl }>();
  private readonly latest = new Map<Address, SimulatedWire>();
  private readonly incarnations = new Map<Address, number>();
  /**
   * Per live wire, the latest virtual time a copy it sent arrives at each destination: the
   * 'closed' notice of a crash comes after them, as a FIN comes after the data before it.
   */
  private readonly lastArrival = new Map<SimulatedWire, Map<Address, number>>();
  /** Per crashed address, the wires already told 'refused' since its latest crash. */
  private readonly refused = new Map<Address, Set<SimulatedWire>>();
  private readonly waiters = new Set<Waiter>();
  private readonly counters: NetworkStats = {
    sent: 0,
    delivered: 0,
    duplicated: 0,
    dropped: 0,
    droppedLoss: 0,
    droppedPartition: 0,
    droppedDown: 0,
    inFlight: 0,
    peersDown: 0,
  };
  private nextFrameId = 1;
  private isClosed = false;
  private readonly host: WireHost = {
    transmit: (from, to, frame) => this.transmit(from, to, frame),
    detach: (wire) => {
      if (this.live.get(wire.address)?.wire === wire) this.live.delete(wire.address);
      this.lastArrival.delete(wire);
    },
  };

  constructor(options: SimulatedNetworkOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('SimulatedNetwork options must be an object with a seed');
    }
    if (typeof options.seed !== 'number' || !Number.isSafeInteger(options.seed)) {
      throw new InvalidArgumentError(`SimulatedNetwork seed must be a safe integer, got ${String(options.seed)}`);
    }
    const { seed, ...faults } = options;
    this.seed = seed;
    this.defaults = mergeLinkFaults(DEFAULT_LINK_FAULTS, validateLinkOverride(faults, 'SimulatedNetwork options'));
    this.faultRandom = seededRandom(deriveSeed(seed, STREAM_FAULTS));
    this.signalRandom = seededRandom(deriveSeed(seed, STREAM_SIGNALS));
    this.random = seededRandom(deriveSeed(seed, STREAM_HARNESS));
    this.clock = new SimClock();
    this.errors = this.clock.errors;
  }

  /** Current virtual time in ms (starts at 0). */
  now(): number {
    return this.clock.now();
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** A snapshot of the frame counters. */
  get stats(): Readonly<NetworkStats> {
    return { ...this.counters };
  }

  /**
   * Creates the wire of a process at `address`. Throws if the address already has a live wire;
   * after a crash or close a new wire (the next incarnation) may be created.
   */
  wire(address: Address): SimulatedWire {
    this.assertOpen();
    checkAddress(address, 'wire');
    if (this.live.has(address)) throw new AddressInUseError(address);
    const incarnation = this.incarnations.get(address) ?? 0;
    this.incarnations.set(address, incarnation + 1);
    const random = seededRandom(deriveSeed(this.seed, STREAM_NODE, address, incarnation));
    let control: WireControl | undefined;
    const wire = new SimulatedWire(address, incarnation, random, this.clock, this.host, (c) => {
      control = c;
    });
    this.live.set(address, { wire, control: control! });
    this.latest.set(address, wire);
    this.refused.delete(address);
    return wire;
  }

  /** Overrides the faults of the directional link from -> to (replacing any earlier override). */
  setLink(from: Address, to: Address, override: LinkOverride): void {
    checkAddress(from, 'setLink');
    checkAddress(to, 'setLink');
    const merged = mergeLinkFaults(this.defaults, validateLinkOverride(override, 'setLink override'));
    let row = this.links.get(from);
    if (row === undefined) {
      row = new Map();
      this.links.set(from, row);
    }
    row.set(to, merged);
  }

  /** Restores the network defaults on the directional link from -> to. */
  clearLink(from: Address, to: Address): void {
    const row = this.links.get(from);
    if (row === undefined) return;
    row.delete(to);
    if (row.size === 0) this.links.delete(from);
  }

  /** The faults currently applied to frames from -> to. */
  link(from: Address, to: Address): LinkFaults {
    return this.links.get(from)?.get(to) ?? this.defaults;
  }

  /**
   * Splits the network: two addresses listed in different sides cannot exchange frames (checked
   * at send and at delivery time); unlisted addresses are unaffected. Replaces any earlier
   * partition.
   */
  partition(...sides: Address[][]): void {
    this.partitionState = new Partition(sides);
  }

  /** Removes the partition. */
  heal(): void {
    this.partitionState = undefined;
  }

  /**
   * Crashes the process at `address`: its wire stops sending and receiving and its pending timers
   * and deferred calls never fire. No-op if it is already crashed or closed; throws for an address
   * that never had a wire.
   *
   * Every other live wire not partitioned from it is then told `peerDown(address, 'closed')`
   * after a one-way delay of the link address -> wire (and not before the frames the crashed
   * process sent it before crashing have arrived), if it is still open and not partitioned from
   * `address` then. Later sends to `address` are answered with 'refused' (see transmit).
   */
  crash(address: Address): void {
    if (!this.latest.has(address)) {
      throw new InvalidArgumentError(`crash: no wire was ever created for address "${address}"`);
    }
    const entry = this.live.get(address);
    if (entry === undefined) return;
    const sent = this.lastArrival.get(entry.wire);
    entry.control.crash();
    this.refused.set(address, new Set());
    const now = this.clock.now();
    for (const { wire: peer } of [...this.live.values()]) {
      // One draw per live wire, partitioned or not, so a partition does not shift the others' delays.
      const delay = rollSignalDelay(this.link(address, peer.address), this.signalRandom);
      if (!this.connected(address, peer.address)) continue;
      const at = Math.max(now + delay, sent?.get(peer.address) ?? 0);
      this.clock.setTimer(at - now, () => this.signalPeerDown(peer, address, 'closed'));
    }
  }

  /** True if the latest wire created for `address` was crashed. */
  isCrashed(address: Address): boolean {
    return this.latest.get(address)?.state === 'crashed';
  }

  /** Resolves after `ms` of virtual time. Rejects with SimulationClosedError if the network is or gets closed. */
  sleep(ms: number): Promise<void> {
    if (this.isClosed) return Promise.reject(new SimulationClosedError());
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      return Promise.reject(new InvalidArgumentError(`sleep: ms must be a finite number >= 0, got ${String(ms)}`));
    }
    return new Promise<void>((resolve, reject) => {
      const handle = this.clock.setTimer(ms, () => {
        this.waiters.delete(waiter);
        resolve();
      });
      const waiter: Waiter = {
        fail: (error) => {
          handle.cancel();
          reject(error);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /**
   * Resolves true as soon as `predicate()` holds, false once `timeoutMs` of virtual time passed
   * without it holding. The predicate is checked at the call, then before every event (after
   * the previous event's microtasks settled), and once more at the deadline. A predicate that
   * throws rejects the promise. Rejects with SimulationClosedError if the network is or gets closed.
   */
  runUntil(predicate: () => boolean, options: RunUntilOptions = {}): Promise<boolean> {
    if (this.isClosed) return Promise.reject(new SimulationClosedError());
    const timeoutMs = options.timeoutMs ?? DEFAULT_RUN_UNTIL_TIMEOUT_MS;
    if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(new InvalidArgumentError(`runUntil: timeoutMs must be a finite number >= 0, got ${String(timeoutMs)}`));
    }
    if (typeof predicate !== 'function') {
      return Promise.reject(new InvalidArgumentError('runUntil: predicate must be a function'));
    }
    return new Promise<boolean>((resolve, reject) => {
      let settled = false;
      let cleanup = (): void => {};
      const finish = (settle: () => void): true => {
        settled = true;
        this.waiters.delete(waiter);
        cleanup();
        settle();
        return true;
      };
      const evaluate = (): boolean => {
        try {
          return predicate() === true;
        } catch (error) {
          finish(() => reject(error));
          return false;
        }
      };
      const waiter: Waiter = { fail: (error) => finish(() => reject(error)) };

      if (evaluate()) {
        finish(() => resolve(true));
        return;
      }
      if (settled) return;
      const removeProbe = this.clock.addProbe(() => {
        if (settled) return false;
        if (evaluate()) return finish(() => resolve(true));
        return settled;
      });
      const timer = this.clock.setTimer(timeoutMs, () => {
        if (settled) return;
        const holds = evaluate();
        if (!settled) finish(() => resolve(holds));
      });
      cleanup = () => {
        removeProbe();
        timer.cancel();
      };
      this.waiters.add(waiter);
    });
  }

  /** Throws SimulationUnhealthyError if any event callback threw. */
  assertHealthy(): void {
    if (this.errors.length > 0) throw new SimulationUnhealthyError([...this.errors]);
  }

  /**
   * Closes every wire, drops every pending event (frames in flight are discarded), stops the
   * driver and rejects pending sleep()/runUntil() with SimulationClosedError. Idempotent.
   */
  close(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    this.isClosed = true;
    for (const { wire } of [...this.live.values()]) void wire.close();
    this.clock.close();
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) waiter.fail(new SimulationClosedError());
    return Promise.resolve();
  }

  private assertOpen(): void {
    if (this.isClosed) throw new SimulationClosedError();
  }

  private transmit(from: SimulatedWire, to: Address, frame: Uint8Array): void {
    const frameId = this.nextFrameId++;
    const sender = from.address;
    const byteLength = frame.byteLength;
    this.counters.sent++;
    const fate = rollFrameFate(this.link(sender, to), this.faultRandom);
    this.emit('send', frameId, 0, sender, to, byteLength);

    if (from.state !== 'open' || this.isClosed) return this.drop(frameId, 0, sender, to, byteLength, 'sender-down');
    if (!this.connected(sender, to)) return this.drop(frameId, 0, sender, to, byteLength, 'partition');
    this.refuseIfCrashed(from, to);
    if (fate.lost) return this.drop(frameId, 0, sender, to, byteLength, 'loss');

    fate.delays.forEach((delay, index) => {
      const copy: 0 | 1 = index === 0 ? 0 : 1;
      if (copy === 1) {
        this.counters.duplicated++;
        this.emit('duplicate', frameId, 1, sender, to, byteLength);
      }
      const bytes = new Uint8Array(frame);
      this.counters.inFlight++;
      this.clock.setTimer(delay, () => this.arrive(frameId, copy, sender, to, bytes));
      this.noteArrival(from, to, this.clock.now() + delay);
    });
  }

  private noteArrival(from: SimulatedWire, to: Address, at: number): void {
    let row = this.lastArrival.get(from);
    if (row === undefined) {
      row = new Map();
      this.lastArrival.set(from, row);
    }
    if (at > (row.get(to) ?? -Infinity)) row.set(to, at);
  }

  /**
   * A frame from a live wire to an address whose latest process crashed: over TCP the dial is
   * refused. The sender is told 'refused' after a round trip (once per crash and sender); a
   * partition (checked by the caller) would make the dial time out instead, so nothing then.
   */
  private refuseIfCrashed(from: SimulatedWire, to: Address): void {
    if (this.latest.get(to)?.state !== 'crashed') return;
    const told = this.refused.get(to);
    if (told === undefined || told.has(from)) return;
    told.add(from);
    const there = rollSignalDelay(this.link(from.address, to), this.signalRandom);
    const back = rollSignalDelay(this.link(to, from.address), this.signalRandom);
    this.clock.setTimer(there + back, () => this.signalPeerDown(from, to, 'refused'));
  }

  /** Hands a peer-down signal to `wire` if it is still the live wire at its address and can reach `address`. */
  private signalPeerDown(wire: SimulatedWire, address: Address, reason: PeerDownReason): void {
    const entry = this.live.get(wire.address);
    if (entry?.wire !== wire || this.isClosed) return;
    if (!this.connected(address, wire.address)) return;
    this.counters.peersDown++;
    entry.control.peerDown(address, reason);
  }

  private arrive(frameId: number, copy: 0 | 1, from: Address, to: Address, bytes: Uint8Array): void {
    this.counters.inFlight--;
    const entry = this.live.get(to);
    if (entry === undefined) return this.drop(frameId, copy, from, to, bytes.byteLength, 'receiver-down');
    if (!this.connected(from, to)) return this.drop(frameId, copy, from, to, bytes.byteLength, 'partition');
    const receiver = entry.control.receiver();
    if (receiver === undefined) return this.drop(frameId, copy, from, to, bytes.byteLength, 'no-receiver');
    this.counters.delivered++;
    this.emit('deliver', frameId, copy, from, to, bytes.byteLength);
    receiver(from, bytes);
  }

  private connected(a: Address, b: Address): boolean {
    return this.partitionState === undefined || this.partitionState.connected(a, b);
  }

  private drop(frameId: number, copy: 0 | 1, from: Address, to: Address, byteLength: number, reason: DropReason): void {
    this.counters.dropped++;
    if (reason === 'loss') this.counters.droppedLoss++;
    else if (reason === 'partition') this.counters.droppedPartition++;
    else this.counters.droppedDown++;
    this.emit('drop', frameId, copy, from, to, byteLength, reason);
  }

  private emit(
    kind: FrameTraceEvent['kind'],
    frameId: number,
    copy: 0 | 1,
    from: Address,
    to: Address,
    byteLength: number,
    reason?: DropReason,
  ): void {
    const trace = this.trace;
    if (trace === undefined) return;
    const event: FrameTraceEvent = { kind, time: this.clock.now(), frameId, copy, from, to, byteLength };
    if (reason !== undefined) event.reason = reason;
    try {
      trace(event);
    } catch (error) {
      this.errors.push(error);
    }
  }
}

function checkAddress(address: Address, what: string): void {
  if (typeof address !== 'string' || address.length === 0) {
    throw new InvalidArgumentError(`${what}: an address must be a non-empty string, got ${String(address)}`);
  }
}

export { SimulatedWire } from './simulated-wire.js';
export type { WireState, FrameReceiver } from './simulated-wire.js';
export { SimClock } from './sim-clock.js';
export { SimulationClosedError, SimulationUnhealthyError, AddressInUseError } from './sim-errors.js';
export type { DelayRange, LinkFaults, LinkOverride } from './link-faults.js';
