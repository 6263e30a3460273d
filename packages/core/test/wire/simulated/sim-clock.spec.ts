import { afterEach, describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '../../../src/errors.js';
import { SimClock } from '../../../src/wire/simulated/sim-clock.js';

/** Resolves after `ms` of virtual time (what SimulatedNetwork.sleep does). */
function advance(clock: SimClock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(ms, resolve));
}

describe('SimClock', () => {
  const clocks: SimClock[] = [];
  const make = (): SimClock => {
    const clock = new SimClock();
    clocks.push(clock);
    return clock;
  };
  afterEach(() => {
    for (const clock of clocks.splice(0)) clock.close();
  });

  it('starts at 0 and runs timers in virtual-time order, ties in scheduling order', async () => {
    const clock = make();
    expect(clock.now()).toBe(0);
    const seen: string[] = [];
    clock.setTimer(30, () => seen.push(`c@${clock.now()}`));
    clock.setTimer(10, () => seen.push(`a@${clock.now()}`));
    clock.setTimer(10, () => seen.push(`b@${clock.now()}`));
    clock.setTimer(-5, () => seen.push(`neg@${clock.now()}`));
    await advance(clock, 100);
    expect(seen).toEqual(['neg@0', 'a@10', 'b@10', 'c@30']);
    expect(clock.now()).toBe(100);
  });

  it('defer runs at the current time after already queued same-time events', async () => {
    const clock = make();
    const seen: string[] = [];
    clock.setTimer(5, () => {
      clock.defer(() => seen.push(`deferred@${clock.now()}`));
      seen.push('first');
    });
    clock.setTimer(5, () => seen.push('second'));
    await advance(clock, 10);
    expect(seen).toEqual(['first', 'second', 'deferred@5']);
  });

  it('lets the microtasks of one event settle before the next event runs', async () => {
    const clock = make();
    let chainDone = false;
    let observed: boolean | undefined;
    clock.setTimer(1, () => {
      void (async () => {
        for (let i = 0; i < 100; i++) await Promise.resolve();
        chainDone = true;
      })();
    });
    clock.setTimer(1, () => {
      observed = chainDone;
    });
    await advance(clock, 10);
    expect(observed).toBe(true);
  });

  it('cancel prevents a timer from firing', async () => {
    const clock = make();
    let fired = false;
    const handle = clock.setTimer(10, () => {
      fired = true;
    });
    handle.cancel();
    expect(clock.pending).toBe(0);
    await advance(clock, 20);
    expect(fired).toBe(false);
    expect(clock.now()).toBe(20);
  });

  it('collects errors thrown by events and keeps going', async () => {
    const clock = make();
    let after = false;
    clock.setTimer(1, () => {
      throw new Error('boom');
    });
    clock.setTimer(2, () => {
      after = true;
    });
    await advance(clock, 10);
    expect(after).toBe(true);
    expect(clock.errors).toHaveLength(1);
    expect((clock.errors[0] as Error).message).toBe('boom');
  });

  it('rejects non-finite delays', () => {
    const clock = make();
    expect(() => clock.setTimer(Number.NaN, () => {})).toThrow(InvalidArgumentError);
    expect(() => clock.setTimer(Number.POSITIVE_INFINITY, () => {})).toThrow(InvalidArgumentError);
  });

  it('schedules the driver only while events are pending and stops it on close', async () => {
    const clock = make();
    expect(clock.driving).toBe(false);
    clock.setTimer(1, () => {});
    expect(clock.driving).toBe(true);
    await advance(clock, 10);
    expect(clock.pending).toBe(0);
    expect(clock.driving).toBe(false);

    let fired = false;
    clock.setTimer(1, () => {
      fired = true;
    });
    clock.close();
    clock.close();
    expect(clock.driving).toBe(false);
    expect(clock.pending).toBe(0);
    clock.setTimer(1, () => {
      fired = true;
    });
    clock.defer(() => {
      fired = true;
    });
    expect(clock.driving).toBe(false);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(fired).toBe(false);
  });
});
