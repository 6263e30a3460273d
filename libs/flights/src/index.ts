/** @cohort/flights — the flights example as Nest modules: which sector controls which flight, replicated by causal multicasts. */
export { FlightsService } from './flights.service.js';
export type { FlightAssignment } from './flights.service.js';
export { FlightsRpcController } from './flights-rpc.controller.js';
export type { AssignRequest } from './flights-rpc.controller.js';
export { FlightsModule } from './flights.module.js';
export { FlightsGatewayController, FLIGHT_SERVICES } from './gateway/flights-gateway.controller.js';
export type { ThreadStep } from './gateway/flights-gateway.controller.js';
export { FlightsGatewayModule } from './gateway/flights-gateway.module.js';
export type { FlightServiceAddress } from './gateway/flights-gateway.module.js';
export { flightsMemberModule, startFlightsMember, startFlightsGateway } from './bootstrap.js';
export type { FlightsMember, FlightsMemberOptions, FlightsGateway, FlightsGatewayOptions } from './bootstrap.js';
