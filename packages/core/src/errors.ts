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
