import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { encodeFrame } from '../src/protocol/frames.js';
import type { Group, GroupObserver } from '../src/group.js';
import { consoleLogger, type CohortLogger } from '../src/util/logger.js';
import { authenticate } from '../src/wire/authenticated-wire.js';
import { closeAll, harness, type SimGroupHarness } from './support/sim-group.js';

afterEach(closeAll);

/** Every line any member wrote, as `level line`, in the order written. */
class RecordingLogger implements CohortLogger {
  readonly lines: string[] = [];
  log(message: string): void {
    this.lines.push(`log ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`warn ${message}`);
  }
  error(message: string, stack?: string): void {
    this.lines.push(`error ${message}${stack ? ' [stack]' : ''}`);
  }
  debug(message: string): void {
    this.lines.push(`debug ${message}`);
  }

  /** The lines of the member at `address` (any incarnation), without the group and member prefix. */
  of(address: string): string[] {
    return this.lines
      .filter((line) => line.split(' ')[2]!.startsWith(`${address}/`))
      .map((line) => line.replace(/^(\w+) g [^ ]+: /, '$1 '));
  }
}

/** The history observer, and each member's installs (view ids by address), for comparison with the log. */
function countingObserver(h: SimGroupHarness, installs: Map<string, number[]>): GroupObserver {
  const inner = h.observer();
  return {
    ...inner,
    installed: (member, view) => {
      inner.installed?.(member, view);
      const address = member.split('/')[0]!;
      installs.set(address, [...(installs.get(address) ?? []), view.id]);
    },
  };
}

/** The view ids of a member's join, view and rejoin lines, in order. */
function loggedViews(lines: string[]): number[] {
  return lines.flatMap((line) => {
    const match = /^log (?:joined view|view|rejoined as a new incarnation \(was [^)]+\) in view) (\d+) /.exec(line);
    return match ? [Number(match[1])] : [];
  });
}

describe('the logger: one line per membership event', () => {
  it('writes one line per join, view installed, block, exclusion, rejoin and leave', async () => {
    const h = harness({ seed: 131 });
    const logger = new RecordingLogger();
    const installs = new Map<string, number[]>();
    const names = ['a', 'b', 'c', 'd', 'e'];
    const options = { logger, observer: countingObserver(h, installs) };
    const groups: Group[] = [];
    for (const name of names) groups.push(await h.join(name, name === 'a' ? [] : ['a'], options));
    expect(await h.settle(names)).toBe(true);
    for (let i = 0; i < 10; i++) await groups[i % 5]!.fbcast('t', i);

    h.net.partition(['a', 'b', 'c'], ['d', 'e']);
    // d and e have no quorum; they send on, so their report names unconfirmed multicasts.
    void groups[3]!.fbcast('t', 'from the minority').catch(() => undefined);
    await h.net.sleep(5_000);
    h.net.heal();
    expect(
      await h.net.runUntil(() => groups.every((g) => g.view.members.length === 5 && g.view.id === groups[0]!.view.id), {
        timeoutMs: 20_000,
      }),
    ).toBe(true);
    const eBefore = groups[4]!.me;
    await groups[4]!.leave();
    expect(await h.net.runUntil(() => groups.slice(0, 4).every((g) => g.view.members.length === 4), { timeoutMs: 10_000 })).toBe(true);

    for (const name of names) {
      const lines = logger.of(name);
      // One line per view installed, nothing for views it did not install.
      expect({ name, views: loggedViews(lines) }).toEqual({ name, views: installs.get(name) });
      expect(lines.filter((line) => line.startsWith('log joined view'))).toHaveLength(1);
      expect(lines.filter((line) => line.startsWith('error'))).toEqual([]);
    }
    expect(logger.of('a')[0]).toMatch(/^log joined view 1 \(1 member: a\/\d+\), forming the group$/);
    expect(logger.of('a')[1]).toBe(
      `log view ${installs.get('a')![1]} (2 members: ${groups[0]!.me}, ${groups[1]!.me}); joined: ${groups[1]!.me}`,
    );
    // The majority's view without d and e names them as gone.
    expect(logger.of('a').some((line) => /^log view \d+ \(3 members: [^)]*\); left: d\/\d+, e\/\d+$/.test(line))).toBe(true);
    for (const name of ['d', 'e']) {
      const warnings = logger.of(name).filter((line) => line.startsWith('warn'));
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatch(/^warn blocked \(NO_QUORUM\): 2 of the 5 members of view \d+ are reachable/);
      expect(warnings[1]).toMatch(/^warn excluded from view \d+ \(suspected\); \d+ multicasts? unconfirmed(, not re-sent)?; rejoining$/);
      expect(logger.of(name).filter((line) => line.startsWith('log rejoined as a new incarnation'))).toHaveLength(1);
    }
    expect(logger.of('d').find((line) => line.startsWith('warn excluded'))).toMatch(
      /; [1-9]\d* multicasts? unconfirmed, not re-sent; rejoining$/,
    );
    expect(logger.lines.filter((line) => line.endsWith(': left the group'))).toEqual([`log g ${eBefore}: left the group`]);
    expect(logger.of('a').at(-1)).toMatch(new RegExp(`^log view \\d+ \\(4 members: [^)]*\\); left: ${eBefore.replace('/', '\\/')}$`));
  }, 60_000);

  it('writes one line when a member blocks and one when it is unblocked', async () => {
    const h = harness({ seed: 132 });
    const logger = new RecordingLogger();
    await h.form(['a', 'b', 'c', 'd'], { logger });
    h.net.partition(['a', 'b'], ['c', 'd']);
    await h.net.sleep(5_000);
    h.net.heal();
    expect(await h.settle(['a', 'b', 'c', 'd'])).toBe(true);
    await h.net.sleep(1_000);
    for (const name of ['a', 'b', 'c', 'd']) {
      const blocking = logger.of(name).filter((line) => /^(warn blocked|log unblocked)/.test(line));
      expect({ name, blocking }).toEqual({
        name,
        blocking: [
          expect.stringMatching(/^warn blocked \(NO_QUORUM\): 2 of the 4 members/),
          expect.stringMatching(/^log unblocked in view \d+$/),
        ],
      });
    }
  }, 30_000);
});

describe('the logger: rejected frames and authentication failures, rate-limited', () => {
  it('writes at most one line a second for a flood of rejected frames, counting what it did not write', async () => {
    const h = harness({ seed: 133 });
    const logger = new RecordingLogger();
    const [a, b] = await h.form(['a', 'b', 'c'], { logger });
    const view = b!.view;
    // An install from "a" whose cut names a message nobody holds: b drops it (FRAME_REJECTED).
    const forged = encodeFrame({
      epoch: b!.epoch,
      group: 'g',
      from: a!.me,
      viewId: view.id,
      body: { type: 'install', value: { viewId: view.id + 1, members: [a!.me, b!.me], targets: [5, 0, 0], messages: [] } },
    });
    const insider = h.net.wire('insider');
    const rejectedAtB = (): string[] => logger.of('b').filter((line) => line.includes('FRAME_REJECTED'));
    for (let i = 0; i < 50; i++) insider.send('b', forged);
    await h.net.sleep(500);
    expect(b!.stats.framesRejected).toBe(50);
    expect(rejectedAtB()).toHaveLength(1);
    expect(rejectedAtB()[0]).toMatch(/^warn FRAME_REJECTED: dropped a install frame from a\/\d+: /);
    await h.net.sleep(1_000);
    insider.send('b', forged);
    await h.net.sleep(100);
    expect(rejectedAtB()).toHaveLength(2);
    expect(rejectedAtB()[1]).toMatch(/\(50 frames rejected since the last report\)$/);
    expect(b!.view.id).toBe(view.id);
  });

  it("sends the authenticated wire's drop reports to the logger (not process.emitWarning), one per interval", async () => {
    const h = harness({ seed: 134 });
    const logger = new RecordingLogger();
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const key = 'the key the group members share';
      for (const name of ['a', 'b']) {
        await h.join(name, name === 'a' ? [] : ['a'], { wire: authenticate(h.net.wire(name), { key, logIntervalMs: 2_000 }), logger });
      }
      expect(await h.settle(['a', 'b'])).toBe(true);
      const stranger = authenticate(h.net.wire('eve'), { key: 'a key somebody guessed, long enough', log: () => undefined });
      const frame = encodeFrame({ epoch: 1, group: 'g', from: 'eve/1', viewId: 0, body: { type: 'reply-ack', call: 1 } });
      const drops = (): string[] => logger.lines.filter((line) => line.includes('unauthenticated'));
      for (let i = 0; i < 30; i++) stranger.send('a', frame);
      await h.net.sleep(500);
      expect(drops()).toEqual([
        'warn cohort: a dropped 1 unauthenticated frame(s) (wrong key: 1, bad tag: 0, too short: 0); last from eve',
      ]);
      await h.net.sleep(2_000);
      stranger.send('a', frame);
      await h.net.sleep(100);
      expect(drops()).toHaveLength(2);
      expect(drops()[1]).toBe(
        'warn cohort: a dropped 30 unauthenticated frame(s) (wrong key: 30, bad tag: 0, too short: 0); last from eve',
      );
      expect(emitWarning).not.toHaveBeenCalled();
    } finally {
      emitWarning.mockRestore();
    }
  });

  it("keeps the wire's own log when one was given", async () => {
    const h = harness({ seed: 135 });
    const logger = new RecordingLogger();
    const own: string[] = [];
    await h.join('a', [], {
      wire: authenticate(h.net.wire('a'), { key: 'the key the group members share', log: (line) => own.push(line) }),
      logger,
    });
    authenticate(h.net.wire('eve'), { key: 'a key somebody guessed, long enough', log: () => undefined }).send(
      'a',
      encodeFrame({ epoch: 1, group: 'g', from: 'eve/1', viewId: 0, body: { type: 'reply-ack', call: 1 } }),
    );
    await h.net.sleep(100);
    expect(own).toHaveLength(1);
    expect(logger.lines.filter((line) => line.includes('unauthenticated'))).toEqual([]);
  });
});

describe('the logger: errors, defaults, bad loggers', () => {
  it("writes every 'error' event, a handler's failure with its stack, whether or not anyone listens", async () => {
    const h = harness({ seed: 136 });
    const logger = new RecordingLogger();
    const [a] = await h.form(['a'], { logger });
    a!.handle('t', () => {
      throw new Error('the handler failed');
    });
    await a!.fbcast('t', 1);
    await a!.drained();
    expect(logger.of('a').filter((line) => line.startsWith('error'))).toEqual(['error the handler failed [stack]']);
  });

  it('writes nothing anywhere when no logger is given (the default)', async () => {
    const spies = (['log', 'warn', 'error', 'debug', 'info'] as const).map((method) =>
      jest.spyOn(console, method).mockImplementation(() => undefined),
    );
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const h = harness({ seed: 137 });
      const groups = await h.form(['a', 'b', 'c']);
      h.net.crash('c');
      expect(await h.net.runUntil(() => groups[0]!.view.members.length === 2, { timeoutMs: 10_000 })).toBe(true);
      await groups[1]!.leave();
      await h.net.sleep(1_000);
      for (const spy of [...spies, emitWarning]) expect(spy).not.toHaveBeenCalled();
      expect(groups[0]!.logger).toBeNull();
    } finally {
      for (const spy of [...spies, emitWarning]) spy.mockRestore();
    }
  });

  it('refuses a logger without log, warn and error (INVALID_ARGUMENT), and survives one that throws', async () => {
    const h = harness({ seed: 138 });
    await expect(h.join('x', [], { logger: { log: () => undefined } as unknown as CohortLogger })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'options.logger.warn must be a function',
    });
    const throwing: CohortLogger = {
      log: () => {
        throw new Error('disk full');
      },
      warn: () => {
        throw new Error('disk full');
      },
      error: () => {
        throw new Error('disk full');
      },
    };
    const groups = await h.form(['a', 'b'], { logger: throwing });
    const got: unknown[] = [];
    groups[1]!.handle('t', (payload) => {
      got.push(payload);
    });
    await groups[0]!.fbcast('t', 'still delivered');
    expect(await h.net.runUntil(() => got.length === 1, { timeoutMs: 5_000 })).toBe(true);
    expect(groups[0]!.logger).toBe(throwing);
  });

  it("consoleLogger('warn') prints warnings and errors, not routine lines", () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const logger = consoleLogger('warn');
      logger.log('g a/1: view 2 (2 members: a/1, b/2); joined: b/2');
      logger.warn('g a/1: blocked (NO_QUORUM): …');
      expect(log).not.toHaveBeenCalled();
      expect(warn).toHaveBeenCalledWith('g a/1: blocked (NO_QUORUM): …');
      expect(() => consoleLogger('loud' as 'warn')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    } finally {
      log.mockRestore();
      warn.mockRestore();
    }
  });
});
