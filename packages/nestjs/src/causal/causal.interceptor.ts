import { CausalContext } from '@cohort/core';
import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Observable, map, tap } from 'rxjs';
import { CAUSAL_CONTEXT_HEADER } from '../constants.js';
import { GroupContext } from '../transport/group.context.js';
import { decodeCausalContext, wrapCausalReply } from './causal-envelope.js';
import { runInCausalCell, type CausalCell } from './causal-scope.js';

/**
 * The server side of causal propagation, for every handler (installed globally by
 * CausalModule): runs the handler inside the context its request carried (HTTP header, or
 * packet metadata of a Nest transport), and hands the context back after it: in the response
 * header (HTTP), or in a reply envelope (RPC requests whose caller sent a context, so it
 * knows to unwrap). Group deliveries need neither: the core carries their context.
 */
@Injectable()
export class CausalInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const type = context.getType<string>();
    if (type === 'http') return this.http(context, next);
    if (type === 'rpc') return this.rpc(context, next);
    return next.handle();
  }

  private http(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<{ headers?: Record<string, string | string[] | undefined> }>();
    const response = http.getResponse<{ setHeader?: (name: string, value: string) => void; header?: (name: string, value: string) => void; headersSent?: boolean }>();
    const header = request.headers?.[CAUSAL_CONTEXT_HEADER];
    const incoming = decodeCausalContext(Array.isArray(header) ? header[0] : header);
    const setHeader = (cell: CausalCell): void => {
      if (response.headersSent) return;
      const value = cell.context.encode();
      if (typeof response.setHeader === 'function') response.setHeader(CAUSAL_CONTEXT_HEADER, value);
      else response.header?.(CAUSAL_CONTEXT_HEADER, value);
    };
    return this.inCell(incoming ?? CausalContext.empty, next, (source, cell) => source.pipe(tap({ next: () => setHeader(cell), complete: () => setHeader(cell) })));
  }

  private rpc(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const rpc: unknown = context.switchToRpc().getContext();
    if (rpc instanceof GroupContext) return this.inCell(CausalContext.current() ?? CausalContext.empty, next, (source) => source);
    const metadata = typeof (rpc as { getMetadata?: unknown })?.getMetadata === 'function'
      ? (rpc as { getMetadata(): Record<string, string> | undefined }).getMetadata()
      : undefined;
    const carried = metadata?.[CAUSAL_CONTEXT_HEADER];
    if (typeof carried !== 'string') return next.handle();
    const incoming = decodeCausalContext(carried);
    return this.inCell(incoming ?? CausalContext.empty, next, (source, cell) => source.pipe(map((value) => wrapCausalReply(value, cell.context))));
  }

  /**
   * Subscribes to the handler inside a fresh cell that starts from `start`: what the request
   * carried (never whatever context the socket's callbacks happen to run in), or for a group
   * delivery the context the core runs it in.
   */
  private inCell(
    start: CausalContext,
    next: CallHandler,
    decorate: (source: Observable<unknown>, cell: CausalCell) => Observable<unknown>,
  ): Observable<unknown> {
    return new Observable<unknown>((subscriber) => runInCausalCell(start, (cell) => decorate(next.handle(), cell).subscribe(subscriber)));
  }
}
