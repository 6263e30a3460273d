import { BadRequestException, Body, Controller, Inject, Post } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { AssignRequest } from '../flights-rpc.controller.js';

export const FLIGHT_SERVICES = Symbol('flights:services');

export interface ThreadStep extends AssignRequest {
  /** Which flights service (by the name the gateway was given) to ask. */
  readonly via: string;
}

/**
 * An HTTP gateway in no group. `POST /flights/thread { steps: [{ via, flight, sector }] }`
 * asks each named service in turn, one causal thread: with CausalModule, an assignment made
 * by a later step is applied after the earlier ones at every member.
 */
@Controller('flights')
export class FlightsGatewayController {
  constructor(@Inject(FLIGHT_SERVICES) private readonly services: Map<string, ClientProxy>) {}

  @Post('thread')
  async thread(@Body() body: { steps?: ThreadStep[] }): Promise<{ results: (AssignRequest & { via: string })[] }> {
    const steps = body?.steps;
    if (!Array.isArray(steps) || steps.length === 0 || steps.length > 100)
      throw new BadRequestException('steps: 1 to 100 of { via, flight, sector }');
    const results: (AssignRequest & { via: string })[] = [];
    for (const step of steps) {
      const service = this.services.get(step.via);
      if (!service) throw new BadRequestException(`no flights service "${step.via}"`);
      const done = await lastValueFrom(service.send<AssignRequest>('flights.assign', { flight: step.flight, sector: step.sector }));
      results.push({ via: step.via, ...done });
    }
    return { results };
  }
}
