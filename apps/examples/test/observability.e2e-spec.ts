import { addressOf } from '@cohort/core';
import { runObservabilityExample, type ObservedMember } from '../src/observability/observability.example.js';

describe('observability example: Prometheus metrics and a terminus health check on loopback', () => {
  let members: ObservedMember[] = [];

  afterEach(async () => {
    for (const member of members.reverse()) await member.close();
    members = [];
  });

  it("serves every member's cohort metrics in the Prometheus text format, and health 200", async () => {
    const lines: string[] = [];
    members = await runObservabilityExample((line) => lines.push(line));
    expect(lines).toHaveLength(3);
    const [first] = members;
    const response = await fetch(`${first!.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    const me = `cohort_group="air-traffic",cohort_member="${addressOf(first!.group.me)}"`;
    // The three adds: total-order calls answered by all, sent by the first member.
    expect(text).toContain(`cohort_messages_sent_total{${me},otel_scope_name="@cohort/core"} 3\n`);
    expect(text).toMatch(/^cohort_messages_delivered_total\{[^}]*\} 3$/m);
    expect(text).toMatch(/^cohort_calls_total\{[^}]*cohort_call_outcome="quorum-met"[^}]*\} 3$/m);
    expect(text).toMatch(/^cohort_call_duration_count\{[^}]*cohort_call_outcome="quorum-met"[^}]*\} 3$/m);
    expect(text).toMatch(/^cohort_view_members\{[^}]*\} 3$/m);
    expect(text).toMatch(/^cohort_member_state\{[^}]*cohort_member_state="member"[^}]*\} 1$/m);
    expect(text).toContain('# TYPE cohort_window_waits_total counter');

    for (const member of members) {
      const health = await fetch(`${member.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({
        status: 'ok',
        info: { cohort: { status: 'up', state: 'member', view: { members: 3 } } },
      });
    }
  });
});
