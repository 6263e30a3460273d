import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeHistories } from './harness.js';

/** Two processes' JSONL histories whose clocks disagree: the receiver's stamps run early. */
describe('mergeHistories', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cohort-merge-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, lines: { t: number; event: object }[]): { historyPath: string; killedAt: null } => {
    const path = join(dir, `${name}.history.jsonl`);
    writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    return { historyPath: path, killedAt: null };
  };

  it('never puts a delivery before the send of its message, and keeps each file in its order', () => {
    const sender = file('b', [
      { t: 100.0, event: { kind: 'view', member: 'b/1', view: { id: 4, members: ['a/1', 'b/1'] } } },
      { t: 100.5, event: { kind: 'send', member: 'b/1', id: 'b/1@4#1', viewId: 4, payload: 'x' } },
    ]);
    // a's clock is 0.3 ms behind b's: it stamps the delivery before b stamped the send.
    const receiver = file('a', [
      { t: 100.2, event: { kind: 'deliver', member: 'a/1', id: 'b/1@4#1', sender: 'b/1', viewId: 4, payload: 'x' } },
      { t: 100.3, event: { kind: 'handled', member: 'a/1', id: 'b/1@4#1' } },
      { t: 100.4, event: { kind: 'deliver', member: 'a/1', id: 'z/9@4#7', sender: 'z/9', viewId: 4, payload: 'torn' } },
    ]);
    const kinds = mergeHistories([receiver, sender] as never).map((e) => `${e.kind}:${'member' in e ? e.member : ''}`);
    expect(kinds).toEqual(['view:b/1', 'send:b/1', 'deliver:a/1', 'handled:a/1', 'deliver:a/1']);
  });
});
