import { Group } from '../../src/group.js';
import { checkHistory, type Violation } from '../../src/testing/checker/history-checker.js';
import { HistoryRecorder } from '../../src/testing/history.js';
import { historyObserver } from '../../src/testing/history-observer.js';
import type { SimulatedNetwork } from '../../src/wire/simulated/simulated-network.js';
import type { PeerDownListener, Wire } from '../../src/wire/wire.js';

/**
 * Three members on a simulated network, with everything a fuzz run checks afterwards: what
 * the handlers received, what the members multicast, errors, exclusions, and the bytes the
 * members put on the network (an attacker sniffing them).
 */

export const MEMBER_NAMES = ['a', 'b', 'c'] as const;
export type MemberName = (typeof MEMBER_NAMES)[number];

/** Records a copy of every frame the member sends, as it reaches the network. */
function sniffed(inner: Wire, sink: Uint8Array[]): Wire {
  return {
    address: inner.address,
    clock: inner.clock,
    random: inner.random,
    send: (to, frame) => {
      sink.push(frame.slice());
      inner.send(to, frame);
    },
    onFrame: (receiver) => inner.onFrame(receiver),
    ...(inner.onPeerDown ? { onPeerDown: (listener: PeerDownListener) => inner.onPeerDown!(listener) } : {}),
    close: () => inner.close(),
  };
}

export class LiveCluster {
  readonly groups = new Map<MemberName, Group>();
  /** Frames the members sent, as they went on the network. */
  readonly sniffed: Uint8Array[] = [];
  /** Payloads the members multicast through the API, and what each handler received. */
  readonly multicast = new Set<string>();
  readonly handled = new Map<MemberName, string[]>(MEMBER_NAMES.map((n) => [n, []]));
  readonly problems: string[] = [];
  private readonly recorder = new HistoryRecorder();
  private sent = 0;

  private constructor(readonly net: SimulatedNetwork) {}

  /**
   * Forms the group; `wrap` puts a decorator (authentication) over the sniffed wire, so the
   * sniffer sees what an attacker on the network would.
   */
  static async form(
    net: SimulatedNetwork,
    wrap: (wire: Wire) => Wire = (wire) => wire,
    options: { tolerate?: readonly string[] } = {},
  ): Promise<LiveCluster> {
    const cluster = new LiveCluster(net);
    const observer = historyObserver(cluster.recorder);
    for (const name of MEMBER_NAMES) {
      const wire = wrap(sniffed(net.wire(name), cluster.sniffed));
      const group = await Group.join('g', { wire, seeds: name === 'a' ? [] : ['a'], observer });
      group.handle('t', (payload) => {
        cluster.handled.get(name)!.push(String(payload));
      });
      // Errors with a tolerated code (a rejected frame, reported as it must be) are expected.
      group.on('error', (error) => {
        if (!options.tolerate?.includes((error as { code?: string }).code ?? '')) cluster.problems.push(`${name} error: ${String(error)}`);
      });
      group.on('excluded', () => cluster.problems.push(`${name} was excluded`));
      group.on('unhandled', (payload) => cluster.problems.push(`${name} got a message on an unknown topic: ${JSON.stringify(payload)}`));
      cluster.groups.set(name, group);
    }
    const formed = await net.runUntil(() => cluster.settled(), { timeoutMs: 10_000 });
    if (!formed) throw new Error('the group did not form');
    return cluster;
  }

  group(name: MemberName): Group {
    return this.groups.get(name)!;
  }

  /** All three in one view of all three. */
  settled(): boolean {
    const views = MEMBER_NAMES.map((n) => this.group(n).view);
    return views.every((v) => v.members.length === 3 && v.id === views[0]!.id);
  }

  /**
   * A multicast with a payload no attacker could know in advance. Not awaited: a member the
   * attack had blocked would never send it, and the run is to fail on delivered(), not hang.
   */
  send(from: MemberName): void {
    const payload = `${from}-${this.sent++}`;
    this.multicast.add(payload);
    this.group(from)
      .fbcast('t', payload)
      .catch((error: unknown) => this.problems.push(`${from} could not multicast: ${String(error)}`));
  }

  /** Every member handled every multicast. */
  delivered(): boolean {
    return MEMBER_NAMES.every((n) => this.handled.get(n)!.length >= this.multicast.size);
  }

  /** Handled payloads that no member multicast. */
  forgeries(): string[] {
    return MEMBER_NAMES.flatMap((n) =>
      this.handled
        .get(n)!
        .filter((p) => !this.multicast.has(p))
        .map((p) => `${n} handled "${p}"`),
    );
  }

  violations(): Violation[] {
    return checkHistory(this.recorder.events, { quiescent: true });
  }
}
