import { InvalidArgumentError, isCohortError, type CohortError } from '@cohort/core';
import { Catch, Inject, Injectable, Logger, Optional, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { throwError } from 'rxjs';
import { cohortErrorBody, type CohortErrorBody, type CohortHttpMapping } from './cohort-http-status.js';

/** Injection token of the filter's options when Nest builds it (`{ provide: APP_FILTER, useClass: CohortExceptionFilter }`). */
export const COHORT_EXCEPTION_FILTER_OPTIONS: unique symbol = Symbol('cohort:exception-filter-options');

export type CohortExceptionFilterOptions = CohortHttpMapping;

/**
 * What `@Catch()` matches: a CohortError of any copy of @cohort/core. Nest picks a filter by
 * `exception instanceof` each class given to `@Catch()`, and `instanceof` asks
 * `Symbol.hasInstance`: the brand is checked, not the class of one copy.
 */
abstract class AnyCohortError {
  static [Symbol.hasInstance](value: unknown): boolean {
    return isCohortError(value);
  }
}

/** The response objects of Express and Fastify, as far as answering goes (when Nest gave no adapter). */
interface ResponseLike {
  headersSent?: boolean;
  sent?: boolean;
  status?(code: number): ResponseLike;
  json?(body: unknown): unknown;
  send?(body: unknown): unknown;
  end?(): unknown;
}

/**
 * Opt-in: answers a CohortError (GroupReplyError included) that reaches Nest's HTTP layer with
 * its status (COHORT_HTTP_STATUSES: no quorum 503, timeouts 504, bad argument 400 ...) and a
 * body `{ statusCode, code, message, replies? }`, instead of Nest's bare 500. Other exceptions
 * are not caught: Nest's own handling (or your filters) answers them.
 *
 *   app.useGlobalFilters(new CohortExceptionFilter());
 *   // or, built by Nest:  providers: [{ provide: APP_FILTER, useClass: CohortExceptionFilter }]
 *
 * In an RPC context (a hybrid app's microservice with `inheritAppConfig`) it errors the reply
 * with `{ status: 'error', name, code, message }`, so the caller sees the code too.
 */
@Catch(AnyCohortError)
@Injectable()
export class CohortExceptionFilter implements ExceptionFilter<CohortError> {
  private readonly logger = new Logger('CohortExceptionFilter');
  private readonly mapping: CohortHttpMapping;

  constructor(
    @Optional() @Inject(COHORT_EXCEPTION_FILTER_OPTIONS) options?: CohortExceptionFilterOptions,
    @Optional() @Inject(HttpAdapterHost) private readonly adapterHost?: HttpAdapterHost,
  ) {
    this.mapping = validateFilterOptions(options ?? {});
  }

  catch(error: CohortError, host: ArgumentsHost): unknown {
    const body = cohortErrorBody(error, this.mapping);
    if (!body) throw error;
    const type = host.getType<string>();
    if (type === 'rpc') return throwError(() => ({ status: 'error', name: error.name, code: body.code, message: body.message }));
    if (type !== 'http') return error;
    // A code with no status of its own is a fault nobody planned for: logged as Nest logs its 500s.
    if (body.statusCode === 500) this.logger.error(error.message, error.stack);
    this.reply(host.switchToHttp().getResponse<unknown>(), body);
    return undefined;
  }

  private reply(response: unknown, body: CohortErrorBody): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (adapter) {
      if (adapter.isHeadersSent(response)) adapter.end(response);
      else adapter.reply(response, body, body.statusCode);
      return;
    }
    const res = response as ResponseLike;
    if (res.headersSent || res.sent) {
      res.end?.();
      return;
    }
    const withStatus = res.status?.(body.statusCode) ?? res;
    if (typeof withStatus.json === 'function') withStatus.json(body);
    else withStatus.send?.(body);
  }
}

function validateFilterOptions(options: CohortExceptionFilterOptions): CohortHttpMapping {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new InvalidArgumentError('CohortExceptionFilter takes an options object');
  for (const key of Object.keys(options)) {
    if (key !== 'statuses' && key !== 'messages')
      throw new InvalidArgumentError(`CohortExceptionFilter has no option "${key}" (known: statuses, messages)`);
  }
  if (options.messages !== undefined && typeof options.messages !== 'boolean')
    throw new InvalidArgumentError('CohortExceptionFilter options.messages must be a boolean');
  const statuses = options.statuses;
  if (statuses !== undefined) {
    if (statuses === null || typeof statuses !== 'object' || Array.isArray(statuses))
      throw new InvalidArgumentError('CohortExceptionFilter options.statuses must map codes to statuses');
    for (const [code, status] of Object.entries(statuses)) {
      if (!Number.isInteger(status) || status < 400 || status > 599)
        throw new InvalidArgumentError(`CohortExceptionFilter options.statuses["${code}"] must be an integer from 400 to 599`);
    }
  }
  return { ...(statuses ? { statuses: { ...statuses } } : {}), ...(options.messages !== undefined ? { messages: options.messages } : {}) };
}
