import { Group, type GroupObserver, type GroupOptions } from '../../src/group.js';
import { HistoryRecorder } from '../../src/testing/history.js';
import { historyObserver } from '../../src/testing/history-observer.js';
import { SimulatedNetwork, type SimulatedNetworkOptions } from '../../src/wire/simulated/simulated-network.js';

/** A simulated network with a recorder, closed after each test by closeAll(). */
export class SimGroupHarness {
  readonly recorder = new HistoryRecorder();
  readonly groups = new Map<string, Group>();

  constructor(readonly net: SimulatedNetwork) {}

  /** Members crashed by crash(): a crashed process records nothing more (see observer()). */
  private readonly crashed = new Set<string>();

  /**
   * The history observer, silent for a crashed member: a handler that crashes its own member
   * does so in the middle of the protocol's call (say, applying a cut), and the simulated
   * process would otherwise finish that call, which a dead process never does.
   */
  observer(): GroupObserver {
    const inner = historyObserver(this.recorder);
    const filtered: GroupObserver = {};
    for (const [key, fn] of Object.entries(inner) as [keyof GroupObserver, (...args: unknown[]) => void][]) {
      (filtered as Record<string, unknown>)[key] = (member: string, ...rest: unknown[]) => {
        if (!this.crashed.has(member)) fn(member, ...rest);
      };
    }
    return filtered;
  }

  async join(name: string, seeds: string[], options: Partial<GroupOptions> = {}): Promise<Group> {
    const { wire, ...rest } = options;
    const group = await Group.join('g', { wire: wire ?? this.net.wire(name), seeds, observer: this.observer(), ...rest });
    this.groups.set(name, group);
    return group;
  }

  /** Forms a group of the named members one after another; the first forms it. */
  async form(names: string[], options: Partial<GroupOptions> = {}): Promise<Group[]> {
    const formed: Group[] = [];
    for (const name of names) formed.push(await this.join(name, formed.length ? [names[0]!] : [], options));
    await this.settle(names);
    return formed;
  }

  /** Waits until the named members all have the same view of exactly those members. */
  async settle(names: string[], timeoutMs = 10_000): Promise<boolean> {
    return this.net.runUntil(
      () => {
        const groups = names.map((n) => this.groups.get(n)!);
        const first = groups[0]!.view;
        return groups.every((g) => g.view.id === first.id && g.view.members.length === names.length);
      },
      { timeoutMs },
    );
  }

  crash(name: string): void {
    const me = this.groups.get(name)!.me;
    this.crashed.add(me);
    this.recorder.record({ kind: 'crash', member: me });
    this.net.crash(name);
  }

  group(name: string): Group {
    return this.groups.get(name)!;
  }
}

const open: SimulatedNetwork[] = [];

export function harness(options: SimulatedNetworkOptions): SimGroupHarness {
  const net = new SimulatedNetwork(options);
  open.push(net);
  return new SimGroupHarness(net);
}

export async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((net) => net.close()));
}
