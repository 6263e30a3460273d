import 'reflect-metadata';
import { SimulatedNetwork } from '@cohort/core/testing';
import { Test } from '@nestjs/testing';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { GroupModule, type GroupModuleMetricsOptions } from '../../src/index.js';
import { AppTracker, quietLogger, startMember } from '../support/member-app.js';

/** A reader the test collects from when it wants (no timer). */
class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}

  async metric(name: string): Promise<MetricData | undefined> {
    const { resourceMetrics } = await this.collect();
    return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).find((metric) => metric.descriptor.name === name);
  }
}

function valueOf(metric: MetricData | undefined, member: string): unknown {
  return metric?.dataPoints.find((p) => p.attributes['cohort.member'] === member && p.attributes['cohort.group'] === 'g')?.value;
}

describe("GroupModule's metrics option", () => {
  const tracker = new AppTracker();
  let net: SimulatedNetwork;
  let reader: TestReader;
  let provider: MeterProvider;

  beforeEach(() => {
    net = new SimulatedNetwork({ seed: 23 });
    reader = new TestReader();
    provider = new MeterProvider({ readers: [reader] });
  });
  afterEach(async () => {
    await tracker.closeAll();
    await net.close();
    metrics.disable();
    await provider.shutdown();
  });

  it('observes each member with the MeterProvider it is given, until the application closes', async () => {
    const options = {
      server: false,
      metrics: { meterProvider: provider, attributes: { service: 'ledger' } } satisfies GroupModuleMetricsOptions,
    };
    const a = await startMember(tracker, net, 'a', [], {}, options);
    const b = await startMember(tracker, net, 'b', ['a'], {}, options);
    expect(await net.runUntil(() => a.group.view.members.length === 2, { timeoutMs: 10_000 })).toBe(true);
    await a.group.fbcast('t', 1);
    await a.group.fbcast('t', 2);
    await b.group.fbcast('t', 3);
    const sent = await reader.metric('cohort.messages.sent');
    expect(valueOf(sent, 'a')).toBe(2);
    expect(valueOf(sent, 'b')).toBe(1);
    expect(sent!.dataPoints[0]!.attributes['service']).toBe('ledger');
    expect(valueOf(await reader.metric('cohort.view.members'), 'b')).toBe(2);

    await b.close();
    await a.group.fbcast('t', 4);
    // b's instruments were closed with its application: its last reading stays (a cumulative
    // reader keeps it: b left, yet reads as a member), a's goes on.
    const after = await reader.metric('cohort.messages.sent');
    expect(valueOf(after, 'a')).toBe(3);
    expect(valueOf(after, 'b')).toBe(1);
    expect(b.group.status.state).toBe('closed');
    const states = (await reader.metric('cohort.member.state'))!.dataPoints.filter(
      (p) => p.attributes['cohort.member'] === 'b' && p.value === 1,
    );
    expect(states.map((p) => p.attributes['cohort.member.state'])).toEqual(['member']);
  });

  it('metrics: true uses the global MeterProvider', async () => {
    metrics.setGlobalMeterProvider(provider);
    const a = await startMember(tracker, net, 'a', [], {}, { server: false, metrics: true } as { server: boolean });
    await a.group.fbcast('t', 1);
    expect(valueOf(await reader.metric('cohort.messages.sent'), 'a')).toBe(1);
    expect(valueOf(await reader.metric('cohort.member.state'), 'a')).toBeDefined();
  });

  it('refuses a bad metrics option with INVALID_ARGUMENT before joining', async () => {
    const wire = net.wire('a');
    const compiling = Test.createTestingModule({
      imports: [GroupModule.forRoot({ name: 'g', wire, metrics: 'yes' as unknown as boolean })],
    })
      .setLogger(quietLogger)
      .compile();
    await expect(compiling).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(wire.state).toBe('closed');
  });
});
