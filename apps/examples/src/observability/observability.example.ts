import 'reflect-metadata';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { addressOf, tcpWire, type Address, type Group } from '@cohort/core';
import { COHORT_GROUP, GroupModule, Multicast } from '@cohort/nestjs';
import { GroupHealthIndicator } from '@cohort/nestjs/health';
import { Controller, Get, Inject, Injectable, Module, Req, Res, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/**
 * Metrics and health of a group member, the way a Nest service exposes them: the member's
 * OpenTelemetry instruments (GroupModule's `metrics` option) read by a Prometheus exporter
 * served at GET /metrics, and a @nestjs/terminus check at GET /health. The group runs over
 * the TCP wire on loopback; each member is its own Nest application with its own
 * MeterProvider, as it would be in its own process.
 */

const PROMETHEUS_EXPORTER = Symbol('PROMETHEUS_EXPORTER');

/** A replicated ledger: every add is a total-order call that every member answers. */
@Injectable()
export class Ledger {
  readonly entries: string[] = [];

  @Multicast({ order: 'total', replies: 'all', gather: 'first' })
  async add(entry: string): Promise<number> {
    this.entries.push(entry);
    return this.entries.length;
  }
}

@Controller()
class ObservabilityController {
  constructor(
    @Inject(PROMETHEUS_EXPORTER) private readonly exporter: PrometheusExporter,
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(GroupHealthIndicator) private readonly member: GroupHealthIndicator,
  ) {}

  /** Prometheus scrapes this: the exporter writes the text format on the response. */
  @Get('metrics')
  metrics(@Req() request: IncomingMessage, @Res() response: ServerResponse): void {
    this.exporter.getMetricsRequestHandler(request, response);
  }

  /** 200 while the member is in a primary view, not blocked, its window not full, its state transferred; 503 otherwise. */
  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.member.isHealthy('cohort')]);
  }
}

function observedMemberModule(options: {
  wire: Awaited<ReturnType<typeof tcpWire>>;
  seeds: readonly Address[];
  meterProvider: MeterProvider;
  exporter: PrometheusExporter;
}): DynamicModule {
  @Module({})
  class ObservedMemberModule {}
  return {
    module: ObservedMemberModule,
    imports: [
      GroupModule.forRoot({
        name: 'air-traffic',
        wire: options.wire,
        seeds: options.seeds,
        logger: false,
        metrics: { meterProvider: options.meterProvider },
      }),
      TerminusModule.forRoot({ logger: false }),
    ],
    controllers: [ObservabilityController],
    providers: [Ledger, GroupHealthIndicator, { provide: PROMETHEUS_EXPORTER, useValue: options.exporter }],
  };
}

export interface ObservedMember {
  readonly app: INestApplication;
  readonly group: Group;
  readonly ledger: Ledger;
  /** Where this member's HTTP server listens: `${url}/metrics`, `${url}/health`. */
  readonly url: string;
  /** Leaves the group, closes the HTTP server and the MeterProvider. */
  close(): Promise<void>;
}

/** One member: the group over TCP on 127.0.0.1 (a free port), HTTP on 127.0.0.1 (another free port). */
export async function startObservedMember(seeds: readonly Address[], httpPort = 0): Promise<ObservedMember> {
  const wire = await tcpWire({ host: '127.0.0.1', port: 0 });
  // No server of its own: the Nest application serves the exporter's handler at /metrics.
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  let app: INestApplication;
  try {
    app = await NestFactory.create(observedMemberModule({ wire, seeds, meterProvider, exporter }), { logger: false });
  } catch (error) {
    await meterProvider.shutdown();
    throw error;
  }
  // A service alone in its process would call app.enableShutdownHooks(); three in one process share main.ts's handler.
  await app.listen(httpPort, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return {
    app,
    group: app.get<Group>(COHORT_GROUP),
    ledger: app.get(Ledger),
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      await meterProvider.shutdown();
    },
  };
}

/** Three members, a few ledger entries, then each member's URL: scrape them, or curl them. */
export async function runObservabilityExample(log: (line: string) => void = console.log): Promise<ObservedMember[]> {
  const members: ObservedMember[] = [];
  try {
    for (let i = 0; i < 3; i++) members.push(await startObservedMember(i === 0 ? [] : [addressOf(members[0]!.group.me)]));
    await members[0]!.group.awaitView({ size: 3 }, { timeoutMs: 10_000 });
    for (const flight of ['AF1981', 'BA0304', 'LH0400']) await members[0]!.ledger.add(flight);
    for (const member of members) log(`${member.group.me}: metrics ${member.url}/metrics, health ${member.url}/health`);
    return members;
  } catch (error) {
    for (const member of members.reverse()) await member.close();
    throw error;
  }
}
