/**
 * The processes of a run and the faults the harness deals them: starts, joins, restarts,
 * leaves, crashes (plain, costly and targeted ones all end in crashProcess), partitions,
 * heals and loss. It also keeps what the runner knows of the group from the observer: the
 * views, who exited, what was sent and delivered per view, who reports 'blocked'.
 */
import { seededRandom, type Random } from '../../env/random.js';
import { JoinTimeoutError } from '../../errors.js';
import { Group, type GroupObserver } from '../../group.js';
import { addressOf, majorityOf, type MemberId } from '../../protocol/types.js';
import type { LinkOverride } from '../../wire/simulated/link-faults.js';
import type { SimulatedWire } from '../../wire/simulated/simulated-network.js';
import type { Address } from '../../wire/wire.js';
import { TraceRecorder } from '../../trace/trace-recorder.js';
import { historyObserver } from '../history-observer.js';
import type { ViewRecord } from '../history.js';
import { describeError, GROUP_NAME, type RunContext } from './run-context.js';
import type { ScenarioAction } from './scenario.js';

export type ProcessState = 'joining' | 'member' | 'leaving' | 'left' | 'crashed' | 'failed';

/** One process at one address; a restart replaces it with a new one at the same address. */
export interface Process {
  readonly address: Address;
  state: ProcessState;
  group: Group | null;
  /** Messages this address multicast so far (payloads are "address:n", counted across restarts). */
  sent: number;
  /** fbcast() calls not settled yet (queued during a view change). */
  unsent: number;
  delivered: number;
  /** 1 for the first process at the address, 2 after its first restart, ... */
  readonly generation: number;
}

/** The observer callbacks other parts of the runner may watch (after the cluster's own bookkeeping). */
export type Watcher = Pick<GroupObserver, 'sent' | 'delivered'>;

export class Cluster {
  readonly processes = new Map<Address, Process>();
  /** Every address a wire was ever created for, in creation order (once, restarts or not). */
  readonly addresses: Address[] = [];
  /** The last view each member incarnation installed, and the incarnations that exited. */
  readonly views = new Map<MemberId, ViewRecord>();
  readonly exited = new Set<MemberId>();
  latestView: ViewRecord | null = null;
  /** 'send' events per view id, and what each incarnation delivered in its current view. */
  readonly sendsInView = new Map<number, number>();
  readonly deliveredInView = new Map<MemberId, number>();
  /** Incarnations whose latest report is 'blocked' (not followed by 'unblocked'), with its code. */
  readonly blocked = new Map<MemberId, string>();
  /** Incarnations the harness crashed or made leave. */
  readonly removedByHarness = new Set<MemberId>();
  /** Every incarnation some installed view listed. */
  readonly listed = new Set<MemberId>();
  readonly observer: GroupObserver;
  /** Sees every frame a process sends (targeted-crashes.ts), or null. */
  frameTap: ((from: Address, frame: Uint8Array) => void) | null = null;
  /** Also sees every frame a process sends: the hostile member's recorder (hostile-member.ts), or null. */
  recordTap: ((from: Address, frame: Uint8Array) => void) | null = null;
  /**
   * Every frame that reaches a process holding a Group passes here instead of going straight
   * to the protocol; it must hand it on with `receive` (hostile-member.ts checks what the
   * member did with it). Null: straight to the protocol.
   */
  arrivalTap:
    | ((process: Process, group: Group, from: Address, frame: Uint8Array, receive: (from: Address, frame: Uint8Array) => void) => void)
    | null = null;
  /** Called once a process's join resolved, to give it its handlers (workload.ts). */
  onJoined: (process: Process, group: Group) => void = () => {};

  private readonly watchers: Watcher[] = [];
  /** The addresses each costly crash (by tag) took down, for its restart. */
  private readonly costlyVictims = new Map<number, Address[]>();
  /** The partition in force: side index by address, or null. */
  private sides: Map<Address, 0 | 1> | null = null;
  private linkOverride: LinkOverride | null = null;

  constructor(
    private readonly run: RunContext,
    /** Runtime choices (which side a joiner lands on) come from the harness stream of the seed. */
    private readonly random: Random,
  ) {
    const base = historyObserver(run.recorder);
    const counts = run.counts;
    this.observer = {
      sent: (member, message) => {
        base.sent?.(member, message);
        this.sendsInView.set(message.viewId, (this.sendsInView.get(message.viewId) ?? 0) + 1);
        for (const w of this.watchers) w.sent?.(member, message);
      },
      delivered: (member, message) => {
        base.delivered?.(member, message);
        this.deliveredInView.set(member, (this.deliveredInView.get(member) ?? 0) + 1);
        for (const w of this.watchers) w.delivered?.(member, message);
      },
      handled: base.handled,
      installed: (member, view) => {
        base.installed?.(member, view);
        const record: ViewRecord = { id: view.id, members: [...view.members] };
        this.views.set(member, record);
        for (const m of view.members) this.listed.add(m);
        this.deliveredInView.set(member, 0);
        if (this.latestView === null || view.id > this.latestView.id) this.latestView = record;
      },
      excluded: (member) => {
        base.excluded?.(member);
        this.exited.add(member);
        counts.exclusions++;
      },
      left: (member) => {
        base.left?.(member);
        this.exited.add(member);
      },
      served: base.served,
      replied: base.replied,
      unconfirmed: base.unconfirmed,
      blocked: (member, reason) => {
        base.blocked?.(member, reason);
        this.blocked.set(member, reason.code);
      },
      unblocked: (member) => {
        base.unblocked?.(member);
        this.blocked.delete(member);
      },
      // A traced run also records holds and flushes (only then: the protocol keeps no record otherwise).
      ...(run.recorder instanceof TraceRecorder ? traceExtras(run.recorder.observer()) : {}),
    };
  }

  watch(watcher: Watcher): void {
    this.watchers.push(watcher);
  }

  /** Live processes that hold a Group, in address-creation order. */
  members(): Process[] {
    return this.addresses.map((a) => this.processes.get(a)!).filter((p) => p.state === 'member' && p.group !== null);
  }

  // --- processes -------------------------------------------------------------------------

  /** An initial member starts, or a fresh process joins at a new address. */
  start(address: Address, seeds: Address[], initial: boolean): void {
    const wire = this.network.wire(address);
    this.addresses.push(address);
    if (this.linkOverride) {
      for (const other of this.addresses) {
        this.network.setLink(address, other, this.linkOverride);
        this.network.setLink(other, address, this.linkOverride);
      }
    }
    if (this.sides) {
      // A process that appears during a partition is on one side of it, like everyone else.
      this.sides.set(address, this.random.next() < 0.5 ? 0 : 1);
      this.applyPartition();
    }
    const process: Process = { address, state: 'joining', group: null, sent: 0, unsent: 0, delivered: 0, generation: 1 };
    this.run.note(`${initial ? 'start' : 'join'} ${address}${seeds.length > 0 ? ` seeds [${seeds.join(', ')}]` : ' (forms the group)'}`);
    this.joinGroup(process, wire, seeds);
  }

  /**
   * A down process (crashed, or its join failed) restarts at its own address as a new
   * incarnation: a fresh process, with the addresses of the last known members as seeds.
   */
  restart(action: Extract<ScenarioAction, { kind: 'restart' }>): void {
    const isDown = (a: Address): boolean => {
      const state = this.processes.get(a)!.state;
      return state === 'crashed' || state === 'failed';
    };
    if (action.of !== undefined) {
      const victims = this.costlyVictims.get(action.of);
      const down = victims?.filter(isDown) ?? [];
      if (down.length === 0) {
        this.run.counts.skippedNoCandidate++;
        this.run.note(
          `restart after costly crash #${action.of}: ${victims === undefined ? 'that crash did not happen' : `${victims.join(', ')} not down`}`,
        );
      }
      for (const address of down) this.restartAt(address, action.side);
      return;
    }
    const down = this.addresses.filter(isDown);
    if (down.length === 0) {
      this.run.counts.skippedNoCandidate++;
      this.run.note('restart: no process is down');
      return;
    }
    this.restartAt(down[Math.floor(action.pick * down.length)]!, action.side);
  }

  private restartAt(address: Address, side: number): void {
    const old = this.processes.get(address)!;
    const known = new Set<Address>(this.latestView?.members.map(addressOf) ?? []);
    for (const p of this.members()) known.add(p.address);
    known.delete(address);
    let seeds = this.addresses.filter((a) => known.has(a));
    if (seeds.length === 0) seeds = this.addresses.filter((a) => a !== address);
    const wire = this.network.wire(address);
    if (this.sides) {
      this.sides.set(address, side < 0.5 ? 0 : 1);
      this.applyPartition();
    }
    const process: Process = {
      address,
      state: 'joining',
      group: null,
      sent: old.sent,
      unsent: 0,
      delivered: 0,
      generation: old.generation + 1,
    };
    this.run.counts.restarts++;
    this.run.note(
      `restart ${address} (process ${process.generation}, was ${old.state}${old.group ? ` as ${old.group.me}` : ''}) seeds [${seeds.join(', ')}]`,
    );
    this.joinGroup(process, wire, seeds);
  }

  private joinGroup(process: Process, wire: SimulatedWire, seeds: Address[]): void {
    const address = process.address;
    // Every frame the process sends passes the tap first (targeted-crashes.ts looks for 'accept').
    const send = wire.send.bind(wire);
    wire.send = (to, frame) => {
      this.frameTap?.(address, frame);
      this.recordTap?.(address, frame);
      send(to, frame);
    };
    // Every frame it receives passes the arrival tap (hostile-member.ts), once it holds a Group.
    const onFrame = wire.onFrame.bind(wire);
    wire.onFrame = (receiver) =>
      onFrame((from, frame) => {
        const group = process.group;
        if (group === null || this.arrivalTap === null) receiver(from, frame);
        else this.arrivalTap(process, group, from, frame, receiver);
      });
    this.processes.set(address, process);
    this.run.counts.joinsStarted++;
    Group.join(GROUP_NAME, {
      wire,
      seeds,
      observer: this.observer,
      getState: () => ({ delivered: process.delivered }),
      // The state a joiner receives is what getState() returned at a member (or null if the
      // capture failed, which is reported as a group error); anything else is a bug.
      setState: (state) => {
        if (state === null) return;
        if (typeof state !== 'object' || typeof (state as { delivered?: unknown }).delivered !== 'number') {
          this.run.violation('group-error', `${address} received a malformed state from the group: ${JSON.stringify(state)}`);
        }
      },
    }).then(
      (group) => {
        if (process.state !== 'joining') return;
        process.state = 'member';
        process.group = group;
        this.run.counts.joinsSucceeded++;
        if (process.generation > 1) this.run.counts.restartsJoined++;
        this.onJoined(process, group);
        group.on('error', (error) => {
          // A leave that could not complete its flush (the leaver was cut off) reports what it
          // could not confirm: that report is the guarantee, judged by 'no-silent-loss'.
          const code = (error as { code?: unknown }).code;
          if (code === 'LEAVE_INCOMPLETE' || code === 'LEAVE_TIMEOUT') return;
          // The hostile member's frames that break an invariant are dropped and reported
          // (hostile-member.ts checks, frame by frame, that no frame a member sent is).
          if (code === 'FRAME_REJECTED') {
            this.run.counts.frameRejectedErrors++;
            this.run.note(`${group.me} reported FRAME_REJECTED: ${(error as Error).message}`);
            return;
          }
          this.run.violation('group-error', `${group.me} emitted 'error': ${describeError(error)}`);
        });
        group.on('rejoined', () => {
          this.run.counts.rejoins++;
        });
        this.run.note(`${address} joined as ${group.me}`);
      },
      (error: unknown) => {
        if (process.state === 'joining') process.state = 'failed';
        if (error instanceof JoinTimeoutError) {
          this.run.counts.joinFailures++;
          const admitted = [...this.listed].filter((m) => addressOf(m) === address && !this.views.has(m));
          if (admitted.length > 0) this.run.counts.admittedButTimedOut++;
          this.run.note(
            `${address} join failed${admitted.length > 0 ? ` although ${admitted.join(', ')} is listed in an installed view` : ''}: ${describeError(error)}`,
          );
        } else {
          this.run.violation('join-rejected', `Group.join at ${address} rejected: ${describeError(error)}`);
        }
      },
    );
  }

  leave(pick: number): void {
    const process = this.choose(this.members(), pick, 'leave');
    if (!process) return;
    const group = process.group!;
    const me = group.me;
    this.removedByHarness.add(me);
    process.state = 'leaving';
    this.run.counts.leaves++;
    this.run.note(`leave ${me}`);
    group.leave().then(
      () => {
        process.state = 'left';
        const current = group.me;
        if (this.views.has(current) && !this.exited.has(current)) {
          // The leave timed out before the member saw the view without it, and it stopped.
          // It did ask to leave, and the group may well have let it go as a leaver (its
          // promise counting towards the majority of that view change), so the history says
          // it left: recording a crash would make the primary-partition check count a
          // departed leaver against the majority.
          this.run.counts.leaveTimeouts++;
          this.exited.add(current);
          this.run.recorder.record({ kind: 'left', member: current });
          this.run.note(`leave of ${current} timed out: recorded as 'left'`);
        } else {
          this.run.note(`${current} left`);
        }
      },
      (error: unknown) => {
        process.state = 'left';
        this.run.violation('harness', `leave() of ${me} rejected: ${describeError(error)}`);
      },
    );
  }

  /**
   * A plain crash (skipped if it could cost the majority), or a costly one (`tag`): half the
   * members of an even view, all alive and installed in it, crash at once — which costs the
   * majority — and the restart with `of: tag` brings them all back, so restarted processes
   * can stand in for them (the protocol's rule, protocol/membership/quorum-policy.ts: every
   * member of the view votes, itself or through a stand-in, and the stand-ins alone are no
   * majority; liveness.ts counts the same way). In a group of two that is one crash. Half of
   * an odd view would be a majority of stand-ins, so there the action is a plain crash.
   */
  crash(action: Extract<ScenarioAction, { kind: 'crash' }>): void {
    const tag = action.tag;
    const view = this.latestView;
    const n = view?.members.length ?? 0;
    // Every member alive and in that view: one still in the view before may hold only an
    // accepted value for this one, and the stand-ins would then be judged in the older view.
    const allIn =
      view !== null &&
      view.members.every((m) => {
        const p = this.processes.get(addressOf(m));
        return p?.state === 'member' && p.group?.me === m && !this.exited.has(m) && this.views.get(m)?.id === view.id;
      });
    if (tag === undefined || view === null || n % 2 !== 0 || !allIn) {
      const what =
        tag === undefined
          ? 'crash'
          : `costly crash #${tag} (${view === null ? 'no view' : n % 2 !== 0 ? `view of ${n}` : 'not every member is alive in the view'}: a plain crash)`;
      const process = this.choose(this.members(), action.pick, what);
      if (!process) return;
      if (tag !== undefined) this.costlyVictims.set(tag, [process.address]);
      this.crashProcess(process, tag === undefined ? 'crash' : `${what}:`);
      return;
    }
    const start = Math.floor(action.pick * n);
    const victims = Array.from({ length: n / 2 }, (_, i) => this.processes.get(addressOf(view.members[(start + i) % n]!))!);
    this.costlyVictims.set(
      tag,
      victims.map((p) => p.address),
    );
    this.run.counts.costlyCrashes++;
    if (n === 2) this.run.counts.costlyCrashesOfTwo++;
    for (const victim of victims) {
      this.crashProcess(victim, `costly crash #${tag} (${n / 2} of the ${n} members of view ${view.id}; their restart follows):`);
    }
  }

  /** Crashes a live member now; every crash of the run ends here. */
  crashProcess(process: Process, what: string): void {
    const me = process.group!.me;
    this.removedByHarness.add(me);
    process.state = 'crashed';
    this.run.counts.crashes++;
    this.recordCrash(me);
    this.network.crash(process.address);
    this.run.note(`${what} ${me}`);
  }

  private recordCrash(member: MemberId): void {
    if (this.exited.has(member)) return;
    this.exited.add(member);
    this.run.recorder.record({ kind: 'crash', member });
  }

  // --- the majority rule -----------------------------------------------------------------

  /**
   * Picks a process to remove (crash or leave) among those whose removal keeps a strict
   * majority of the latest view alive, connected and not leaving. A heuristic, on the safe side.
   */
  choose(candidates: Process[], pick: number, what: string): Process | null {
    if (candidates.length === 0) {
      this.run.counts.skippedNoCandidate++;
      this.run.note(`${what}: no candidate`);
      return null;
    }
    const start = Math.floor(pick * candidates.length);
    for (let i = 0; i < candidates.length; i++) {
      const candidate = candidates[(start + i) % candidates.length]!;
      if (this.keepsMajorityWithout(candidate)) return candidate;
    }
    this.run.counts.skippedForMajority++;
    this.run.note(`${what}: skipped, no member can go without risking the majority of ${this.describeLatest()}`);
    return null;
  }

  keepsMajorityWithout(removed: Process): boolean {
    const view = this.latestView;
    if (view === null) return false;
    const perSide = [0, 0];
    for (const member of view.members) {
      const p = this.processes.get(addressOf(member));
      if (!p || p === removed || p.state !== 'member' || p.group?.me !== member || this.exited.has(member)) continue;
      perSide[this.sides?.get(p.address) ?? 0]!++;
    }
    // A view change under way may take in every process now joining or rejoining (and keep
    // members that are crashing): the next view can be larger than this one, so its majority
    // is counted on the larger size, and the newcomers do not count as alive.
    let newcomers = 0;
    for (const p of this.processes.values()) {
      const active = p.state === 'joining' || p.state === 'member' || p.state === 'leaving';
      if (active && (p.group === null || !view.members.includes(p.group.me))) newcomers++;
    }
    return Math.max(perSide[0]!, perSide[1]!) >= majorityOf(view.members.length + newcomers);
  }

  // --- the network -----------------------------------------------------------------------

  partition(shuffle: number, fraction: number): void {
    const live = this.addresses.filter((a) => {
      const state = this.processes.get(a)!.state;
      return state === 'member' || state === 'joining' || state === 'leaving';
    });
    if (live.length < 2) {
      this.run.counts.skippedNoCandidate++;
      this.run.note('partition: fewer than two live processes');
      return;
    }
    const order = [...live];
    const shuffler = seededRandom(shuffle);
    for (let i = order.length - 1; i > 0; i--) {
      const j = shuffler.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const cut = 1 + Math.floor(fraction * (order.length - 1));
    this.sides = new Map();
    // Dead addresses go to side 0; they neither send nor receive.
    for (const address of this.addresses) this.sides.set(address, 0);
    order.forEach((address, i) => this.sides!.set(address, i < cut ? 0 : 1));
    this.applyPartition();
    this.run.counts.partitions++;
    this.run.note(`partition [${order.slice(0, cut).join(', ')}] | [${order.slice(cut).join(', ')}]`);
  }

  private applyPartition(): void {
    const sides: Address[][] = [[], []];
    for (const [address, side] of this.sides!) sides[side]!.push(address);
    this.network.partition(...sides);
  }

  heal(): void {
    this.run.counts.heals++;
    this.sides = null;
    this.network.heal();
    this.run.note('heal');
  }

  setLoss(loss: number): void {
    this.run.counts.lossChanges++;
    this.setLinks({ loss });
    this.run.note(`loss -> ${loss}`);
  }

  /** The end of the fault phase: heal, and no loss, duplication or reordering on any link. */
  endFaults(): void {
    this.network.heal();
    this.sides = null;
    this.setLinks({ loss: 0, duplication: 0, reorder: 0 });
  }

  private setLinks(override: LinkOverride): void {
    this.linkOverride = override;
    for (const from of this.addresses) for (const to of this.addresses) this.network.setLink(from, to, override);
  }

  describeLatest(): string {
    return this.latestView ? `view ${this.latestView.id} [${this.latestView.members.join(', ')}]` : 'no view';
  }

  private get network(): RunContext['network'] {
    return this.run.network;
  }
}

/** What a trace records beyond the history: the rest reaches it through the run's recorder. */
function traceExtras(observer: GroupObserver): Pick<GroupObserver, 'held' | 'flushing'> {
  return { ...(observer.held ? { held: observer.held } : {}), ...(observer.flushing ? { flushing: observer.flushing } : {}) };
}
