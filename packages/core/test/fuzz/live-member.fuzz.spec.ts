import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeFrame } from '../../src/protocol/frames.js';
import { DecodeError } from '../../src/errors.js';
import { authenticate, type AuthenticatedWire } from '../../src/wire/authenticated-wire.js';
import { SimulatedNetwork } from '../../src/wire/simulated/simulated-network.js';
import { FUZZ_SCALE, FUZZ_SEED, runs, timeoutMs } from './fuzz-config.js';
import { LiveCluster, MEMBER_NAMES, type MemberName } from './live-cluster.js';
import { applyMutations, mutations, type Mutation } from './mutations.js';

/**
 * A peer on the network throws random bytes, mutations of frames it sniffed and exact replays
 * at the members of a running group, between the group's own multicasts. Afterwards nothing
 * threw, no handler got a payload no member multicast, the history checker finds nothing,
 * the group still delivers, and the garbage was counted.
 *
 * One fast-check run is one group and FRAMES_PER_RUN attack frames (3,000 + 2,000 frames in
 * all by default). Runs share no state, but a run is long: a failure is reported without
 * shrinking (endOnFailure) and replays with FUZZ_SEED (see fuzz-config.ts).
 */

const FRAMES_PER_RUN = 500;
/** One of our multicasts after every this many attack frames. */
const MULTICAST_EVERY = 25;
const KEY = 'the fuzzed group shares this key';

type Attack =
  | { readonly kind: 'random'; readonly to: number; readonly bytes: Uint8Array }
  | { readonly kind: 'mutant'; readonly to: number; readonly pick: number; readonly edits: readonly Mutation[] }
  | { readonly kind: 'replay'; readonly to: number; readonly pick: number };

type Run = { networkSeed: number; attacks: Attack[] };

const to = fc.nat(MEMBER_NAMES.length - 1);
const attack: fc.Arbitrary<Attack> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('random' as const), to, bytes: fc.uint8Array({ maxLength: 96 }) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('mutant' as const), to, pick: fc.nat(), edits: mutations }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replay' as const), to, pick: fc.nat() }) },
);
const run: fc.Arbitrary<Run> = fc.record({
  networkSeed: fc.nat(),
  attacks: fc.array(attack, { minLength: FRAMES_PER_RUN, maxLength: FRAMES_PER_RUN }),
});

/** The bytes of one attack, made from any of the frames the attacker sniffed so far. */
function bytesOf(attack: Attack, sniffed: readonly Uint8Array[]): Uint8Array {
  if (attack.kind === 'random') return attack.bytes;
  const source = sniffed[attack.pick % sniffed.length]!;
  return attack.kind === 'replay' ? source.slice() : applyMutations(source, attack.edits);
}

function malformed(bytes: Uint8Array): boolean {
  try {
    decodeFrame(bytes);
    return false;
  } catch (error) {
    if (error instanceof DecodeError) return true;
    throw error;
  }
}

/**
 * Runs the attack against a formed cluster, one frame per virtual millisecond, with the
 * group's own multicasts in between. `admit` decides whether a frame is sent (and counts it).
 */
async function attackCluster(
  cluster: LiveCluster,
  attacks: readonly Attack[],
  admit: (bytes: Uint8Array, attack: Attack) => boolean,
): Promise<void> {
  const { net } = cluster;
  const eve = net.wire('eve');
  for (const [i, attack] of attacks.entries()) {
    const bytes = bytesOf(attack, cluster.sniffed);
    if (admit(bytes, attack)) eve.send(MEMBER_NAMES[attack.to]!, bytes);
    if (i % MULTICAST_EVERY === 0) cluster.send(MEMBER_NAMES[(i / MULTICAST_EVERY) % 3]!);
    await net.sleep(1);
  }
  for (const name of MEMBER_NAMES) cluster.send(name);
}

/** What must hold after any attack. */
async function survived(cluster: LiveCluster, viewId: number): Promise<void> {
  const { net } = cluster;
  const delivered = await net.runUntil(() => cluster.delivered(), { timeoutMs: 20_000 });
  await net.sleep(500); // let acks and heartbeats settle before the quiescent history check
  expect(net.errors).toEqual([]);
  expect(cluster.problems).toEqual([]);
  expect(cluster.forgeries()).toEqual([]);
  expect(delivered).toBe(true);
  expect(MEMBER_NAMES.map((n) => cluster.group(n).view.id)).toEqual([viewId, viewId, viewId]);
  expect(cluster.violations()).toEqual([]);
}

/**
 * No shrinking (a run is a whole group), and a short report: fast-check's default one would
 * print all the attack frames of the failing run. The seed and path replay it.
 */
function fuzzOptions(numRuns: number): fc.Parameters<[Run]> {
  return {
    numRuns: runs(numRuns),
    seed: FUZZ_SEED,
    endOnFailure: true,
    reporter: (details) => {
      if (!details.failed) return;
      const cause = details.errorInstance;
      throw new Error(
        `live fuzz run failed (fast-check seed ${details.seed}, path ${details.counterexamplePath}, network seed ` +
          `${details.counterexample?.[0].networkSeed}); replay with FUZZ_SEED=${FUZZ_SEED} FUZZ_SCALE=${FUZZ_SCALE}: ` +
          `${cause instanceof Error ? cause.message : String(cause)}`,
        { cause },
      );
    },
  };
}

describe('a live group under a fuzzing attacker', () => {
  it(
    'survives malformed frames and exact replays sent to its members, and counts the garbage',
    async () => {
      await fc.assert(
        fc.asyncProperty(run, async ({ networkSeed, attacks }) => {
          const net = new SimulatedNetwork({ seed: networkSeed });
          try {
            const cluster = await LiveCluster.form(net);
            for (let i = 0; i < 6; i++) cluster.send(MEMBER_NAMES[i % 3]!); // data frames worth sniffing
            const viewId = cluster.group('a').view.id;
            const garbage = new Map<MemberName, number>(MEMBER_NAMES.map((n) => [n, 0]));
            let withheld = 0;
            await attackCluster(cluster, attacks, (bytes, attack) => {
              if (attack.kind === 'replay') return true;
              if (!malformed(bytes)) {
                // A well-formed forgery: without authentication nothing can tell it from a
                // member's frame, so it is not garbage. The authenticated property sends it.
                withheld++;
                return false;
              }
              const target = MEMBER_NAMES[attack.to]!;
              garbage.set(target, garbage.get(target)! + 1);
              return true;
            });
            await survived(cluster, viewId);
            for (const name of MEMBER_NAMES) expect(cluster.group(name).stats.framesMalformed).toBe(garbage.get(name));
            // Most attack frames must be garbage, or this property fuzzes little.
            expect(withheld).toBeLessThan(attacks.length / 5);
          } finally {
            await net.close();
          }
        }),
        fuzzOptions(6),
      );
    },
    timeoutMs(60_000),
  );

  it(
    'on authenticated wires, drops every altered frame, well-formed forgeries included, before decoding',
    async () => {
      await fc.assert(
        fc.asyncProperty(run, async ({ networkSeed, attacks }) => {
          const net = new SimulatedNetwork({ seed: networkSeed });
          try {
            const wires = new Map<string, AuthenticatedWire>();
            const cluster = await LiveCluster.form(net, (wire) => {
              const authenticated = authenticate(wire, { key: KEY, log: () => {} });
              wires.set(wire.address, authenticated);
              return authenticated;
            });
            for (let i = 0; i < 6; i++) cluster.send(MEMBER_NAMES[i % 3]!);
            const viewId = cluster.group('a').view.id;
            const genuine = new Set<string>();
            let sniffedSeen = 0;
            const altered = new Map<MemberName, number>(MEMBER_NAMES.map((n) => [n, 0]));
            const rejectedBefore = new Map(MEMBER_NAMES.map((n) => [n, wires.get(n)!.stats.framesRejected]));
            await attackCluster(cluster, attacks, (bytes, attack) => {
              // Frames sniffed later are genuine too: an exact replay of one passes the check.
              for (; sniffedSeen < cluster.sniffed.length; sniffedSeen++)
                genuine.add(Buffer.from(cluster.sniffed[sniffedSeen]!).toString('hex'));
              if (!genuine.has(Buffer.from(bytes).toString('hex'))) {
                const target = MEMBER_NAMES[attack.to]!;
                altered.set(target, altered.get(target)! + 1);
              }
              return true;
            });
            await survived(cluster, viewId);
            for (const name of MEMBER_NAMES) {
              expect(wires.get(name)!.stats.framesRejected - rejectedBefore.get(name)!).toBe(altered.get(name));
              // Only genuine frames got through, and a genuine frame is never malformed.
              expect(cluster.group(name).stats.framesMalformed).toBe(0);
            }
          } finally {
            await net.close();
          }
        }),
        fuzzOptions(4),
      );
    },
    timeoutMs(60_000),
  );
});
