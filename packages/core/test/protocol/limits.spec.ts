import { Group } from '../../src/group.js';
import { closeAll, harness } from '../support/sim-group.js';

afterEach(closeAll);

describe('limits: typed errors or backpressure, never unbounded memory', () => {
  it('refuses a payload over payloadBytesMax with PAYLOAD_TOO_LARGE', async () => {
    const h = harness({ seed: 51 });
    const [a] = await h.form(['a'], { payloadBytesMax: 1_000 });
    await expect(a!.fbcast('t', 'x'.repeat(2_000))).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    await expect(a!.fbcast('t', 'x'.repeat(10))).resolves.toBeUndefined();
  });

  it('rejects with BACKPRESSURE once pendingMessagesMax multicasts wait to be sent', async () => {
    const h = harness({ seed: 52 });
    const [a] = await h.form(['a', 'b'], { windowMessagesMax: 10, pendingMessagesMax: 50 });
    // b stops acknowledging: a's window fills, and multicasts beyond it wait in the outbox.
    h.net.partition(['a'], ['b']);
    const outcomes: Promise<unknown>[] = [];
    for (let i = 0; i < 100; i++)
      outcomes.push(
        a!.fbcast('t', i).then(
          () => 'sent',
          (error: { code: string }) => error.code,
        ),
      );
    const settled = await Promise.race([Promise.all(outcomes.slice(60)), h.net.sleep(1_000).then(() => null)]);
    // The ones past the limit are refused at once; the others wait (or go out after the view change).
    expect(settled).not.toBeNull();
    expect(new Set(settled)).toEqual(new Set(['BACKPRESSURE']));
  });

  it('admits no joiner beyond membersMax: the join ends in JOIN_TIMEOUT, the refusal is counted', async () => {
    const h = harness({ seed: 53 });
    const [a] = await h.form(['a', 'b'], { membersMax: 2 });
    await expect(Group.join('g', { wire: h.net.wire('c'), seeds: ['a'], timing: { joinTimeoutMs: 2_000 } })).rejects.toMatchObject({
      code: 'JOIN_TIMEOUT',
    });
    expect(a!.stats.joinsRefused).toBeGreaterThan(0);
    expect(a!.view.members).toHaveLength(2);
  });

  it('rejects bad limit options', async () => {
    const h = harness({ seed: 54 });
    await expect(Group.join('g', { wire: h.net.wire('x'), pendingMessagesMax: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(Group.join('g', { wire: h.net.wire('y'), membersMax: 1.5 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
