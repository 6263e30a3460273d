/** The one base of every error @cohort/core throws: a stable `code` to switch on. */
export class CohortError extends Error {
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
  constructor(groupName: string, timeoutMs: number) {
    super('JOIN_TIMEOUT', `could not join group "${groupName}" within ${timeoutMs} ms: no member answered or the view change did not complete`);
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
