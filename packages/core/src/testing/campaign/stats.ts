/** What one run of a scenario did, in numbers (ScenarioResult.stats). */

export interface ScenarioStats {
  /** Virtual ms the run lasted. */
  virtualMs: number;
  /** Real ms the run took (including the check). */
  realMs: number;
  /** Simulator events run. */
  events: number;
  framesSent: number;
  framesDropped: number;
  historyEvents: number;
  sends: number;
  deliveries: number;
  /** Distinct view ids installed. */
  views: number;
  initialMembers: number;
  /** Group.join() calls (restarts included), and those that resolved. */
  joinsStarted: number;
  joinsSucceeded: number;
  /** Group.join() rejected with JoinTimeoutError (allowed). */
  joinFailures: number;
  leaves: number;
  /** Leaves that timed out before the member saw its own exit (recorded as 'left'). */
  leaveTimeouts: number;
  /** Crashes carried out, of every kind (costly and targeted ones included). */
  crashes: number;
  partitions: number;
  heals: number;
  lossChanges: number;
  /** Crash/leave actions not carried out because they could cost the group its majority. */
  skippedForMajority: number;
  /** Actions with nobody eligible to carry them out. */
  skippedNoCandidate: number;
  exclusions: number;
  rejoins: number;
  /** 'restart' actions in the scenario, and the restarts carried out (a new incarnation at a down address). */
  restartActions: number;
  restarts: number;
  /** Restarted incarnations whose join resolved. */
  restartsJoined: number;
  /**
   * Costly crash actions in the scenario, and those carried out as such: half of an even view
   * crashed at once, costing the majority (their restart follows; otherwise a plain crash).
   */
  costlyCrashActions: number;
  costlyCrashes: number;
  /** Of those, crashes of one member of a view of two. */
  costlyCrashesOfTwo: number;
  /** 'crash-after-accept' actions, and the coordinators crashed right after sending 'accept'. */
  acceptCrashActions: number;
  acceptCrashes: number;
  /** 'crash-around-safe' actions, and the crashes right after a safe message was sent / delivered. */
  safeCrashActions: number;
  safeCrashesSent: number;
  safeCrashesDelivered: number;
  /** Virtual ms from the end of the fault phase until the group converged (-1: it did not). */
  convergeMs: number;
  /**
   * 1 if the run ended blocked as expected: no quorum of the last view (or of a live member's
   * older view it cannot leave) is alive, because the harness crashed or removed its members
   * (liveness.ts), and every live member in such a view reported 'blocked'. Not a failure: the
   * history is then checked without `quiescent`. 0 otherwise.
   */
  blockedAsExpected: number;
  /** Joins that timed out although an installed view lists the joiner (it was never welcomed). */
  admittedButTimedOut: number;
  /** Live processes at the end, and the size of the final view. */
  liveAtEnd: number;
  finalViewSize: number;
  /** Synchronous calls made, and those that met their quorum. */
  calls: number;
  callsQuorumMet: number;
  /** Client requests sent, and those answered (quorum met, or accepted when asynchronous). */
  clientRequests: number;
  clientRequestsAnswered: number;
  /** Scatter-gather queries from clients, and those whose answer was complete (every part, of one view). */
  scatters: number;
  scattersComplete: number;
  /**
   * The hostile member (hostile-member.ts): its 'hostile' actions, the frames it sent as
   * itself and in members' names (numbers out of reach), those that reached a member in a view,
   * and those the member rejected (its `stats.framesRejected` grew on that frame).
   */
  hostileActions: number;
  hostileSelfFrames: number;
  hostileNamedFrames: number;
  hostileArrived: number;
  hostileRejected: number;
  /** 'error' events with code FRAME_REJECTED (expected: a member reports its rejections at most once a second). */
  frameRejectedErrors: number;
  /**
   * Its 'replay' actions; the recorded frames it replayed as they were (of a view earlier
   * than the receiver's) and re-encoded with another epoch; and of the latter, those that
   * reached a member in a view, every one dropped (`stats.framesOtherEpoch`).
   */
  replayActions: number;
  staleViewFrames: number;
  staleEpochFrames: number;
  staleEpochDropped: number;
}

/** The counters the runner keeps during a run (the rest of the stats is computed at the end). */
export type RunCounts = Omit<
  ScenarioStats,
  'virtualMs' | 'realMs' | 'events' | 'framesSent' | 'framesDropped' | 'historyEvents' | 'sends' | 'deliveries' | 'views' | 'initialMembers'
>;

export function newRunCounts(): RunCounts {
  return {
    joinsStarted: 0,
    joinsSucceeded: 0,
    joinFailures: 0,
    leaves: 0,
    leaveTimeouts: 0,
    crashes: 0,
    partitions: 0,
    heals: 0,
    lossChanges: 0,
    skippedForMajority: 0,
    skippedNoCandidate: 0,
    exclusions: 0,
    rejoins: 0,
    restartActions: 0,
    restarts: 0,
    restartsJoined: 0,
    costlyCrashActions: 0,
    costlyCrashes: 0,
    costlyCrashesOfTwo: 0,
    acceptCrashActions: 0,
    acceptCrashes: 0,
    safeCrashActions: 0,
    safeCrashesSent: 0,
    safeCrashesDelivered: 0,
    convergeMs: -1,
    blockedAsExpected: 0,
    admittedButTimedOut: 0,
    liveAtEnd: 0,
    finalViewSize: 0,
    calls: 0,
    callsQuorumMet: 0,
    clientRequests: 0,
    clientRequestsAnswered: 0,
    scatters: 0,
    scattersComplete: 0,
    hostileActions: 0,
    hostileSelfFrames: 0,
    hostileNamedFrames: 0,
    hostileArrived: 0,
    hostileRejected: 0,
    frameRejectedErrors: 0,
    replayActions: 0,
    staleViewFrames: 0,
    staleEpochFrames: 0,
    staleEpochDropped: 0,
  };
}
