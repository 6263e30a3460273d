import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { Observable } from 'rxjs';

/**
 * OpenTelemetry trace context beside the causal context: the W3C `traceparent`/`tracestate`
 * (whatever propagator the application registered) ride in the same carrier as
 * `x-cohort-context` — the HTTP headers, a Nest packet's metadata — and the handler runs in
 * a span that is a child of the caller's. Only `@opentelemetry/api` is used: with no SDK
 * registered every call here is a no-op, and nothing is injected.
 */
const TRACER_NAME = '@cohort/nestjs';

/** Where a handler's span starts: its parent context, name, kind and attributes. */
export interface SpanStart {
  readonly parent: Context;
  readonly name: string;
  readonly kind: SpanKind;
  readonly attributes: Attributes;
}

/** Adds the current trace context to `carrier` (`traceparent`, `tracestate`, baggage: what the registered propagator writes). */
export function injectTraceContext(carrier: Record<string, string>): Record<string, string> {
  propagation.inject(context.active(), carrier);
  return carrier;
}

/**
 * The trace context a carrier came with, over an empty context: never whatever context the
 * socket's callbacks happen to run in (as a causal cell starts from what the request carried).
 */
export function extractTraceContext(carrier: unknown): Context {
  if (carrier === null || typeof carrier !== 'object') return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/**
 * An HTTP request's span, or undefined when the request already runs in its trace: OpenTelemetry's
 * HTTP instrumentation opens the server span before Nest sees the request, and a second one
 * would only nest a copy. The active span counts only if it is of the trace the request named
 * (or the request named none); otherwise it came from elsewhere and the request's own wins.
 */
export function httpSpanStart(headers: unknown, method: string, route: string | undefined): SpanStart | undefined {
  const parent = extractTraceContext(headers);
  const remote = trace.getSpanContext(parent);
  const active = trace.getSpanContext(context.active());
  if (active && isSpanContextValid(active) && (!remote || remote.traceId === active.traceId)) return undefined;
  const attributes: Attributes = { 'http.request.method': method, ...(route ? { 'http.route': route } : {}) };
  return { parent, name: route ? `${method} ${route}` : method, kind: SpanKind.SERVER, attributes };
}

/** A Nest RPC request's span (TCP, Redis ...): a child of the trace its packet metadata carried, or a root. */
export function rpcSpanStart(metadata: unknown, pattern: string): SpanStart {
  return {
    parent: extractTraceContext(metadata),
    name: pattern,
    kind: SpanKind.SERVER,
    attributes: { 'rpc.system': 'nestjs', 'rpc.method': pattern },
  };
}

/**
 * Subscribes to `body()` inside a new span (so the handler, and every call it makes, runs in it)
 * and ends the span when the stream settles or is unsubscribed. A handler error marks the span
 * as failed, unless it is an HTTP exception below 500 (the client's fault, not the server's,
 * as OpenTelemetry's semantic conventions have it).
 */
export function inSpan<T>(start: SpanStart, body: () => Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const span = trace.getTracer(TRACER_NAME).startSpan(start.name, { kind: start.kind, attributes: start.attributes }, start.parent);
    let ended = false;
    const end = (error?: unknown): void => {
      if (ended) return;
      ended = true;
      if (error !== undefined) fail(span, error);
      span.end();
    };
    const subscription = context.with(trace.setSpan(start.parent, span), () =>
      body().subscribe({
        next: (value) => subscriber.next(value),
        error: (error: unknown) => {
          end(error);
          subscriber.error(error);
        },
        complete: () => {
          end();
          subscriber.complete();
        },
      }),
    );
    return () => {
      subscription.unsubscribe();
      end();
    };
  });
}

function fail(span: Span, error: unknown): void {
  const status =
    typeof (error as { getStatus?: unknown })?.getStatus === 'function' ? (error as { getStatus(): number }).getStatus() : undefined;
  if (status !== undefined && status < 500) return;
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}
