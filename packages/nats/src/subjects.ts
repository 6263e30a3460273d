/**
 * The NATS subjects a wire uses, under one prefix (default "cohort"):
 *
 * | subject | who subscribes | what travels on it |
 * | --- | --- | --- |
 * | `<prefix>.member.<address>` | the wire at `<address>` | point-to-point packets (frames, fragments, probes, the address check) |
 * | `<prefix>.group.<group>` | every wire created with `group` | frames sent to two or more members in one turn, published once |
 * | `<prefix>.discover.<group>` | every wire created with `group` | "who is there?" requests; each wire answers with its address |
 * | `<prefix>.reply.<address>.>` | the wire at `<address>` | answers to it: "no responders" (503) statuses, probe results, discovery answers |
 *
 * An address is one subject token: letters, digits, `_`, `-` and `:` (no `.`, `*`, `>`,
 * whitespace, nor `/`, which separates an address from an incarnation in a member id).
 */
const TOKEN = /^[A-Za-z0-9_:-]+$/;
/** Long enough for a Kubernetes pod name (63) with room to spare. */
export const MAX_ADDRESS_LENGTH = 200;

export function isValidAddress(address: unknown): address is string {
  return typeof address === 'string' && address.length > 0 && address.length <= MAX_ADDRESS_LENGTH && TOKEN.test(address);
}

/** A prefix is one or more tokens separated by dots, e.g. "cohort" or "prod.eu.cohort". */
export function isValidPrefix(prefix: unknown): prefix is string {
  return typeof prefix === 'string' && prefix.length > 0 && prefix.length <= 200 && prefix.split('.').every((t) => TOKEN.test(t));
}

/** A group name becomes one token too. */
export function isValidGroupToken(group: unknown): group is string {
  return isValidAddress(group);
}

export class Subjects {
  readonly member: string;
  readonly replies: string;
  readonly replyBase: string;
  readonly group: string | undefined;
  readonly discover: string | undefined;

  constructor(
    readonly prefix: string,
    readonly address: string,
    group: string | undefined,
  ) {
    this.member = Subjects.memberOf(prefix, address);
    this.replyBase = `${prefix}.reply.${address}`;
    this.replies = `${this.replyBase}.>`;
    this.group = group === undefined ? undefined : `${prefix}.group.${group}`;
    this.discover = group === undefined ? undefined : `${prefix}.discover.${group}`;
  }

  static memberOf(prefix: string, address: string): string {
    return `${prefix}.member.${address}`;
  }

  /** Where "no responders" for a data packet to `to` comes back. */
  noResponders(to: string): string {
    return `${this.replyBase}.${to}`;
  }

  /** Where the answer to a probe of `to` comes back. */
  probe(to: string): string {
    return `${this.replyBase}.${to}.p`;
  }

  /** Where the answer to this wire's address check comes back. */
  get check(): string {
    return `${this.replyBase}.${this.address}.c`;
  }

  /** Where answers to this wire's discovery request come back. */
  get discovery(): string {
    return `${this.replyBase}.${this.address}.d`;
  }
}
