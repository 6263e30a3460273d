import { InvalidArgumentError } from '@cohort/core';
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { CAUSAL_MODULE_OPTIONS } from '../constants.js';
import { CausalInstrumenter } from './causal.instrumenter.js';
import { CausalInterceptor } from './causal.interceptor.js';
import { causalKeyBytes } from './causal-signing.js';
import { CausalTraceInstrumenter } from './causal-trace.instrumenter.js';

export interface CausalModuleOptions {
  /**
   * Signs the `x-cohort-context` response header (HMAC-SHA256, 128-bit tag) and accepts a request
   * header only if it carries a valid signature under this key (anything else is ignored: the
   * request starts from an empty context). At least 16 bytes; give every service that an HTTP
   * client talks to the same key. Without it, a context in a request header is taken as it is:
   * one that names messages that do not exist can delay only its own request (the core's
   * `contextWaitMs`), never the group. Packet metadata of Nest transports is never signed:
   * those calls are between services.
   */
  readonly httpKey?: string | Uint8Array;
  /**
   * OpenTelemetry trace context beside the causal context (default true): ClientProxy packets
   * carry `traceparent` in their metadata, and HTTP and RPC handlers run in a span that is a
   * child of the caller's (see docs/nestjs.md, "Tracing"). Only `@opentelemetry/api` is used:
   * without an SDK and a propagator registered it costs a no-op call. False turns it off.
   */
  readonly trace?: boolean;
}

/**
 * Causal context across services, with no change to handler code: `CausalModule.forRoot()`
 * in every application of a causal thread (gateways included). It installs CausalInterceptor
 * globally (HTTP header in and out; RPC packet metadata in, reply envelope out) and
 * instruments every ClientProxy and Group provider; OpenTelemetry's trace context rides along.
 * A hybrid application's microservice gets global interceptors only with
 * `connectMicroservice(options, { inheritAppConfig: true })`.
 */
@Module({})
export class CausalModule {
  static forRoot(options: CausalModuleOptions = {}): DynamicModule {
    if (options === null || typeof options !== 'object' || Array.isArray(options))
      throw new InvalidArgumentError('CausalModule.forRoot() takes an options object');
    for (const key of Object.keys(options)) {
      if (key !== 'httpKey' && key !== 'trace')
        throw new InvalidArgumentError(`CausalModule.forRoot() has no option "${key}" (known: httpKey, trace)`);
    }
    if (options.trace !== undefined && typeof options.trace !== 'boolean')
      throw new InvalidArgumentError('CausalModule.forRoot() options.trace must be a boolean');
    const trace = options.trace ?? true;
    const resolved: CausalModuleOptions = {
      trace,
      ...(options.httpKey === undefined ? {} : { httpKey: causalKeyBytes(options.httpKey, 'CausalModule httpKey') }),
    };
    return {
      module: CausalModule,
      global: true,
      imports: [DiscoveryModule],
      providers: [
        { provide: CAUSAL_MODULE_OPTIONS, useValue: resolved },
        CausalInstrumenter,
        ...(trace ? [CausalTraceInstrumenter] : []),
        { provide: APP_INTERCEPTOR, useClass: CausalInterceptor },
      ],
    };
  }
}
