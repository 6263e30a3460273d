import { describe, expect, it } from '@jest/globals';
import { encodeFrame, type Frame } from '../../src/protocol/frames.js';
import type { Group } from '../../src/group.js';
import type { Cluster, Process } from '../../src/testing/campaign/cluster.js';
import { FrameChecks, HOSTILE_ADDRESS, HOSTILE_ID } from '../../src/testing/campaign/hostile-member.js';
import { RunContext } from '../../src/testing/campaign/run-context.js';
import { runScenario } from '../../src/testing/campaign/run-scenario.js';
import { generateScenario, type ScenarioAction } from '../../src/testing/campaign/scenario.js';
import { SimulatedNetwork } from '../../src/wire/simulated/simulated-network.js';

const TIMEOUT_MS = 120_000;
const isHostile = (a: ScenarioAction): boolean => a.kind === 'hostile' || a.kind === 'replay';

describe('the hostile member in the scenario', () => {
  it("comes from a stream of its own: with hostility off, every seed's schedule is the one drawn before", () => {
    for (let seed = 1; seed <= 100; seed++) {
      const withHostile = generateScenario(seed);
      const without = generateScenario(seed, { hostile: false });
      expect(without.actions.some(isHostile)).toBe(false);
      expect(withHostile.actions.filter((a) => !isHostile(a))).toEqual(without.actions);
      // Adding it changed nothing else either: the network, the members, the phases.
      expect({ ...withHostile, actions: [] }).toEqual({ ...without, actions: [] });
    }
  });

  it('acts at the documented rates, in the fault phase', () => {
    const count = new Map<string, number>();
    let frames = 0;
    const seeds = 200;
    for (let seed = 1; seed <= seeds; seed++) {
      const s = generateScenario(seed);
      for (const a of s.actions) {
        if (a.kind === 'hostile') {
          count.set(a.as, (count.get(a.as) ?? 0) + 1);
          expect(a.count).toBeGreaterThanOrEqual(1);
          expect(a.count).toBeLessThanOrEqual(6);
          frames += a.count;
        } else if (a.kind === 'replay') {
          count.set(a.stale, (count.get(a.stale) ?? 0) + 1);
          expect(a.count).toBeGreaterThanOrEqual(1);
          expect(a.count).toBeLessThanOrEqual(8);
        } else {
          continue;
        }
        expect(a.at).toBeLessThan(s.durationMs);
        expect(Number.isInteger(a.seed) && a.seed >= 0 && a.seed < 2 ** 32).toBe(true);
      }
    }
    const perSeed = (key: string): number => (count.get(key) ?? 0) / seeds;
    // ~11 s of fault phase: mean gaps of 800 ms (as itself, in members' names) and 1 500 ms (replays).
    for (const key of ['self', 'member']) {
      expect(perSeed(key)).toBeGreaterThan(11);
      expect(perSeed(key)).toBeLessThan(17);
    }
    for (const key of ['view', 'epoch']) {
      expect(perSeed(key)).toBeGreaterThan(5.5);
      expect(perSeed(key)).toBeLessThan(9);
    }
    expect(frames / seeds).toBeGreaterThan(80);
  });
});

describe('a run with the hostile member', () => {
  it(
    'sends, replays and counts; the members reject what is out of reach, drop every frame of another epoch, and every property holds',
    async () => {
      const result = await runScenario(1);
      expect(result.violations).toEqual([]);
      const s = result.stats;
      expect(s.hostileSelfFrames).toBeGreaterThan(20);
      expect(s.hostileNamedFrames).toBeGreaterThan(20);
      expect(s.hostileArrived).toBeGreaterThan(0);
      expect(s.hostileRejected).toBeGreaterThan(0);
      expect(s.frameRejectedErrors).toBeGreaterThan(0);
      expect(s.frameRejectedErrors).toBeLessThanOrEqual(s.hostileRejected);
      expect(s.staleViewFrames).toBeGreaterThan(0);
      expect(s.staleEpochFrames).toBeGreaterThan(0);
      expect(s.staleEpochDropped).toBeGreaterThan(0);
      expect(s.staleEpochDropped).toBeLessThanOrEqual(s.staleEpochFrames);
      expect(result.log.some((line) => line.includes("hostile member in members' names"))).toBe(true);
      expect(result.log.some((line) => line.includes('hostile member replays frames under another epoch'))).toBe(true);
    },
    TIMEOUT_MS,
  );

  it(
    'with hostility off, runs as before: no frame from the hostile member, nothing rejected',
    async () => {
      const result = await runScenario(generateScenario(2, { hostile: false }));
      expect(result.violations).toEqual([]);
      expect(result.stats.hostileActions + result.stats.replayActions).toBe(0);
      expect(result.stats.hostileArrived + result.stats.hostileRejected + result.stats.frameRejectedErrors).toBe(0);
    },
    TIMEOUT_MS,
  );
});

/** A stand-in for a member's Group, with the stats a test sets, for the frame checks alone. */
function fakeGroup(epoch: number): { group: Group; stats: { framesRejected: number; framesOtherEpoch: number; framesDropped: number } } {
  const stats = { framesRejected: 0, framesOtherEpoch: 0, framesDropped: 0 };
  const group = {
    me: 'n1/7',
    epoch,
    view: { id: 4, members: ['n1/7', 'n2/9'], coordinator: 'n1/7' },
    status: { state: 'member' },
    get stats() {
      return { ...stats };
    },
  } as unknown as Group;
  return { group, stats };
}

describe('the frame checks', () => {
  const scenario = generateScenario(1, { hostile: false });

  function checks(): { run: RunContext; tap: NonNullable<Cluster['arrivalTap']>; net: SimulatedNetwork } {
    const net = new SimulatedNetwork({ seed: 1 });
    const run = new RunContext(net, scenario);
    const cluster = { arrivalTap: null } as unknown as Cluster;
    new FrameChecks(run, cluster);
    return { run, tap: cluster.arrivalTap!, net };
  }
  const process = { address: 'n1' } as Process;
  const frame = (f: Partial<Frame>): Uint8Array =>
    encodeFrame({
      epoch: 77,
      group: 'campaign',
      from: 'n2/9',
      viewId: 4,
      body: { type: 'heartbeat', sentHigh: 0, acks: [0, 0], flushing: false, slow: false },
      ...f,
    });

  it('report a frame of another epoch that a member in a view did not drop, and count those it dropped', async () => {
    const { run, tap, net } = checks();
    const { group, stats } = fakeGroup(77);
    tap(process, group, HOSTILE_ADDRESS, frame({ epoch: 78 }), () => {
      stats.framesOtherEpoch++;
    });
    expect(run.counts.staleEpochDropped).toBe(1);
    expect(run.violations).toEqual([]);
    tap(process, group, HOSTILE_ADDRESS, frame({ epoch: 78 }), () => {});
    expect(run.violations.map((v) => v.property)).toEqual(['hostile-frame']);
    expect(run.violations[0]!.message).toMatch(/did not drop a heartbeat frame .* epoch 78 \(the group's is 77\)/);
    await net.close();
  });

  it("report a hostile frame that changed a member's view", async () => {
    const { run, tap, net } = checks();
    const { group } = fakeGroup(77);
    tap(process, group, HOSTILE_ADDRESS, frame({ from: HOSTILE_ID }), () => {
      (group as unknown as { view: { id: number } }).view = { id: 5 };
    });
    expect(run.violations.map((v) => v.property)).toEqual(['hostile-frame']);
    expect(run.counts.hostileArrived).toBe(1);
    await net.close();
  });

  it("count the hostile member's frames a member rejected, and report an honest frame rejected", async () => {
    const { run, tap, net } = checks();
    const { group, stats } = fakeGroup(77);
    tap(
      process,
      group,
      HOSTILE_ADDRESS,
      frame({ body: { type: 'heartbeat', sentHigh: 2 ** 22, acks: [0, 0], flushing: false, slow: false } }),
      () => {
        stats.framesRejected++;
      },
    );
    expect(run.counts.hostileRejected).toBe(1);
    expect(run.violations).toEqual([]);
    tap(process, group, 'n2', frame({}), () => {
      stats.framesRejected++;
    });
    expect(run.violations.map((v) => v.property)).toEqual(['frame-rejected']);
    expect(run.violations[0]!.message).toMatch(/n1\/7 rejected a heartbeat frame of view 4 from n2\/9/);
    await net.close();
  });

  it('allow a rejection at the next view for each hostile frame of that view a member kept', async () => {
    const { run, tap, net } = checks();
    const { group, stats } = fakeGroup(77);
    // In n2/9's name, of view 5: kept until the member installs it.
    tap(
      process,
      group,
      HOSTILE_ADDRESS,
      frame({ viewId: 5, body: { type: 'data', seq: 2 ** 22, topic: 't', payload: new Uint8Array(0) } }),
      () => {},
    );
    // The install arrives from a member, and the kept frame is rejected then: allowed once.
    tap(process, group, 'n2', frame({}), () => {
      stats.framesRejected++;
    });
    expect(run.violations).toEqual([]);
    tap(process, group, 'n2', frame({}), () => {
      stats.framesRejected++;
    });
    expect(run.violations.map((v) => v.property)).toEqual(['frame-rejected']);
    await net.close();
  });
});
