import { describe, expect, it } from '@jest/globals';
import { BootstrapVote } from '../../../src/protocol/membership/bootstrap-vote.js';

const DISCOVERY_MS = 600;

describe('forming a group from seeds (BootstrapVote)', () => {
  it('the lowest seed that is up forms the group once a majority of the seeds votes for it', () => {
    // Seeds s1 < s2 < s3; s1 never starts.
    const s2 = new BootstrapVote('s2', ['s1', 's3'], DISCOVERY_MS);
    const s3 = new BootstrapVote('s3', ['s1', 's2'], DISCOVERY_MS);
    s2.heard('s3', '', 0);
    s3.heard('s2', '', 0);
    expect(s3.elected(600)).toBe(false);
    expect(s3.current).toBe('s2');
    expect(s2.elected(600)).toBe(false); // votes for itself, but has no other vote yet
    s2.heard('s3', s3.current, 700);
    expect(s2.elected(700)).toBe(true);
  });

  it('a lone member never forms a group because its seeds are down', () => {
    const lone = new BootstrapVote('b', ['a'], DISCOVERY_MS);
    for (let t = 600; t < 10_000; t += 150) expect(lone.elected(t)).toBe(false);
  });

  it('a vote stays with its candidate while it is heard, and moves once it is silent', () => {
    const s3 = new BootstrapVote('s3', ['s1', 's2'], DISCOVERY_MS);
    s3.heard('s2', '', 0);
    s3.elected(600);
    expect(s3.current).toBe('s2');
    // s1 shows up later: s3 keeps its vote for s2 (no two candidates hold a majority at once).
    s3.heard('s1', 's1', 650);
    s3.heard('s2', 's2', 700);
    s3.elected(700);
    expect(s3.current).toBe('s2');
    // s2 falls silent: the vote moves.
    s3.heard('s1', 's1', 1400);
    s3.elected(1400);
    expect(s3.current).toBe('s1');
  });

  it('peers outside the seed list neither vote nor stand', () => {
    const s1 = new BootstrapVote('s1', ['s2', 's3'], DISCOVERY_MS);
    s1.heard('x', 's1', 0);
    s1.heard('y', 's1', 0);
    expect(s1.elected(600)).toBe(false);
  });
});
