import { CausalContext } from '@cohort/core';
import {
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Optional,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { Observable, catchError, map, tap, throwError } from 'rxjs';
import { CAUSAL_CONTEXT_HEADER, CAUSAL_MODULE_OPTIONS } from '../constants.js';
import { GroupContext } from '../transport/group.context.js';
import { decodeCausalContext, wrapCausalReply } from './causal-envelope.js';
import { runInCausalCell, type CausalCell } from './causal-scope.js';
import { signCausalContext, verifyCausalContext } from './causal-signing.js';
import { httpSpanStart, inSpan, rpcSpanStart, type SpanStart } from './causal-trace.js';

/** CausalModule's options as the interceptor gets them (the key already checked). */
interface ResolvedCausalOptions {
  readonly httpKey?: Uint8Array;
  /** False: no spans, no trace context read (CausalModule's default is true). */
  readonly trace?: boolean;
}

const UNSATISFIED = 'CAUSAL_CONTEXT_UNSATISFIED';

/** The core's CausalContextUnsatisfiedError, by its code (a CohortError of any copy of @cohort/core). */
function isUnsatisfied(error: unknown): error is Error & { code: string } {
  return error instanceof Error && (error as { code?: unknown }).code === UNSATISFIED;
}

/**
 * The server side of causal propagation, for every handler (installed globally by
 * CausalModule): runs the handler inside the context its request carried (HTTP header, or
 * packet metadata of a Nest transport), and hands the context back after it: in the response
 * header (HTTP), or in a reply envelope (RPC requests whose caller sent a context, so it
 * knows to unwrap). Group deliveries need neither: the core carries their context.
 */
@Injectable()
export class CausalInterceptor implements NestInterceptor {
  private readonly httpKey: Buffer | undefined;
  private readonly trace: boolean;

  constructor(@Optional() @Inject(CAUSAL_MODULE_OPTIONS) options?: ResolvedCausalOptions) {
    this.httpKey = options?.httpKey ? Buffer.from(options.httpKey) : undefined;
    this.trace = options?.trace ?? true;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const type = context.getType<string>();
    if (type === 'http') return this.http(context, next);
    if (type === 'rpc') return this.rpc(context, next);
    return next.handle();
  }

  private http(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<{
      headers?: Record<string, string | string[] | undefined>;
      method?: string;
      route?: { path?: unknown };
    }>();
    const response = http.getResponse<{
      setHeader?: (name: string, value: string) => void;
      header?: (name: string, value: string) => void;
      headersSent?: boolean;
    }>();
    const raw = request.headers?.[CAUSAL_CONTEXT_HEADER];
    const header = Array.isArray(raw) ? raw[0] : raw;
    // With an httpKey, only a header this key signed counts; anything else is ignored.
    const encoded = this.httpKey && typeof header === 'string' ? verifyCausalContext(header, this.httpKey) : header;
    const incoming = decodeCausalContext(encoded);
    const setHeader = (cell: CausalCell): void => {
      if (response.headersSent) return;
      const plain = cell.context.encode();
      const value = this.httpKey ? signCausalContext(plain, this.httpKey) : plain;
      if (typeof response.setHeader === 'function') response.setHeader(CAUSAL_CONTEXT_HEADER, value);
      else response.header?.(CAUSAL_CONTEXT_HEADER, value);
    };
    const span = this.trace
      ? httpSpanStart(request.headers, request.method ?? 'HTTP', typeof request.route?.path === 'string' ? request.route.path : undefined)
      : undefined;
    return this.inCell(incoming ?? CausalContext.empty, next, withCausalAttribute(span, incoming), (source, cell) =>
      source.pipe(
        tap({ next: () => setHeader(cell), complete: () => setHeader(cell) }),
        // The request's context named messages this member never delivered in time (stale, or
        // forged): only this request failed. Told as 503 with the error's code, not as a 500.
        catchError((error: unknown) =>
          throwError(() =>
            isUnsatisfied(error)
              ? new HttpException(
                  { statusCode: HttpStatus.SERVICE_UNAVAILABLE, code: error.code, message: error.message },
                  HttpStatus.SERVICE_UNAVAILABLE,
                  { cause: error },
                )
              : error,
          ),
        ),
      ),
    );
  }

  private rpc(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const rpc: unknown = context.switchToRpc().getContext();
    // A group delivery: the core's frames carry no trace context (yet), so no span is made here.
    if (rpc instanceof GroupContext)
      return this.inCell(CausalContext.current() ?? CausalContext.empty, next, undefined, (source) => source);
    const metadata =
      typeof (rpc as { getMetadata?: unknown })?.getMetadata === 'function'
        ? (rpc as { getMetadata(): Record<string, string> | undefined }).getMetadata()
        : undefined;
    const span = this.trace ? rpcSpanStart(metadata, patternOf(rpc, context)) : undefined;
    const carried = metadata?.[CAUSAL_CONTEXT_HEADER];
    if (typeof carried !== 'string') return span ? inSpan(span, () => next.handle()) : next.handle();
    const incoming = decodeCausalContext(carried);
    return this.inCell(incoming ?? CausalContext.empty, next, withCausalAttribute(span, incoming), (source, cell) =>
      source.pipe(
        map((value) => wrapCausalReply(value, cell.context)),
        // Nest's RPC filter would make it 'Internal server error': the caller gets the code.
        catchError((error: unknown) =>
          throwError(() =>
            isUnsatisfied(error) ? new RpcException({ name: error.name, code: error.code, message: error.message }) : error,
          ),
        ),
      ),
    );
  }

  /**
   * Subscribes to the handler inside a fresh cell that starts from `start`: what the request
   * carried (never whatever context the socket's callbacks happen to run in), or for a group
   * delivery the context the core runs it in; and inside `span`, when given. `next.handle()`
   * is called inside both: Nest binds the handler's async context where it is called.
   */
  private inCell(
    start: CausalContext,
    next: CallHandler,
    span: SpanStart | undefined,
    decorate: (source: Observable<unknown>, cell: CausalCell) => Observable<unknown>,
  ): Observable<unknown> {
    const work = (): Observable<unknown> =>
      new Observable<unknown>((subscriber) => runInCausalCell(start, (cell) => decorate(next.handle(), cell).subscribe(subscriber)));
    return span ? inSpan(span, work) : work();
  }
}

/** The span shows the causal context its work started from: the two travel together. */
function withCausalAttribute(span: SpanStart | undefined, incoming: CausalContext | undefined): SpanStart | undefined {
  if (!span || !incoming) return span;
  return { ...span, attributes: { ...span.attributes, 'cohort.causal_context': incoming.encode() } };
}

/** The request's pattern (TCP and RMQ contexts tell it), else the handler's name. */
function patternOf(rpc: unknown, context: ExecutionContext): string {
  const pattern: unknown =
    typeof (rpc as { getPattern?: unknown })?.getPattern === 'function' ? (rpc as { getPattern(): unknown }).getPattern() : undefined;
  return typeof pattern === 'string' && pattern.length > 0 ? pattern : context.getHandler().name;
}
