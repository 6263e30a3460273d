import { isGroup } from '@cohort/core';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { ClientProxy } from '@nestjs/microservices';
import { GroupClient } from '../client/group.client.js';
import { instrumentClientProxy } from './causal-client.instrumentation.js';
import { instrumentGroup } from './causal-group.instrumentation.js';

/** Finds the application's ClientProxy and Group providers and instruments them, once. */
@Injectable()
export class CausalInstrumenter implements OnModuleInit {
  constructor(@Inject(DiscoveryService) private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      if (!wrapper.isDependencyTreeStatic()) continue;
      const instance: unknown = wrapper.instance;
      // GroupClient needs nothing: the group transport carries the context itself.
      if (instance instanceof ClientProxy && !(instance instanceof GroupClient)) instrumentClientProxy(instance);
      else if (isGroup(instance)) instrumentGroup(instance);
    }
  }
}
