import type { AddressInfo, Server as NetServer } from 'node:net';
import type { Address, Group, GroupObserver, Timing, Wire } from '@cohort/core';
import { CausalModule, COHORT_GROUP, GroupModule } from '@cohort/nestjs';
import {
  Module,
  type DynamicModule,
  type INestApplication,
  type INestApplicationContext,
  type INestMicroservice,
  type LoggerService,
  type LogLevel,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport } from '@nestjs/microservices';
import { FlightsModule } from './flights.module.js';
import { FlightsService } from './flights.service.js';
import { FlightsGatewayModule, type FlightServiceAddress } from './gateway/flights-gateway.module.js';

type Logger = LoggerService | LogLevel[] | false;

export interface FlightsMemberOptions {
  /** This member's wire (a SimulatedNetwork's `wire(address)`, or a TCP wire). */
  readonly wire: Wire;
  /** Members to join through; empty to form the group. */
  readonly seeds: readonly Address[];
  /** The group's name (default 'flights'). */
  readonly group?: string;
  /** Also serve `flights.assign` over Nest TCP on this host/port (port 0: any free port). */
  readonly tcp?: { readonly host?: string; readonly port?: number };
  /** Carry causal contexts over Nest TCP (CausalModule; default true). */
  readonly causal?: boolean;
  readonly timing?: Partial<Timing>;
  /** Taps the member's protocol events (GroupOptions.observer): a TraceRecorder's observer records the run. */
  readonly observer?: GroupObserver;
  /** Nest's logger option (default false: silent). */
  readonly logger?: Logger;
}

export interface FlightsMember {
  readonly app: INestApplicationContext;
  readonly flights: FlightsService;
  readonly group: Group;
  /** The Nest TCP port, when `tcp` was asked for. */
  readonly tcpPort: number | undefined;
  /** Closes the application (the member leaves the group). */
  close(): Promise<void>;
}

/** The application module of a flights member. */
export function flightsMemberModule(
  options: Pick<FlightsMemberOptions, 'wire' | 'seeds' | 'group' | 'causal' | 'timing' | 'observer'>,
): DynamicModule {
  @Module({})
  class FlightsMemberModule {}
  return {
    module: FlightsMemberModule,
    imports: [
      GroupModule.forRoot({
        name: options.group ?? 'flights',
        wire: options.wire,
        seeds: options.seeds,
        ...(options.timing ? { timing: options.timing } : {}),
        ...(options.observer ? { observer: options.observer } : {}),
      }),
      FlightsModule,
      ...(options.causal === false ? [] : [CausalModule.forRoot()]),
    ],
  };
}

/** Starts a member of the flights group as a Nest application (a TCP microservice with `tcp`). */
export async function startFlightsMember(options: FlightsMemberOptions): Promise<FlightsMember> {
  const module = flightsMemberModule(options);
  const logger = options.logger ?? false;
  let app: INestApplicationContext;
  let tcpPort: number | undefined;
  if (options.tcp) {
    const service: INestMicroservice = await NestFactory.createMicroservice(module, {
      transport: Transport.TCP,
      options: { host: options.tcp.host ?? '127.0.0.1', port: options.tcp.port ?? 0 },
      logger,
      abortOnError: false,
    });
    await service.listen();
    tcpPort = (service.unwrap<NetServer>().address() as AddressInfo).port;
    app = service;
  } else {
    app = await NestFactory.createApplicationContext(module, { logger, abortOnError: false });
    await app.init();
  }
  return { app, flights: app.get(FlightsService), group: app.get<Group>(COHORT_GROUP), tcpPort, close: () => app.close() };
}

export interface FlightsGatewayOptions {
  /** The flights services to call, by name: `{ q: { host, port }, r: { host, port } }`. */
  readonly services: Record<string, FlightServiceAddress>;
  /** HTTP host/port (default 127.0.0.1, port 0: any free port). */
  readonly host?: string;
  readonly port?: number;
  /** Carry causal contexts (CausalModule; default true). */
  readonly causal?: boolean;
  readonly logger?: Logger;
}

export interface FlightsGateway {
  readonly app: INestApplication;
  /** e.g. http://127.0.0.1:40123 */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the HTTP gateway (in no group) that asks flights services over Nest TCP. */
export async function startFlightsGateway(options: FlightsGatewayOptions): Promise<FlightsGateway> {
  @Module({ imports: [FlightsGatewayModule.register(options.services), ...(options.causal === false ? [] : [CausalModule.forRoot()])] })
  class FlightsGatewayAppModule {}
  const app = await NestFactory.create(FlightsGatewayAppModule, { logger: options.logger ?? false, abortOnError: false });
  const host = options.host ?? '127.0.0.1';
  await app.listen(options.port ?? 0, host);
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return { app, url: `http://${host}:${port}`, close: () => app.close() };
}
