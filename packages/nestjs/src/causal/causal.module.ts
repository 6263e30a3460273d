import { Module, type DynamicModule } from '@nestjs/common';
import { APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { CausalInstrumenter } from './causal.instrumenter.js';
import { CausalInterceptor } from './causal.interceptor.js';

/**
 * Causal context across services, with no change to handler code: `CausalModule.forRoot()`
 * in every application of a causal thread (gateways included). It installs CausalInterceptor
 * globally (HTTP header in and out; RPC packet metadata in, reply envelope out) and
 * instruments every ClientProxy and Group provider. A hybrid application's microservice gets
 * global interceptors only with `connectMicroservice(options, { inheritAppConfig: true })`.
 */
@Module({})
export class CausalModule {
  static forRoot(): DynamicModule {
    return {
      module: CausalModule,
      global: true,
      imports: [DiscoveryModule],
      providers: [CausalInstrumenter, { provide: APP_INTERCEPTOR, useClass: CausalInterceptor }],
    };
  }
}
