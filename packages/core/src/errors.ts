/** The brand every CohortError carries: `isCohortError()` recognises one made by another copy of @cohort/core. */
const COHORT_ERROR_BRAND: unique symbol = Symbol.for('cohort.error');

/**
 * True for a CohortError from any copy of @cohort/core, the Nest package's GroupReplyError
 * included (`instanceof` sees only its own copy's class; two copies are installed when an
 * application and a library resolve different versions).
 */
export function isCohortError(value: unknown): value is CohortError {
  return (
    value instanceof Object &&
    (value as { [COHORT_ERROR_BRAND]?: unknown })[COHORT_ERROR_BRAND] === true &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

/** The one base of every error @cohort/core throws: a stable `code` to switch on. */
export class CohortError extends Error {
  /** The brand `isCohortError()` checks. */
  get [COHORT_ERROR_BRAND](): true {
    return true;
  }

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InvalidArgumentError extends CohortError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

export class JoinTimeoutError extends CohortError {
  /** Each seed the joiner tried, with what it learned of it (answered, connection refused, authentication failed, no answer). */
  readonly seeds: readonly { readonly address: string; readonly outcome: string }[];

  constructor(groupName: string, timeoutMs: number, seeds: readonly { address: string; outcome: string }[] = []) {
    const tried = seeds.length === 0 ? '' : `; seeds: ${seeds.map((s) => `${s.address} (${s.outcome})`).join(', ')}`;
    super(
      'JOIN_TIMEOUT',
      `could not join group "${groupName}" within ${timeoutMs} ms: no member admitted it and no majority of its seeds formed the group${tried}`,
    );
    this.seeds = seeds;
  }
}

export class ConnectTimeoutError extends CohortError {
  constructor(groupName: string, timeoutMs: number) {
    super('CONNECT_TIMEOUT', `no member of group "${groupName}" told its view within ${timeoutMs} ms`);
  }
}

/** No member took an asynchronous client request in time: it may or may not have been multicast. */
export class NotAcceptedError extends CohortError {
  constructor(timeoutMs: number) {
    super('NOT_ACCEPTED', `no member of the group accepted the request within ${timeoutMs} ms; it may or may not have been multicast`);
  }
}

export class GroupClosedError extends CohortError {
  constructor(reason: string) {
    super('GROUP_CLOSED', `the group member is closed: ${reason}`);
  }
}

export class ExcludedError extends CohortError {
  constructor() {
    super('EXCLUDED', 'this member was excluded from the group');
  }
}

export class DecodeError extends CohortError {
  constructor(message: string) {
    super('DECODE', message);
  }
}

/**
 * A multicast's causal context (the ambient CausalContext, or what replies taught this member)
 * names messages of this group that this member has not delivered within the wait allowed
 * (`contextWaitMs`, at most the call's `timeoutMs`), or that cannot exist (a rank beyond the
 * view). Only that multicast fails: it was never sent, so no other member waits for anything.
 */
export class CausalContextUnsatisfiedError extends CohortError {
  constructor(groupName: string, detail: string) {
    super(
      'CAUSAL_CONTEXT_UNSATISFIED',
      `the causal context of this multicast to group "${groupName}" names messages this member has not delivered: ${detail}; the multicast was not sent`,
    );
  }
}

/** `group.awaitView()` saw no matching view within its timeout. */
export class ViewTimeoutError extends CohortError {
  constructor(groupName: string, timeoutMs: number, last: { id: number; members: readonly string[] } | null) {
    super(
      'VIEW_TIMEOUT',
      `no view of group "${groupName}" matched within ${timeoutMs} ms (last view: ${last ? `${last.id} [${last.members.join(', ')}]` : 'none'})`,
    );
  }
}
