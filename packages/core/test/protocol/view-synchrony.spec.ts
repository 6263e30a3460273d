import { Group } from '../../src/group.js';
import { checkHistory } from '../../src/testing/checker/history-checker.js';
import { HistoryRecorder } from '../../src/testing/history.js';
import { historyObserver } from '../../src/testing/history-observer.js';
import { SimulatedNetwork } from '../../src/wire/simulated/simulated-network.js';

/** Members that installed view v and the next one delivered the same set in v. */
function perViewSets(recorder: HistoryRecorder): Map<string, Map<number, Set<string>>> {
  const sets = new Map<string, Map<number, Set<string>>>();
  for (const event of recorder.events) {
    if (event.kind !== 'deliver') continue;
    let byView = sets.get(event.member);
    if (!byView) sets.set(event.member, (byView = new Map()));
    let set = byView.get(event.viewId);
    if (!set) byView.set(event.viewId, (set = new Set()));
    set.add(event.id);
  }
  return sets;
}

async function formGroup(
  net: SimulatedNetwork,
  names: string[],
  recorder: HistoryRecorder,
  extra: Partial<Parameters<typeof Group.join>[1]> = {},
): Promise<Group[]> {
  const groups: Group[] = [];
  const observer = historyObserver(recorder);
  for (const name of names) {
    groups.push(await Group.join('g', { wire: net.wire(name), seeds: groups.length ? [names[0]!] : [], observer, ...extra }));
  }
  const settled = await net.runUntil(() => groups.every((g) => g.view.members.length === names.length), { timeoutMs: 10_000 });
  expect(settled).toBe(true);
  return groups;
}

const networks: SimulatedNetwork[] = [];
function network(options: ConstructorParameters<typeof SimulatedNetwork>[0]): SimulatedNetwork {
  const net = new SimulatedNetwork(options);
  networks.push(net);
  return net;
}
afterEach(async () => {
  await Promise.all(networks.splice(0).map((net) => net.close()));
});

describe('view-synchronous FIFO multicast', () => {
  it('5 members, 10% loss, 3 senders, 10,000 fbcasts, two crashes: survivors hold the same per-view sets', async () => {
    const net = network({ seed: 7, loss: 0.1 });
    const recorder = new HistoryRecorder();
    const names = ['a', 'b', 'c', 'd', 'e'];
    const groups = await formGroup(net, names, recorder);
    const crash = (i: number): void => {
      recorder.record({ kind: 'crash', member: groups[i]!.me });
      net.crash(names[i]!);
    };
    const senders = [0, 2, 4];
    let sent = 0;
    for (let round = 0; sent < 10_000; round++) {
      for (const s of senders) {
        if (sent < 10_000 && !net.isCrashed(names[s]!)) {
          void groups[s]!.fbcast('t', `${names[s]}:${round}`);
          sent++;
        }
      }
      if (round === 800) crash(1);
      if (round === 2400) crash(4);
      if (round % 3 === 0) await net.sleep(1);
    }
    await net.sleep(5_000);
    expect(checkHistory(recorder.events, { quiescent: true })).toEqual([]);
    const survivors = [0, 2, 3].map((i) => groups[i]!);
    expect(new Set(survivors.map((g) => g.view.id)).size).toBe(1);
    expect(survivors[0]!.view.members).toHaveLength(3);
    const sets = perViewSets(recorder);
    const first = sets.get(survivors[0]!.me)!;
    for (const g of survivors.slice(1)) {
      const mine = sets.get(g.me)!;
      for (const [viewId, set] of first) expect([...(mine.get(viewId) ?? [])].sort()).toEqual([...set].sort());
    }
    // Memory is bounded: once everything is stable nothing stays held.
    for (const g of survivors) expect(g.heldMessages).toBe(0);
    net.assertHealthy();
    await net.close();
  }, 120_000);

  it('a 3|2 partition: the 3-side goes on, the 2-side installs nothing, and after heal the 2 rejoin with state', async () => {
    const net = network({ seed: 11 });
    const recorder = new HistoryRecorder();
    const names = ['a', 'b', 'c', 'd', 'e'];
    const logs = new Map<string, string[]>();
    const groups: Group[] = [];
    const observer = historyObserver(recorder);
    for (const name of names) {
      const log: string[] = [];
      logs.set(name, log);
      const group = await Group.join('g', {
        wire: net.wire(name),
        seeds: groups.length ? ['a'] : [],
        observer,
        getState: () => [...log],
        setState: (state) => {
          log.splice(0, log.length, ...(state as string[]));
        },
      });
      group.handle('log', (entry) => {
        log.push(entry as string);
      });
      groups.push(group);
    }
    await net.runUntil(() => groups.every((g) => g.view.members.length === 5), { timeoutMs: 10_000 });
    const excluded: string[] = [];
    groups.forEach((g, i) => g.on('excluded', () => excluded.push(names[i]!)));
    for (let i = 0; i < 20; i++) await groups[i % 5]!.fbcast('log', `before-${i}`);
    await net.sleep(500);
    const viewBefore = groups[3]!.view.id;
    const minority = [groups[3]!.me, groups[4]!.me];
    const blocked: string[] = [];
    groups.forEach((g, i) => g.on('blocked', (reason) => blocked.push(`${names[i]}:${reason.code}`)));
    net.partition(['a', 'b', 'c'], ['d', 'e']);
    for (let i = 0; i < 20; i++) await groups[i % 3]!.fbcast('log', `during-${i}`);
    // Silence is suspected after 3 s (suspectTimeoutMs), then one view change.
    await net.sleep(5_000);
    expect(groups[0]!.view.members).toEqual(groups.slice(0, 3).map((g) => g.me));
    // The minority knows it cannot go on, and says why.
    expect(blocked.sort()).toEqual(['d:NO_QUORUM', 'e:NO_QUORUM']);
    expect(groups[3]!.status).toMatchObject({ state: 'blocked', blocked: { code: 'NO_QUORUM', viewId: viewBefore } });
    // The minority side installed no view since the partition.
    const minorityViews = recorder.events.filter((e) => e.kind === 'view' && minority.includes(e.member) && e.view.id > viewBefore);
    expect(minorityViews).toEqual([]);
    net.heal();
    const healed = await net.runUntil(() => groups.every((g) => g.view.members.length === 5 && g.view.id === groups[0]!.view.id), {
      timeoutMs: 20_000,
    });
    expect(healed).toBe(true);
    expect(excluded.sort()).toEqual(['d', 'e']);
    // New incarnations, and state consistent with what the others delivered.
    expect(groups[3]!.me).not.toBe(minority[0]);
    for (let i = 0; i < 10; i++) await groups[i % 5]!.fbcast('log', `after-${i}`);
    await net.sleep(1_000);
    const reference = logs.get('a')!;
    expect(reference.length).toBe(50);
    // Concurrent senders: FIFO per sender, so compare contents, and each sender's order.
    for (const name of names) expect([...logs.get(name)!].sort()).toEqual([...reference].sort());
    const bySender = (log: string[], prefix: string): string[] => log.filter((entry) => entry.startsWith(prefix));
    for (const name of names) expect(bySender(logs.get(name)!, 'after-')).toHaveLength(10);
    expect(checkHistory(recorder.events, { quiescent: true })).toEqual([]);
    await net.close();
  }, 60_000);
});
