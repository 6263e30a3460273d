import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { ClientProxy } from '@nestjs/microservices';
import { GroupClient } from '../client/group.client.js';
import { instrumentClientTracing } from './causal-trace-client.instrumentation.js';

/**
 * Finds the application's ClientProxy providers and makes them carry the trace context, once
 * (CausalModule installs it unless `trace: false`). GroupClient is left alone: the core's
 * frames have no field for a trace context yet.
 */
@Injectable()
export class CausalTraceInstrumenter implements OnModuleInit {
  constructor(@Inject(DiscoveryService) private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      if (!wrapper.isDependencyTreeStatic()) continue;
      const instance: unknown = wrapper.instance;
      if (instance instanceof ClientProxy && !(instance instanceof GroupClient)) instrumentClientTracing(instance);
    }
  }
}
