import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { realClock, type Clock } from '../env/clock.js';
import { DecodeError, InvalidArgumentError } from '../errors.js';
import type { CohortLogger } from '../util/logger.js';
import type { Address, Wire } from './wire.js';

/**
 * A Wire decorator that signs every outgoing frame with HMAC-SHA256 under a group key and
 * drops every incoming frame whose tag does not check, before anything above decodes it.
 * It authenticates; it does not encrypt (docs/security.md says what that covers).
 *
 * On the wire a frame becomes: the frame, one key-id byte, the 32-byte tag. The tag covers
 * the frame and the key-id byte, so flipping any bit of a signed frame makes it fail.
 */

export const KEY_BYTES_MIN = 16;
const TAG_BYTES = 32;
/** The key-id byte and the tag: what authentication adds to every frame. */
export const AUTH_TRAILER_BYTES = 1 + TAG_BYTES;
const DEFAULT_LOG_INTERVAL_MS = 10_000;

export interface AuthenticateOptions {
  /** The group key: at least 16 bytes (a string counts its UTF-8 bytes). Every member needs the same one. */
  key: Key;
  /** Keys whose frames are accepted too, though nothing is signed with them (see setKey). */
  alsoAccept?: readonly Key[];
  /** Times the rate limit of the drop log; default: the inner wire's clock, else realClock. */
  clock?: Clock;
  /**
   * Where drop reports go; default process.emitWarning (see defaultLog), or the member's logger
   * (at warn) once Group.join hands it one (useLogger). Given here, it stays.
   */
  log?: (line: string) => void;
  /** At most one drop report per this many ms; default 10,000. */
  logIntervalMs?: number;
}

export interface AuthenticatedWireStats {
  /** Frames signed and handed to the inner wire. */
  framesSigned: number;
  /** Incoming frames whose tag checked: handed to the receiver. */
  framesAuthenticated: number;
  /** Incoming frames dropped, for any reason (= the three below). */
  framesRejected: number;
  /** Shorter than the key-id byte and the tag. */
  rejectedTooShort: number;
  /** Signed under another key (an old one after setKey, or a peer configured with a different key). */
  rejectedWrongKey: number;
  /** The key id matched but the tag did not: tampered, forged, or a key-id collision. */
  rejectedBadTag: number;
}

export type Key = Uint8Array | string;

export interface SetKeyOptions {
  /**
   * Keys still (or already) accepted on incoming frames besides the new one; default none.
   * A rotation that must not strand a member that misses the gbcast runs in three steps
   * (docs/security.md): setKey(old, { alsoAccept: [next] }), then setKey(next, { alsoAccept:
   * [old] }), then setKey(next).
   */
  alsoAccept?: readonly Key[];
}

export interface AuthenticatedWire extends Wire {
  /**
   * Switches to `key` at once: later frames, retransmissions included, are signed with it, and
   * frames under any other key (but those in `options.alsoAccept`) are dropped from now on.
   */
  setKey(key: Key, options?: SetKeyOptions): void;
  /** The signing key's one-byte id (derived from the key, so every holder of the key agrees on it). */
  readonly keyId: number;
  /** A snapshot of the counters. */
  readonly stats: AuthenticatedWireStats;
  /**
   * Encrypts `plain` for the holders of the signing key (AES-256-GCM under a key derived from
   * it): how group.rotateKey() hands a new key to the members without a side channel.
   */
  seal(plain: Uint8Array): Uint8Array;
  /** Opens what seal() made under any accepted key; DecodeError if none opens it. */
  open(sealed: Uint8Array): Uint8Array;
  /** Key rotation, step 1: frames under `key` are accepted too; the signing key stays. */
  stageKey(key: Key): void;
  /** Step 2: frames are signed with the staged key; the previous one is still accepted. */
  signWithStagedKey(): void;
  /** Step 3: only the signing key is accepted. */
  retireOldKeys(): void;
}

const SEAL_IV_BYTES = 12;
const SEAL_TAG_BYTES = 16;

type RejectReason = 'too-short' | 'wrong-key' | 'bad-tag';

/**
 * process.emitWarning rather than console.warn: a warning carries a type and a code that an
 * operator can filter or route (process.on('warning'), --no-warnings, --redirect-warnings),
 * it goes to stderr, and Node prints it even when the application replaced console.
 */
function defaultLog(line: string): void {
  process.emitWarning(line, { type: 'CohortWarning', code: 'COHORT_FRAME_REJECTED' });
}

export function authenticate(wire: Wire, options: AuthenticateOptions): AuthenticatedWire {
  return new HmacWire(wire, options);
}

interface GroupKey {
  readonly secret: KeyObject;
  readonly id: number;
}

/** The AES key seal() uses: derived from the group key, never the HMAC key itself. */
function sealingKey(key: GroupKey): Buffer {
  return Buffer.from(hkdfSync('sha256', key.secret, new Uint8Array(0), 'cohort key wrap', 32));
}

function groupKey(key: unknown): GroupKey {
  let bytes: Buffer;
  if (typeof key === 'string') bytes = Buffer.from(key, 'utf8');
  else if (key instanceof Uint8Array)
    bytes = Buffer.from(key); // a copy: later changes to the caller's array do not leak in
  else throw new InvalidArgumentError('the authentication key must be a Uint8Array or a string');
  if (bytes.length < KEY_BYTES_MIN) {
    throw new InvalidArgumentError(`the authentication key must be at least ${KEY_BYTES_MIN} bytes, got ${bytes.length}`);
  }
  const secret = createSecretKey(bytes);
  bytes.fill(0);
  // The id is derived from the key, not counted by setKey calls: a process that joins later,
  // configured with the current key, then agrees on it with members that rotated to it.
  const id = createHmac('sha256', secret).update('cohort key id').digest()[0]!;
  return { secret, id };
}

function acceptedKeys(signing: GroupKey, others: readonly Key[] | undefined): readonly GroupKey[] {
  if (others !== undefined && !Array.isArray(others)) throw new InvalidArgumentError('alsoAccept must be an array of keys');
  return [signing, ...(others ?? []).map(groupKey)];
}

class HmacWire implements AuthenticatedWire {
  readonly address: Address;
  readonly clock: Clock | undefined;
  readonly random: Wire['random'];
  /**
   * The inner wire's peer-down signal, passed through as it is (it carries no frame, so there
   * is nothing to authenticate); absent when the inner wire has none, so callers can tell.
   */
  readonly onPeerDown?: Wire['onPeerDown'];
  private rejectedListener: ((address: Address, reason: string) => void) | null = null;
  /** Signs outgoing frames. */
  private key: GroupKey;
  /** Checks incoming frames: the signing key and any others accepted alongside it. */
  private accepted: readonly GroupKey[];
  private readonly logClock: Clock;
  private log: (line: string) => void;
  /** The `log` option was given: a logger handed over later does not replace it. */
  private readonly logChosen: boolean;
  private readonly logIntervalMs: number;
  private lastLogMs = -Infinity;
  /** Drops since the last report, by reason, and the last sender seen among them. */
  private unreported = { 'too-short': 0, 'wrong-key': 0, 'bad-tag': 0, lastFrom: '' };
  private readonly counters: AuthenticatedWireStats = {
    framesSigned: 0,
    framesAuthenticated: 0,
    framesRejected: 0,
    rejectedTooShort: 0,
    rejectedWrongKey: 0,
    rejectedBadTag: 0,
  };

  constructor(
    private readonly inner: Wire,
    options: AuthenticateOptions,
  ) {
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('authenticate: options with a key are required');
    this.key = groupKey(options.key);
    this.accepted = acceptedKeys(this.key, options.alsoAccept);
    const interval = options.logIntervalMs ?? DEFAULT_LOG_INTERVAL_MS;
    if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0) {
      throw new InvalidArgumentError(`logIntervalMs must be a finite number >= 0, got ${String(interval)}`);
    }
    this.logIntervalMs = interval;
    this.log = options.log ?? defaultLog;
    this.logChosen = options.log !== undefined;
    // The inner wire's clock first, as Group does: on the simulated network the rate limit then
    // runs in virtual time and a seed replays the same log lines.
    this.logClock = options.clock ?? inner.clock ?? realClock;
    this.address = inner.address;
    this.clock = inner.clock;
    this.random = inner.random;
    if (typeof inner.onPeerDown === 'function') {
      this.onPeerDown = (listener) => inner.onPeerDown!(listener);
    }
  }

  get keyId(): number {
    return this.key.id;
  }

  get stats(): AuthenticatedWireStats {
    return { ...this.counters };
  }

  setKey(key: Key, options: SetKeyOptions = {}): void {
    // Both validated before either changes: a bad argument leaves the wire as it was.
    const signing = groupKey(key);
    const accepted = acceptedKeys(signing, options.alsoAccept);
    this.key = signing;
    this.accepted = accepted;
    this.staged = null;
  }

  seal(plain: Uint8Array): Uint8Array {
    const iv = randomBytes(SEAL_IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', sealingKey(this.key), iv);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.from([this.key.id]), iv, cipher.getAuthTag(), body]);
  }

  open(sealed: Uint8Array): Uint8Array {
    if (!(sealed instanceof Uint8Array) || sealed.length < 1 + SEAL_IV_BYTES + SEAL_TAG_BYTES)
      throw new DecodeError('sealed bytes too short');
    const iv = sealed.subarray(1, 1 + SEAL_IV_BYTES);
    const tag = sealed.subarray(1 + SEAL_IV_BYTES, 1 + SEAL_IV_BYTES + SEAL_TAG_BYTES);
    const body = sealed.subarray(1 + SEAL_IV_BYTES + SEAL_TAG_BYTES);
    for (const key of this.accepted.filter((k) => k.id === sealed[0])) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', sealingKey(key), iv);
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(body), decipher.final()]);
      } catch {
        // another key with the same id, or not sealed by a key holder
      }
    }
    throw new DecodeError('sealed under no key this wire accepts');
  }

  private staged: GroupKey | null = null;

  stageKey(key: Key): void {
    const staged = groupKey(key);
    this.staged = staged;
    this.accepted = [this.key, staged];
  }

  signWithStagedKey(): void {
    if (!this.staged) return;
    this.accepted = [this.staged, this.key];
    this.key = this.staged;
    this.staged = null;
  }

  retireOldKeys(): void {
    this.accepted = [this.key];
  }

  send(to: Address, frame: Uint8Array): void {
    if (!(frame instanceof Uint8Array)) throw new InvalidArgumentError('send: the frame must be a Uint8Array');
    // Signed at send time with the key current now: a retransmission after a rotation carries the new key.
    const signed = new Uint8Array(frame.length + AUTH_TRAILER_BYTES);
    signed.set(frame);
    signed[frame.length] = this.key.id;
    signed.set(this.tag(signed.subarray(0, frame.length + 1), this.key), frame.length + 1);
    this.counters.framesSigned++;
    this.inner.send(to, signed);
  }

  onFrame(receiver: (from: Address, frame: Uint8Array) => void): void {
    if (typeof receiver !== 'function') throw new InvalidArgumentError('onFrame: the receiver must be a function');
    this.inner.onFrame((from, signed) => {
      const frame = this.verify(from, signed);
      if (frame) receiver(from, frame);
    });
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** The frame without its trailer if the tag checks under an accepted key, else null (counted). */
  private verify(from: Address, signed: Uint8Array): Uint8Array | null {
    if (signed.length < AUTH_TRAILER_BYTES) return this.reject('too-short', from);
    const idAt = signed.length - AUTH_TRAILER_BYTES;
    const candidates = this.accepted.filter((key) => key.id === signed[idAt]);
    if (candidates.length === 0) return this.reject('wrong-key', from);
    const signedPart = signed.subarray(0, idAt + 1);
    const tag = signed.subarray(idAt + 1);
    // Two accepted keys may share an id (one byte): each is tried.
    if (!candidates.some((key) => timingSafeEqual(this.tag(signedPart, key), tag))) return this.reject('bad-tag', from);
    this.counters.framesAuthenticated++;
    // A view, not a copy: the decoder copies what it keeps.
    return signed.subarray(0, idAt);
  }

  private tag(bytes: Uint8Array, key: GroupKey): Buffer {
    return createHmac('sha256', key.secret).update(bytes).digest();
  }

  private reject(reason: RejectReason, from: Address): null {
    this.counters.framesRejected++;
    if (reason === 'too-short') this.counters.rejectedTooShort++;
    else if (reason === 'wrong-key') this.counters.rejectedWrongKey++;
    else this.counters.rejectedBadTag++;
    this.unreported[reason]++;
    this.unreported.lastFrom = from;
    this.maybeReport();
    try {
      this.rejectedListener?.(
        from,
        reason === 'too-short' ? 'a frame too short to carry a tag' : 'authentication failed (a different key?)',
      );
    } catch {
      // The listener's failure must not escape the receive callback.
    }
    return null;
  }

  /** Drop reports go to `logger.warn` from now on (unless the `log` option chose otherwise); passed on to the inner wire. */
  useLogger(logger: CohortLogger): void {
    if (!this.logChosen) this.log = (line) => logger.warn(line);
    this.inner.useLogger?.(logger);
  }

  onRejected(listener: (address: Address, reason: string) => void): void {
    this.rejectedListener = listener;
  }

  /**
   * A flood of forged frames must not become a flood of log lines: one line per interval,
   * counting everything dropped since the previous line. Drops that come after the last line
   * of a quiet spell are reported with the next drop after the interval, not on a timer, so
   * this decorator never schedules anything.
   */
  private maybeReport(): void {
    const now = this.logClock.now();
    if (now - this.lastLogMs < this.logIntervalMs) return;
    const { 'too-short': tooShort, 'wrong-key': wrongKey, 'bad-tag': badTag, lastFrom } = this.unreported;
    const total = tooShort + wrongKey + badTag;
    this.lastLogMs = now;
    this.unreported = { 'too-short': 0, 'wrong-key': 0, 'bad-tag': 0, lastFrom: '' };
    const line =
      `cohort: ${this.address} dropped ${total} unauthenticated frame(s) ` +
      `(wrong key: ${wrongKey}, bad tag: ${badTag}, too short: ${tooShort}); last from ${lastFrom}`;
    try {
      this.log(line);
    } catch {
      // A failing logger must not turn a dropped frame into an exception out of the wire's
      // receive callback; the drop is still counted in stats.
    }
  }
}
