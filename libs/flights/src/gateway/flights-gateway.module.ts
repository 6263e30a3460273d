import { Module, type DynamicModule } from '@nestjs/common';
import { ClientsModule, Transport, type ClientProxy } from '@nestjs/microservices';
import { FLIGHT_SERVICES, FlightsGatewayController } from './flights-gateway.controller.js';

export interface FlightServiceAddress {
  readonly host: string;
  readonly port: number;
}

/** The gateway: one Nest TCP client per flights service, by name. */
@Module({})
export class FlightsGatewayModule {
  static register(services: Record<string, FlightServiceAddress>): DynamicModule {
    const names = Object.keys(services);
    const token = (name: string): string => `flights-service:${name}`;
    return {
      module: FlightsGatewayModule,
      imports: [
        ClientsModule.register(names.map((name) => ({ name: token(name), transport: Transport.TCP, options: { ...services[name]! } }))),
      ],
      controllers: [FlightsGatewayController],
      providers: [
        {
          provide: FLIGHT_SERVICES,
          inject: names.map(token),
          useFactory: (...clients: ClientProxy[]) => new Map(names.map((name, i) => [name, clients[i]!])),
        },
      ],
    };
  }
}
