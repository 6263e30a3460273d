/**
 * A simulation scenario: everything one campaign seed does, generated from the seed alone.
 *
 * The schedule is fixed up front (times, kinds of action, burst sizes, loss rates). Which
 * member an action hits depends on who is alive at that moment, so an action carries a
 * `pick` in [0, 1) that the runner maps onto the members eligible then (see
 * run-scenario.ts); the same seed therefore always resolves the same way.
 */
import { seededRandom, type Random } from '../../env/random.js';
import { InvalidArgumentError } from '../../errors.js';
import { deriveSeed } from '../../wire/simulated/seeds.js';
import type { Address } from '../../wire/wire.js';
import { generateHostile } from './hostile-schedule.js';
import { generateScatter } from './scatter-schedule.js';
import { generateTargeted } from './targeted-schedule.js';

/** The network's fault model at the start of the run. */
export interface ScenarioNetwork {
  loss: number;
  duplication: number;
  reorder: number;
  delayMs: { min: number; max: number };
}

export type ScenarioAction =
  /** An initial member starts: the first one forms the group, the others join through `seeds`. */
  | { at: number; kind: 'start'; address: Address; seeds: Address[] }
  /** A live member multicasts `count` messages back to back. */
  | { at: number; kind: 'fbcast'; pick: number; count: number; order: 'fifo' | 'causal' | 'total' | 'group'; safe: boolean }
  /** A fresh process joins at a new address. */
  | { at: number; kind: 'join'; address: Address }
  /** A member leaves gracefully (skipped if that could cost the group its majority). */
  | { at: number; kind: 'leave'; pick: number }
  /**
   * A member crashes (skipped if that could cost the group its majority). With `tag` (a costly
   * crash, targeted-schedule.ts): in an even view whose members are all alive, half of them
   * crash at once, which costs the majority; the restart with `of: tag` that follows brings
   * them all back, and the restarted processes may stand in for them (cluster.ts).
   */
  | { at: number; kind: 'crash'; pick: number; tag?: number }
  /**
   * A process that is down (crashed, or its join failed) restarts at its own address: a new
   * incarnation joins with the last known members' addresses as seeds. `of`: every process the
   * costly crash with that tag took down; otherwise one chosen with `pick`. `side`: its side of
   * a partition in force.
   */
  | { at: number; kind: 'restart'; pick: number; side: number; of?: number }
  /** For `windowMs`: the next acting coordinator seen sending 'accept' crashes right after it (before it installs). */
  | { at: number; kind: 'crash-after-accept'; windowMs: number }
  /**
   * A live member multicasts `count` safe messages; right after the first of them is sent
   * ('sent': its sender) or delivered ('delivered': the member that delivered it), that member
   * crashes, if it can without costing the majority (the arm lapses after `windowMs`).
   */
  | {
      at: number;
      kind: 'crash-around-safe';
      pick: number;
      count: number;
      order: 'fifo' | 'causal' | 'total';
      when: 'sent' | 'delivered';
      windowMs: number;
    }
  /**
   * The live processes are shuffled with `shuffle` and split in two: the first
   * 1 + floor(fraction x (n - 1)) on one side, the rest on the other.
   */
  | { at: number; kind: 'partition'; shuffle: number; fraction: number }
  | { at: number; kind: 'heal' }
  /** The loss probability of every link changes. */
  | { at: number; kind: 'loss'; loss: number }
  /**
   * A live member makes a synchronous call to the group (every member answers with its rank);
   * `nested`: every member, handling it, makes its own call (replies 'majority') first.
   */
  | { at: number; kind: 'call'; pick: number; order: CallOrder; quorum: CallQuorum; nested: boolean; timeoutMs: number }
  /** Client `client` (a process outside the group, at address "c<client>") sends a request. */
  | { at: number; kind: 'client'; client: number; mode: 'relay' | 'direct'; order: CallOrder; quorum: CallQuorum | 'none' }
  /**
   * Client `client` asks a scatter-gather query (each member answers for its part of the
   * phone book, scatter-schedule.ts) and the answer is checked: complete or visibly incomplete.
   */
  | { at: number; kind: 'scatter'; client: number; mode: 'relay' | 'direct'; quorum: 'all' | 'majority' | 'first'; timeoutMs: number }
  /**
   * The hostile member (hostile-member.ts: a process at "h0" that holds the group's epoch)
   * sends `count` well-formed frames to live members: 'self' as itself, a process that is in
   * no view, of every kind with plausible numbers; 'member' in the name of members of the
   * view, with numbers out of reach. `seed`: its run-time choices.
   */
  | { at: number; kind: 'hostile'; as: 'self' | 'member'; count: number; seed: number }
  /**
   * The hostile member replays `count` frames it recorded from the members to live members:
   * 'view' frames of a view earlier than the receiver's, as they were; 'epoch' frames
   * re-encoded with another epoch (an earlier incarnation of the group), which every member
   * must drop. `seed`: its run-time choices.
   */
  | { at: number; kind: 'replay'; stale: 'view' | 'epoch'; count: number; seed: number };

export type CallOrder = 'fifo' | 'causal' | 'total';
export type CallQuorum = 'first' | 'majority' | 'all' | number;

export type ScenarioActionKind = ScenarioAction['kind'];

export interface Scenario {
  seed: number;
  network: ScenarioNetwork;
  /** Addresses of the initial members, in start order. */
  initialMembers: Address[];
  /** Every action, sorted by `at` (virtual ms from the start of the run). */
  actions: ScenarioAction[];
  /** Virtual ms at which the fault phase ends (heal, faults off, no more sends). */
  durationMs: number;
  /** Virtual ms the settle phase waits at most for the group to converge. */
  settleMs: number;
  /** Virtual ms the run goes on once the group has converged, before it is judged. */
  tailMs: number;
}

export interface ScenarioOptions {
  /** Initial members; default 3 to 7. */
  minMembers?: number;
  maxMembers?: number;
  /** Virtual ms of the fault phase after the initial joins; default 8 000 to 14 000. */
  minFaultPhaseMs?: number;
  maxFaultPhaseMs?: number;
  /** Mean virtual ms between two actions of the fault phase; default 350. */
  meanGapMs?: number;
  /** At most this many addresses in a run (initial ones included); default 12. */
  maxAddresses?: number;
  /** Largest fbcast burst; default 50. */
  maxBurst?: number;
  /** Upper bounds of the initial faults; defaults 0.2, 0.05, 0.2. */
  maxLoss?: number;
  maxDuplication?: number;
  maxReorder?: number;
  /** Settle phase: wait at most this long for convergence, then `tailMs` more. Defaults 10 000 and 500. */
  settleMs?: number;
  tailMs?: number;
  /** Synchronous calls and client requests, from a stream of their own; default true. */
  calls?: boolean;
  /** Mean virtual ms between two of them; default 700. */
  meanCallGapMs?: number;
  /**
   * Restarts, costly crashes and targeted crashes (targeted-schedule.ts), from a stream of
   * their own; default true.
   */
  targeted?: boolean;
  /** Scatter-gather queries from clients (scatter-schedule.ts), from a stream of their own; default true. */
  scatter?: boolean;
  /**
   * The hostile member's frames and replays of recorded frames (hostile-schedule.ts), from a
   * stream of their own; default true.
   */
  hostile?: boolean;
}

/** Tag of the scenario's own random stream (the network uses 1 to 3). */
const STREAM_SCENARIO = 7;
/**
 * Calls and client requests come from a stream of their own, so adding them left the fault
 * schedule of every seed as it was.
 */
const STREAM_CALLS = 8;
/** Client processes of a run: "c1" (relay mode), "c2" (direct mode). */
export const CLIENTS = 2;

const WEIGHTS: readonly (readonly [Exclude<ScenarioActionKind, 'start'>, number])[] = [
  ['fbcast', 40],
  ['join', 12],
  ['leave', 5],
  ['crash', 7],
  ['partition', 8],
  ['heal', 3],
  ['loss', 6],
];
const TOTAL_WEIGHT = WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);

/** The address of the i-th process of a run (1-based): "n1", "n2", ... */
export function addressOfIndex(index: number): Address {
  return `n${index}`;
}

/** Generates the scenario of `seed`; the same seed and options always give the same scenario. */
export function generateScenario(seed: number, options: ScenarioOptions = {}): Scenario {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new InvalidArgumentError(`scenario seed must be a safe integer, got ${String(seed)}`);
  }
  const minMembers = options.minMembers ?? 3;
  const maxMembers = options.maxMembers ?? 7;
  const minPhase = options.minFaultPhaseMs ?? 8_000;
  const maxPhase = options.maxFaultPhaseMs ?? 14_000;
  const meanGapMs = options.meanGapMs ?? 350;
  const maxAddresses = Math.max(options.maxAddresses ?? 12, maxMembers);
  const maxBurst = options.maxBurst ?? 50;
  if (minMembers < 1 || maxMembers < minMembers || maxPhase < minPhase || meanGapMs <= 0 || maxBurst < 1) {
    throw new InvalidArgumentError('scenario options: inconsistent bounds');
  }
  const random = seededRandom(deriveSeed(seed, STREAM_SCENARIO, 'campaign-scenario'));
  const uniform = (lo: number, hi: number): number => lo + random.next() * (hi - lo);
  const round = (x: number): number => Math.round(x * 1000) / 1000;

  const delayMin = round(uniform(1, 3));
  const network: ScenarioNetwork = {
    loss: round(uniform(0, options.maxLoss ?? 0.2)),
    duplication: round(uniform(0, options.maxDuplication ?? 0.05)),
    reorder: round(uniform(0, options.maxReorder ?? 0.2)),
    delayMs: { min: delayMin, max: round(uniform(delayMin, 5)) },
  };

  const actions: ScenarioAction[] = [];
  const memberCount = minMembers + random.int(maxMembers - minMembers + 1);
  const initialMembers: Address[] = [];
  let at = 0;
  for (let i = 1; i <= memberCount; i++) {
    const address = addressOfIndex(i);
    if (i > 1) {
      const roll = random.next();
      // Some start together with the previous one, some shortly after, some much later.
      at += roll < 0.4 ? 0 : roll < 0.8 ? Math.floor(uniform(0, 300)) : Math.floor(uniform(300, 1500));
    }
    actions.push({ at, kind: 'start', address, seeds: [...initialMembers] });
    initialMembers.push(address);
  }

  const phaseStart = at + 1_000;
  const durationMs = phaseStart + Math.floor(uniform(minPhase, maxPhase + 1));
  let nextAddress = memberCount + 1;
  let t = phaseStart;
  for (;;) {
    // Exponential gaps: bursts of activity and quiet stretches.
    t += Math.max(1, Math.floor(-Math.log(1 - random.next()) * meanGapMs));
    if (t >= durationMs) break;
    const kind = pickKind(random);
    switch (kind) {
      case 'fbcast': {
        // Mostly small bursts, now and then a big one.
        const r = random.next();
        const pick = random.next();
        const count = 1 + Math.floor(r * r * maxBurst);
        // Every order in the mix, and now and then safe: 40% fifo, 28% causal, 28% total,
        // 4% group (each gbcast runs a flush).
        const o = random.next();
        const order = o < 0.4 ? 'fifo' : o < 0.68 ? 'causal' : o < 0.96 ? 'total' : 'group';
        actions.push({ at: t, kind, pick, count, order, safe: random.next() < 0.15 });
        break;
      }
      case 'join':
        if (nextAddress > maxAddresses) break;
        actions.push({ at: t, kind, address: addressOfIndex(nextAddress++) });
        break;
      case 'leave':
      case 'crash':
        actions.push({ at: t, kind, pick: random.next() });
        break;
      case 'partition': {
        actions.push({ at: t, kind, shuffle: random.int(0x1_0000_0000), fraction: random.next() });
        // Short partitions test the failure detector's patience, long ones exclusion and rejoin.
        const healAt = t + Math.floor(random.next() < 0.4 ? uniform(50, 600) : uniform(600, 4000));
        if (healAt < durationMs) actions.push({ at: healAt, kind: 'heal' });
        break;
      }
      case 'heal':
        actions.push({ at: t, kind });
        break;
      case 'loss':
        actions.push({ at: t, kind, loss: random.next() < 0.25 ? 0 : round(uniform(0, options.maxLoss ?? 0.2)) });
        break;
    }
  }
  if (options.calls ?? true) actions.push(...generateCalls(seed, phaseStart, durationMs, options.meanCallGapMs ?? 700));
  if (options.targeted ?? true) actions.push(...generateTargeted(seed, phaseStart, durationMs));
  if (options.scatter ?? true) actions.push(...generateScatter(seed, phaseStart, durationMs));
  if (options.hostile ?? true) actions.push(...generateHostile(seed, phaseStart, durationMs));
  // Stable: equal times keep generation order.
  actions.sort((a, b) => a.at - b.at);
  return {
    seed,
    network,
    initialMembers,
    actions,
    durationMs,
    settleMs: options.settleMs ?? 10_000,
    tailMs: options.tailMs ?? 500,
  };
}

function generateCalls(seed: number, phaseStart: number, durationMs: number, meanGapMs: number): ScenarioAction[] {
  const random = seededRandom(deriveSeed(seed, STREAM_CALLS, 'campaign-calls'));
  const actions: ScenarioAction[] = [];
  const orderOf = (): CallOrder => {
    const o = random.next();
    return o < 0.4 ? 'fifo' : o < 0.7 ? 'causal' : 'total';
  };
  const quorumOf = (): CallQuorum => {
    const q = random.next();
    return q < 0.4 ? 'all' : q < 0.6 ? 'majority' : q < 0.8 ? 'first' : 1 + random.int(4);
  };
  for (let t = phaseStart; ;) {
    t += Math.max(1, Math.floor(-Math.log(1 - random.next()) * meanGapMs));
    if (t >= durationMs) break;
    if (random.next() < 0.65) {
      actions.push({
        at: t,
        kind: 'call',
        pick: random.next(),
        order: orderOf(),
        quorum: quorumOf(),
        nested: random.next() < 0.15,
        timeoutMs: random.next() < 0.2 ? 200 + random.int(800) : 5_000,
      });
    } else {
      // A connection has one mode: c1 relays, c2 sends direct.
      const client = 1 + random.int(CLIENTS);
      const mode = client === 1 ? 'relay' : 'direct';
      const order = orderOf();
      const quorum = random.next() < 0.25 ? 'none' : quorumOf();
      actions.push({ at: t, kind: 'client', client, mode, order: mode === 'direct' ? 'fifo' : order, quorum });
    }
  }
  return actions;
}

function pickKind(random: Random): Exclude<ScenarioActionKind, 'start'> {
  let roll = random.next() * TOTAL_WEIGHT;
  for (const [kind, weight] of WEIGHTS) {
    if (roll < weight) return kind;
    roll -= weight;
  }
  return 'fbcast';
}

/** One line per action, for --verbose. */
export function describeAction(action: ScenarioAction): string {
  const at = `t=${String(action.at).padStart(6)}`;
  switch (action.kind) {
    case 'start':
      return `${at} start ${action.address}${action.seeds.length > 0 ? ` seeds [${action.seeds.join(', ')}]` : ' (forms the group)'}`;
    case 'fbcast':
      return `${at} ${action.order}${action.safe ? ' safe' : ''} x${action.count} from member pick ${action.pick.toFixed(3)}`;
    case 'join':
      return `${at} join ${action.address}`;
    case 'leave':
      return `${at} leave member pick ${action.pick.toFixed(3)}`;
    case 'crash':
      return action.tag !== undefined
        ? `${at} costly crash #${action.tag}: half of an even view from member pick ${action.pick.toFixed(3)} (restarted later)`
        : `${at} crash member pick ${action.pick.toFixed(3)}`;
    case 'restart':
      return `${at} restart ${action.of !== undefined ? `the processes of costly crash #${action.of}` : `down process pick ${action.pick.toFixed(3)}`}`;
    case 'crash-after-accept':
      return `${at} crash the next coordinator that sends 'accept' (within ${action.windowMs} ms)`;
    case 'crash-around-safe':
      return (
        `${at} ${action.order} safe x${action.count} from member pick ${action.pick.toFixed(3)}, then crash its ` +
        `${action.when === 'sent' ? 'sender right after the first is sent' : 'first deliverer right after it delivers'} (within ${action.windowMs} ms)`
      );
    case 'partition':
      return `${at} partition (shuffle ${action.shuffle}, fraction ${action.fraction.toFixed(3)})`;
    case 'heal':
      return `${at} heal`;
    case 'loss':
      return `${at} loss -> ${action.loss}`;
    case 'call':
      return `${at} call (${action.order}, replies ${action.quorum}${action.nested ? ', nested' : ''}, timeout ${action.timeoutMs} ms) from member pick ${action.pick.toFixed(3)}`;
    case 'client':
      return `${at} client c${action.client} ${action.mode} request (${action.order}, replies ${action.quorum})`;
    case 'scatter':
      return `${at} client c${action.client} ${action.mode} scatter-gather (replies ${action.quorum}, timeout ${action.timeoutMs} ms)`;
    case 'hostile':
      return `${at} hostile member: ${action.count} frame(s) ${action.as === 'self' ? 'as itself' : "in members' names, numbers out of reach"} (seed ${action.seed})`;
    case 'replay':
      return `${at} hostile member: replays ${action.count} recorded frame(s) ${action.stale === 'view' ? 'of an earlier view' : 'under another epoch'} (seed ${action.seed})`;
  }
}

/** The scenario as text: network, members, then one line per action. */
export function describeScenario(scenario: Scenario): string[] {
  const n = scenario.network;
  return [
    `seed ${scenario.seed}: loss ${n.loss}, duplication ${n.duplication}, reorder ${n.reorder}, ` +
      `delay ${n.delayMs.min}-${n.delayMs.max} ms; ${scenario.initialMembers.length} initial members; ` +
      `faults until t=${scenario.durationMs}, then settle (<= ${scenario.settleMs} ms) + ${scenario.tailMs} ms`,
    ...scenario.actions.map(describeAction),
  ];
}
