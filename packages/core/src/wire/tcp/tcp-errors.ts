import { CohortError } from '../../errors.js';

/** The wire could not listen on its host and port (in use, not permitted, no such interface). */
export class WireListenError extends CohortError {
  constructor(host: string, port: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('WIRE_LISTEN', `tcpWire cannot listen on ${host}:${port}: ${reason}`, { cause });
  }
}
