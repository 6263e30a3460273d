import { Module } from '@nestjs/common';
import { FlightsRpcController } from './flights-rpc.controller.js';
import { FlightsService } from './flights.service.js';

/** The member side of flights: needs GroupModule in the application. */
@Module({
  providers: [FlightsService],
  controllers: [FlightsRpcController],
  exports: [FlightsService],
})
export class FlightsModule {}
