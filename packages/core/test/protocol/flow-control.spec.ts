import { checkHistory } from '../../src/testing/checker/history-checker.js';
import { closeAll, harness } from '../support/sim-group.js';

afterEach(closeAll);

describe('flow control', () => {
  it('holds a sender to its window of unstable messages, then lets it go on as acks arrive', async () => {
    const h = harness({ seed: 41 });
    const [a, , c] = await h.form(['a', 'b', 'c'], { windowMessagesMax: 16 });
    const atC: number[] = [];
    c!.handle('e', (x) => {
      atC.push(x as number);
    });
    h.net.setLink('a', 'c', { delayMs: { min: 40, max: 40 } });
    let resolved = 0;
    const sends = Array.from({ length: 100 }, (_, i) =>
      a!.fbcast('e', i).then(() => {
        resolved++;
      }),
    );
    await h.net.sleep(1);
    // The first window went out at once; the rest waits for acks.
    expect(resolved).toBe(16);
    expect(a!.heldMessages).toBeLessThanOrEqual(16);
    await Promise.all(sends);
    await h.net.sleep(200);
    expect(atC).toEqual([...Array(100).keys()]);
    expect(checkHistory(h.recorder.events, { quiescent: true })).toEqual([]);
  });

  it('packs the multicasts of one turn into one frame per member', async () => {
    const h = harness({ seed: 42 });
    const [a] = await h.form(['a', 'b', 'c']);
    let frames = 0;
    h.net.trace = (event) => {
      if (event.kind === 'send' && event.from === 'a') frames++;
    };
    for (let i = 0; i < 200; i++) void a!.fbcast('e', i);
    await h.net.sleep(0);
    // 200 multicasts in one turn: one frame to each of the two others.
    expect(frames).toBe(2);
  });

  it('rejects a bad window with a typed error', async () => {
    const h = harness({ seed: 43 });
    await expect(h.join('a', [], { windowMessagesMax: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('slow consumer policy', () => {
  it('excludes a member whose handlers stop consuming, bounds its queue, and lets it rejoin once they catch up', async () => {
    const h = harness({ seed: 44 });
    const [a, b, c] = await h.form(['a', 'b', 'c'], { deliveryQueueMax: 50 });
    let release: () => void = () => undefined;
    const stuck = new Promise<void>((resolve) => {
      release = resolve;
    });
    const errors: unknown[] = [];
    c!.on('error', (error) => errors.push(error));
    let handled = 0;
    c!.handle('e', async () => {
      handled++;
      if (handled === 1) await stuck;
    });
    for (let i = 0; i < 200; i++) void a!.fbcast('e', i);
    // c stopped taking deliveries at 51 queued and fell silent; a and b went on without it once
    // its silence passed the suspicion timeout (3 s).
    await h.net.sleep(4_500);
    expect(errors).toEqual([expect.objectContaining({ code: 'SLOW_CONSUMER' })]);
    expect(a!.view.members).toEqual([a!.me, b!.me]);
    release();
    await h.net.runUntil(() => a!.view.members.length === 3, { timeoutMs: 10_000 });
    expect(a!.view.members).toContain(c!.me);
    expect(checkHistory(h.recorder.events, { quiescent: true })).toEqual([]);
  });
});
