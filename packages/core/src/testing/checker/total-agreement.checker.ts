/**
 * 'total-agreement': the messages sent with order 'total' (abcast) or 'group' (gbcast) are
 * delivered in one agreed order. Any two members deliver the ones they both deliver in the
 * same relative order; and, stronger, one order of all of them agrees with every member (the
 * union of the members' delivery orders has no cycle: three members that each share a
 * different pair of messages must not see a → b, b → c, c → a).
 *
 * Each member's first deliveries of such messages form its sequence (the pass records
 * them). After the pass, the sequences' consecutive pairs are the edges of one graph over
 * the messages, sorted topologically (Kahn) in O(deliveries + messages). A pairwise
 * disagreement always closes a cycle, so an acyclic graph means every member agrees with
 * every other — the usual case costs nothing more. Only when a cycle exists are the pairs of
 * members compared one by one (O(members × deliveries)) to name the two members and the two
 * messages; a cycle without any pairwise disagreement is reported as the cycle itself.
 *
 * Agreement is asked of the members that survive the message's view (install the next one,
 * or, in a settled run, are alive at the end): like view synchrony, total order is not
 * uniform — a member excluded or crashed in that view may have followed positions that no
 * survivor ever received (the sequencer on its side of a partition).
 */
import type { HistoryContext } from './context.js';
import { survivorsOf } from './survivors.js';
import type { CheckerFactory, Report } from './types.js';

function isTotallyOrdered(order: string | undefined): boolean {
  return order === 'total' || order === 'group';
}

/** A member's first deliveries of 'total'/'group' messages, in order, and the event index of each. */
interface Sequence {
  msgs: number[];
  at: number[];
}

/** Compares every pair of members; reports the first inversion of each pair; returns how many pairs disagree. */
function reportPairs(ctx: HistoryContext, sequences: readonly (Sequence | undefined)[], report: Report): number {
  const position = new Int32Array(ctx.messageIds.length).fill(-1);
  let found = 0;
  for (let q = 0; q < sequences.length; q++) {
    const sq = sequences[q];
    if (sq === undefined) continue;
    for (let j = 0; j < sq.msgs.length; j++) position[sq.msgs[j]!] = j;
    for (let p = 0; p < q; p++) {
      const sp = sequences[p];
      if (sp === undefined) continue;
      let maxJ = -1;
      let maxI = -1;
      for (let i = 0; i < sp.msgs.length; i++) {
        const j = position[sp.msgs[i]!]!;
        if (j < 0) continue;
        if (j > maxJ) {
          maxJ = j;
          maxI = i;
          continue;
        }
        const a = sp.msgs[maxI]!;
        const b = sp.msgs[i]!;
        const pid = ctx.memberList[p]!.id;
        const qid = ctx.memberList[q]!.id;
        const [ida, idb] = [ctx.messageIds[a], ctx.messageIds[b]];
        report(
          `${pid} and ${qid} delivered ${ida} and ${idb} in different orders: ${pid} delivered ${ida} (event #${sp.at[maxI]}) ` +
            `before ${idb} (event #${sp.at[i]}), ${qid} delivered ${idb} (event #${sq.at[j]}) before ${ida} (event #${sq.at[maxJ]})`,
        );
        found++;
        break;
      }
    }
    for (const m of sq.msgs) position[m] = -1;
  }
  return found;
}

/** Keeps, of each member's sequence, the messages of views that member survived. */
function survivorsOnly(ctx: HistoryContext, sequences: readonly (Sequence | undefined)[], includeEnd: boolean): (Sequence | undefined)[] {
  const survived = new Set<string>();
  for (const [viewId, list] of survivorsOf(ctx, includeEnd)) for (const { member } of list) survived.add(`${member.index}:${viewId}`);
  return sequences.map((s, index) => {
    if (s === undefined) return undefined;
    const kept: Sequence = { msgs: [], at: [] };
    s.msgs.forEach((msg, i) => {
      const viewId = ctx.sends[msg]?.viewId;
      if (viewId !== undefined && survived.has(`${index}:${viewId}`)) {
        kept.msgs.push(msg);
        kept.at.push(s.at[i]!);
      }
    });
    return kept;
  });
}

export const totalAgreementChecker: CheckerFactory = (report, options) => {
  const sequences: (Sequence | undefined)[] = [];
  return {
    property: 'total-agreement',
    onDeliver(_event, msg, member, ctx) {
      if (member.delivered.has(msg) || !isTotallyOrdered(ctx.sends[msg]?.order)) return;
      const s = (sequences[member.index] ??= { msgs: [], at: [] });
      s.msgs.push(msg);
      s.at.push(ctx.index);
    },
    finish(ctx) {
      sequences.splice(0, sequences.length, ...survivorsOnly(ctx, sequences, options.quiescent === true));
      const n = ctx.messageIds.length;
      // The graph: an edge from each message to the next one in a member's sequence.
      const outCount = new Int32Array(n + 1);
      const inDegree = new Int32Array(n);
      let edges = 0;
      for (const s of sequences) {
        if (s === undefined) continue;
        for (let i = 1; i < s.msgs.length; i++) {
          outCount[s.msgs[i - 1]!]!++;
          inDegree[s.msgs[i]!]!++;
          edges++;
        }
      }
      if (edges === 0) return;
      const start = new Int32Array(n + 1);
      for (let m = 0; m < n; m++) start[m + 1] = start[m]! + outCount[m]!;
      const fill = start.slice(0, n);
      const target = new Int32Array(edges);
      const witness = new Int32Array(edges);
      sequences.forEach((s, member) => {
        if (s === undefined) return;
        for (let i = 1; i < s.msgs.length; i++) {
          const e = fill[s.msgs[i - 1]!]!++;
          target[e] = s.msgs[i]!;
          witness[e] = member;
        }
      });
      // Kahn's topological sort; what is left over lies on or after a cycle.
      const remaining = inDegree.slice();
      const ready: number[] = [];
      for (let m = 0; m < n; m++) if (remaining[m] === 0) ready.push(m);
      while (ready.length > 0) {
        const m = ready.pop()!;
        for (let e = start[m]!; e < start[m + 1]!; e++) {
          const t = target[e]!;
          if (--remaining[t]! === 0) ready.push(t);
        }
      }
      let stuck = -1;
      for (let m = 0; m < n; m++) {
        if (remaining[m]! > 0) {
          stuck = m;
          break;
        }
      }
      if (stuck < 0) return;
      if (reportPairs(ctx, sequences, report) > 0) return;

      // No two members disagree, yet no single order fits them all: name one cycle, walking
      // backwards (every left-over message has a left-over predecessor).
      const predecessor = new Int32Array(n).fill(-1);
      const predecessorWitness = new Int32Array(n);
      for (let m = 0; m < n; m++) {
        if (remaining[m]! === 0) continue;
        for (let e = start[m]!; e < start[m + 1]!; e++) {
          const t = target[e]!;
          if (remaining[t]! > 0 && predecessor[t] === -1) {
            predecessor[t] = m;
            predecessorWitness[t] = witness[e]!;
          }
        }
      }
      const seenAt = new Map<number, number>();
      const walk: number[] = [];
      let m = stuck;
      while (!seenAt.has(m) && m >= 0) {
        seenAt.set(m, walk.length);
        walk.push(m);
        m = predecessor[m]!;
      }
      if (m < 0) return; // cannot happen: a left-over message always has a left-over predecessor
      const cycle = walk.slice(seenAt.get(m)).reverse(); // forward order
      const steps = cycle.map((c, i) => {
        const next = cycle[(i + 1) % cycle.length]!;
        return `${ctx.memberList[predecessorWitness[next]!]!.id} delivered ${ctx.messageIds[c]} before ${ctx.messageIds[next]}`;
      });
      report(
        `no single order of the 'total'/'group' messages agrees with every member: ` +
          `${[...cycle, cycle[0]!].map((c) => ctx.messageIds[c]).join(' → ')} (${steps.join(', ')})`,
      );
    },
  };
};
