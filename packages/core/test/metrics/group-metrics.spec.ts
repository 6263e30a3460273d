import { MeterProvider, MetricReader, type HistogramMetricData, type MetricData } from '@opentelemetry/sdk-metrics';
import { groupMetrics, GROUP_METRICS, type MetricsMeter } from '../../src/metrics/group-metrics.js';
import { closeAll, harness } from '../support/sim-group.js';

/** A reader the test collects from when it wants (no timer). */
class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}

  async metrics(): Promise<Map<string, MetricData>> {
    const { resourceMetrics, errors } = await this.collect();
    expect(errors).toEqual([]);
    return new Map(resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).map((metric) => [metric.descriptor.name, metric]));
  }
}

/** The value of one data point, found by its attributes. */
function point(metric: MetricData | undefined, attributes: Record<string, unknown>): unknown {
  const found = metric?.dataPoints.find((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v));
  return found?.value;
}

afterEach(closeAll);

describe('groupMetrics: a Group observed through an OpenTelemetry Meter', () => {
  it('reports every counter and gauge with cohort.group and cohort.member, and call durations in a histogram', async () => {
    const h = harness({ seed: 71 });
    const [a, b] = await h.form(['a', 'b']);
    for (const g of [a, b]) g!.handle('q', () => 'ok');
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    const meter: MetricsMeter = provider.getMeter('cohort-test');
    const binding = groupMetrics(a!, { meter, attributes: { service: 'ledger' } });
    for (let i = 0; i < 3; i++) await a!.fbcast('q', i);
    await a!.multicast('q', null, { replies: 'all' });

    const metrics = await reader.metrics();
    for (const spec of GROUP_METRICS) expect(metrics.has(spec.name)).toBe(true);
    const me = { 'cohort.group': 'g', 'cohort.member': 'a', service: 'ledger' };
    expect(point(metrics.get('cohort.messages.sent'), me)).toBe(4);
    expect(metrics.get('cohort.messages.sent')!.descriptor.unit).toBe('{message}');
    expect(point(metrics.get('cohort.view.members'), me)).toBe(2);
    expect(point(metrics.get('cohort.calls'), { ...me, 'cohort.call.outcome': 'quorum-met' })).toBe(1);
    expect(point(metrics.get('cohort.member.state'), { 'cohort.member.state': 'member' })).toBe(1);
    expect(point(metrics.get('cohort.member.state'), { 'cohort.member.state': 'blocked' })).toBe(0);
    expect(point(metrics.get('cohort.frames.rejected'), { 'cohort.frame.reason': 'invalid' })).toBe(0);
    const duration = metrics.get('cohort.call.duration') as HistogramMetricData;
    expect(duration.descriptor.unit).toBe('s');
    expect(point(duration, { ...me, 'cohort.call.outcome': 'quorum-met', 'cohort.order': 'fifo' })).toMatchObject({ count: 1 });

    // Closed: the group is no longer read (a cumulative reader keeps the last value it had).
    binding.close();
    binding.close();
    await a!.fbcast('q', 'after');
    expect(a!.stats.messagesSent).toBe(5);
    expect(point((await reader.metrics()).get('cohort.messages.sent'), me)).toBe(4);
    await provider.shutdown();
  });

  it('refuses anything but a Meter with INVALID_ARGUMENT', async () => {
    const h = harness({ seed: 72 });
    const [a] = await h.form(['a']);
    expect(() => groupMetrics(a!, { meter: {} as MetricsMeter })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => groupMetrics(a!, undefined as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
