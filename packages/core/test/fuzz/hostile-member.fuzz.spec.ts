import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { encodeFrame, type FrameBody } from '../../src/protocol/frames.js';
import { authenticate } from '../../src/wire/authenticated-wire.js';
import { SimulatedNetwork } from '../../src/wire/simulated/simulated-network.js';
import { frameBody } from './frame-arbitraries.js';
import { FUZZ_SEED, runs, timeoutMs } from './fuzz-config.js';
import { LiveCluster, MEMBER_NAMES } from './live-cluster.js';

/**
 * A key holder (issue 11): it signs with the group's key and knows the group's epoch, so every
 * frame it sends passes authentication and the epoch check. It sends well-formed frames of
 * every kind with hostile content:
 * - as itself, a process outside the view: nothing it says may change the group;
 * - in the name of a member of the view, but with numbers no member would send: ballots far
 *   above the rounds seen, sequence numbers beyond reach, installs whose cut cannot apply,
 *   view-notices from outside the view they announce. (A key holder that sends plausible
 *   frames in a member's name can forge that member's messages: the key vouches for the group,
 *   not for a member — docs/security.md.)
 * Between its frames the members multicast. Afterwards nothing threw, every member handled
 * every multicast and nothing else, the view is the one before the attack, and the history
 * checker finds nothing. What the members rejected was counted and reported as FRAME_REJECTED.
 */

const FRAMES_PER_RUN = 300;
const MULTICAST_EVERY = 20;
const KEY = 'the hostile member holds this key too';
/** Beyond any sequence number a member of this group could send (member.ts SEQ_REACH_MIN). */
const FAR_SEQ = (1 << 21) + 1;

type Hostile = { readonly as: 'self' | 'member'; readonly member: number; readonly to: number; readonly body: FrameBody };

const hostile: fc.Arbitrary<Hostile> = fc.record({
  as: fc.constantFrom('self' as const, 'member' as const),
  member: fc.nat(2),
  to: fc.nat(2),
  body: frameBody,
});

/**
 * In a member's name only what no member would send: numbers out of reach. Kinds that carry
 * no such number (a nak, a leave-request, a plausible reply) are sent as itself instead.
 */
function outOfReach(body: FrameBody): FrameBody | null {
  switch (body.type) {
    case 'data':
      return { ...body, seq: FAR_SEQ + body.seq };
    case 'pack':
      return body.messages.length === 0 ? null : { ...body, messages: body.messages.map((m) => ({ ...m, seq: FAR_SEQ + m.seq })) };
    case 'heartbeat':
      return { ...body, sentHigh: FAR_SEQ + body.sentHigh };
    case 'prepare':
    case 'accept':
      return { ...body, ballot: { round: 1_000 + (body.ballot.round % 1_000_000), rank: body.ballot.rank } };
    case 'reject':
      return { ...body, promised: { round: 1_000 + (body.promised.round % 1_000_000), rank: body.promised.rank } };
    case 'install':
      return { ...body, value: { ...body.value, targets: body.value.targets.map((t) => FAR_SEQ + t) } };
    case 'view-notice':
      return { ...body, members: body.members.filter((m) => !m.startsWith('a') && !m.startsWith('b') && !m.startsWith('c')) };
    default:
      return null;
  }
}

describe('a live group and a hostile key holder (protocol level)', () => {
  it(
    'keeps delivering, changes no view and breaks no property, whatever well-formed signed frames it is sent',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.nat(),
          fc.array(hostile, { minLength: FRAMES_PER_RUN, maxLength: FRAMES_PER_RUN }),
          async (networkSeed, attacks) => {
            const net = new SimulatedNetwork({ seed: networkSeed });
            try {
              const cluster = await LiveCluster.form(net, (wire) => authenticate(wire, { key: KEY, log: () => {} }), {
                tolerate: ['FRAME_REJECTED'],
              });
              const eve = authenticate(net.wire('eve'), { key: KEY, log: () => {} });
              const epoch = cluster.group('a').epoch;
              const viewId = cluster.group('a').view.id;
              const members = MEMBER_NAMES.map((n) => cluster.group(n).me);
              let inNameOfMembers = 0;
              for (const [i, attack] of attacks.entries()) {
                const forged = attack.as === 'member' ? outOfReach(attack.body) : null;
                const from = forged ? members[attack.member]! : 'eve/1';
                if (forged) inNameOfMembers++;
                eve.send(MEMBER_NAMES[attack.to]!, encodeFrame({ epoch, group: 'g', from, viewId, body: forged ?? attack.body }));
                if (i % MULTICAST_EVERY === 0) cluster.send(MEMBER_NAMES[(i / MULTICAST_EVERY) % 3]!);
                await net.sleep(1);
              }
              for (const name of MEMBER_NAMES) cluster.send(name);
              const delivered = await net.runUntil(() => cluster.delivered(), { timeoutMs: 20_000 });
              await net.sleep(500);
              expect(net.errors).toEqual([]);
              expect(cluster.problems).toEqual([]);
              expect(cluster.forgeries()).toEqual([]);
              expect(delivered).toBe(true);
              expect(MEMBER_NAMES.map((n) => cluster.group(n).view.id)).toEqual([viewId, viewId, viewId]);
              expect(cluster.violations()).toEqual([]);
              const rejected = MEMBER_NAMES.reduce((n, name) => n + cluster.group(name).stats.framesRejected, 0);
              // The run means something only if frames in members' names were sent and refused.
              expect(inNameOfMembers).toBeGreaterThan(FRAMES_PER_RUN / 10);
              expect(rejected).toBeGreaterThan(0);
            } finally {
              await net.close();
            }
          },
        ),
        { numRuns: runs(4), seed: FUZZ_SEED, endOnFailure: true },
      );
    },
    timeoutMs(60_000),
  );
});
