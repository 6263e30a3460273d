import 'reflect-metadata';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { CausalContext } from '@cohort/core';
import { Controller, Get, Inject, type INestApplication } from '@nestjs/common';
import { ClientsModule, Ctx, MessagePattern, Payload, TcpContext, Transport, type ClientProxy } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { context, propagation, ROOT_CONTEXT, SpanKind, trace, type SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { lastValueFrom } from 'rxjs';
import { CAUSAL_CONTEXT_HEADER, CausalModule, causalHeaders, currentCausalContext } from '../../src/index.js';
import { AppTracker, quietLogger } from '../support/member-app.js';

/**
 * Issue 13: causal contexts and OpenTelemetry trace context travel together. A caller (the
 * test, in a span of its own) asks an HTTP gateway, which asks a service over Nest TCP. With an
 * SDK, a context manager and the W3C propagator registered (as an application's tracing setup
 * does), `traceparent` rides beside `x-cohort-context` in the HTTP headers and in the packet
 * metadata, and each handler runs in a span that is a child of its caller's.
 */
interface Seen {
  span: SpanContext | undefined;
  causal: string;
  metadata: Record<string, string>;
}

const seen: Seen[] = [];

@Controller()
class ServiceController {
  @MessagePattern('reserve', Transport.TCP)
  reserve(@Payload() seat: string, @Ctx() ctx: TcpContext): string {
    seen.push({
      span: trace.getActiveSpan()?.spanContext(),
      causal: currentCausalContext().encode(),
      metadata: { ...(ctx.getMetadata() ?? {}) },
    });
    return `${seat} reserved`;
  }
}

@Controller()
class GatewayController {
  constructor(@Inject('SERVICE') private readonly service: ClientProxy) {}

  @Get('reserve')
  async reserve(): Promise<{ reply: string; span: string | undefined }> {
    const span = trace.getActiveSpan()?.spanContext().spanId;
    return { reply: await lastValueFrom(this.service.send<string>('reserve', '12A')), span };
  }
}

describe('OpenTelemetry trace context beside the causal context (HTTP and Nest TCP)', () => {
  const tracker = new AppTracker();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = trace.getTracer('test');
  const G = CausalContext.of('G', { viewId: 2, deps: [3, 1] });

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  afterAll(async () => {
    trace.disable();
    context.disable();
    propagation.disable();
    await provider.shutdown();
  });
  beforeEach(() => {
    exporter.reset();
    seen.length = 0;
  });
  afterEach(() => tracker.closeAll());

  /** The service (Nest TCP) and the gateway (HTTP, not listening yet), both with CausalModule. */
  async function setup(trace = true): Promise<INestApplication> {
    const serviceModule = await Test.createTestingModule({ imports: [CausalModule.forRoot({ trace })], controllers: [ServiceController] })
      .setLogger(quietLogger)
      .compile();
    const service = serviceModule.createNestMicroservice({ transport: Transport.TCP, options: { host: '127.0.0.1', port: 0 } });
    tracker.track(() => service.close());
    await service.listen();
    const port = (service.unwrap<NetServer>().address() as AddressInfo).port;
    const gatewayModule = await Test.createTestingModule({
      imports: [
        CausalModule.forRoot({ trace }),
        ClientsModule.register([{ name: 'SERVICE', transport: Transport.TCP, options: { host: '127.0.0.1', port } }]),
      ],
      controllers: [GatewayController],
    })
      .setLogger(quietLogger)
      .compile();
    const gateway = gatewayModule.createNestApplication({ logger: false });
    tracker.track(() => gateway.close());
    return gateway;
  }

  async function listen(gateway: INestApplication): Promise<string> {
    await gateway.listen(0, '127.0.0.1');
    return `http://127.0.0.1:${(gateway.getHttpServer().address() as AddressInfo).port}`;
  }

  function finished(name: string): ReadableSpan {
    const spans = exporter.getFinishedSpans().filter((span) => span.name === name);
    expect(spans.map((span) => span.name)).toEqual([name]);
    return spans[0]!;
  }

  it("the gateway's handler is a child of the caller's span, the service's a child of the gateway's; the causal context came along", async () => {
    const url = await listen(await setup());
    const caller = tracer.startSpan('caller', { kind: SpanKind.CLIENT });
    // causalHeaders() is what a service writes for an HTTP call by hand: both contexts.
    const headers = context.with(trace.setSpan(ROOT_CONTEXT, caller), () => CausalContext.run(G, () => causalHeaders()));
    expect(headers['traceparent']).toBe(`00-${caller.spanContext().traceId}-${caller.spanContext().spanId}-01`);
    const response = await fetch(`${url}/reserve`, { headers });
    caller.end();
    expect(response.status).toBe(200);
    const body = (await response.json()) as { reply: string; span: string };
    expect(body.reply).toBe('12A reserved');

    const { traceId, spanId } = caller.spanContext();
    const gateway = finished('GET /reserve');
    expect(gateway.kind).toBe(SpanKind.SERVER);
    expect(gateway.spanContext().traceId).toBe(traceId);
    expect(gateway.parentSpanContext?.spanId).toBe(spanId);
    expect(gateway.spanContext().spanId).toBe(body.span);
    expect(gateway.attributes['cohort.causal_context']).toBe(G.encode());

    const service = finished('reserve');
    expect(service.kind).toBe(SpanKind.SERVER);
    expect(service.spanContext().traceId).toBe(traceId);
    expect(service.parentSpanContext?.spanId).toBe(gateway.spanContext().spanId);
    expect(service.attributes).toMatchObject({ 'rpc.system': 'nestjs', 'rpc.method': 'reserve', 'cohort.causal_context': G.encode() });

    // The service's handler ran in its span, in the causal context the HTTP request carried.
    expect(seen).toHaveLength(1);
    expect(seen[0]!.span?.spanId).toBe(service.spanContext().spanId);
    expect(CausalContext.decode(seen[0]!.causal).get('G')).toEqual({ viewId: 2, deps: [3, 1] });
    expect(Object.keys(seen[0]!.metadata).sort()).toEqual(['traceparent', CAUSAL_CONTEXT_HEADER].sort());
  });

  it('a request that names no trace starts one at the gateway, which the service joins', async () => {
    const url = await listen(await setup());
    const response = await fetch(`${url}/reserve`);
    expect(response.status).toBe(200);
    const gateway = finished('GET /reserve');
    expect(gateway.parentSpanContext).toBeUndefined();
    const service = finished('reserve');
    expect(service.spanContext().traceId).toBe(gateway.spanContext().traceId);
    expect(service.parentSpanContext?.spanId).toBe(gateway.spanContext().spanId);
  });

  it('stays in the span HTTP instrumentation opened, instead of nesting a second one', async () => {
    const gateway = await setup();
    await gateway.init();
    const express = gateway.getHttpAdapter().getInstance() as (req: unknown, res: unknown) => void;
    // What @opentelemetry/instrumentation-http does before the framework sees the request.
    const server: HttpServer = createServer((req, res) => {
      const parent = propagation.extract(ROOT_CONTEXT, req.headers);
      const span = tracer.startSpan('instrumented', { kind: SpanKind.SERVER }, parent);
      res.on('finish', () => span.end());
      context.with(trace.setSpan(parent, span), () => express(req, res));
    });
    tracker.track(() => new Promise((resolve) => server.close(resolve)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const caller = tracer.startSpan('caller');
    const headers: Record<string, string> = {};
    propagation.inject(trace.setSpan(ROOT_CONTEXT, caller), headers);
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/reserve`, { headers });
    caller.end();
    expect(response.status).toBe(200);
    const instrumented = finished('instrumented');
    expect(instrumented.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
    expect(exporter.getFinishedSpans().filter((span) => span.name === 'GET /reserve')).toEqual([]);
    expect(finished('reserve').parentSpanContext?.spanId).toBe(instrumented.spanContext().spanId);
  });

  it('trace: false makes no span and sends no traceparent; the causal context still travels', async () => {
    const url = await listen(await setup(false));
    const caller = tracer.startSpan('caller');
    const headers = context.with(trace.setSpan(ROOT_CONTEXT, caller), () => CausalContext.run(G, () => causalHeaders({ trace: false })));
    expect(headers['traceparent']).toBeUndefined();
    const response = await fetch(`${url}/reserve`, { headers });
    caller.end();
    expect(response.status).toBe(200);
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['caller']);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.metadata['traceparent']).toBeUndefined();
    expect(CausalContext.decode(seen[0]!.causal).get('G')).toEqual({ viewId: 2, deps: [3, 1] });
  });
});
