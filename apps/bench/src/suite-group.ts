import { fmt } from './lib/args.js';
import { CohortGroup, type GroupSetup, type ThroughputOptions } from './fbcast-throughput.js';

/**
 * The group of 3 the runs of a suite share: started (and warmed up) on first use, and started
 * afresh after a run broke it (a member excluded, a view change), so that a failed run voids
 * only itself.
 */
export class SuiteGroup {
  private group: CohortGroup | null = null;

  /** `warmUp`: the run before the first measured one (count 0: none) and what it sends, for the log. */
  constructor(
    private readonly setup: GroupSetup & { timeoutMs?: number },
    private readonly warmUp: { options: ThroughputOptions; what: string },
    private readonly log: (line: string) => void,
  ) {}

  /** The current group, or a fresh one (warmed up) if there is none or the last run broke it. */
  async ready(): Promise<CohortGroup> {
    if (this.group && !this.group.broken) return this.group;
    if (this.group) {
      this.log('  (the group broke: starting a fresh one)');
      await this.group.stop();
    }
    this.group = await CohortGroup.start(3, this.setup);
    const { options, what } = this.warmUp;
    if (options.count > 0) {
      const warm = await this.group.throughput(options);
      this.log(`warm-up: ${fmt(options.count)} ${what}, slowest receiver ${fmt(warm.minPerSec)}/s (not reported)`);
    }
    return this.group;
  }

  async stop(): Promise<void> {
    await this.group?.stop();
  }
}
