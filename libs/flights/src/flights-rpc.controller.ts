import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload, Transport } from '@nestjs/microservices';
import { FlightsService } from './flights.service.js';

export interface AssignRequest {
  readonly flight: string;
  readonly sector: string;
}

/** The flights service's Nest TCP interface: other services (a gateway) ask a member to assign. */
@Controller()
export class FlightsRpcController {
  constructor(@Inject(FlightsService) private readonly flights: FlightsService) {}

  @MessagePattern('flights.assign', Transport.TCP)
  async assign(@Payload() request: AssignRequest): Promise<AssignRequest> {
    await this.flights.assign(request.flight, request.sector);
    return { flight: request.flight, sector: request.sector };
  }
}
