/**
 * The history checker: judges a recorded run (see ../history.ts) against the guarantees of
 * virtual synchrony, from the history alone. One pass over the events feeds every property
 * checker (one file each, README.md defines them); the ordering properties add work after
 * it (happened-before by vector clocks: linear in the history times the number of
 * processes), so millions of events take seconds.
 */
import { CohortError } from '../../errors.js';
import type { HistoryEvent } from '../history.js';
import { afterExitChecker } from './after-exit.checker.js';
import { atMostOnceChecker } from './at-most-once.checker.js';
import { causalChecker } from './causal.checker.js';
import { HistoryContext } from './context.js';
import { eventualDeliveryChecker } from './eventual-delivery.checker.js';
import { fifoChecker } from './fifo.checker.js';
import { groupPositionChecker } from './group-position.checker.js';
import { handledChecker } from './handled.checker.js';
import { integrityChecker } from './integrity.checker.js';
import { noDuplicateChecker } from './no-duplicate.checker.js';
import { noSilentLossChecker } from './no-silent-loss.checker.js';
import { orphansChecker } from './orphans.checker.js';
import { repliesChecker } from './replies.checker.js';
import { primaryPartitionChecker } from './primary-partition.checker.js';
import { safeChecker } from './safe.checker.js';
import { selfDeliveryChecker } from './self-delivery.checker.js';
import { survivorDeliveryChecker } from './survivor-delivery.checker.js';
import { totalAgreementChecker } from './total-agreement.checker.js';
import type { CheckerFactory, CheckHistoryOptions, PropertyChecker, PropertyName, Violation } from './types.js';
import { viewAgreementChecker } from './view-agreement.checker.js';
import { viewSequenceChecker } from './view-sequence.checker.js';
import { viewSynchronyChecker } from './view-synchrony.checker.js';

export type { CheckerFactory, CheckHistoryOptions, PropertyChecker, PropertyName, Violation } from './types.js';

/** Every property checker, by its stable property name. */
export const PROPERTY_CHECKERS: Readonly<Record<PropertyName, CheckerFactory>> = {
  'view-agreement': viewAgreementChecker,
  'view-sequence': viewSequenceChecker,
  'primary-partition': primaryPartitionChecker,
  fifo: fifoChecker,
  'view-synchrony': viewSynchronyChecker,
  'self-delivery': selfDeliveryChecker,
  'no-duplicate': noDuplicateChecker,
  integrity: integrityChecker,
  'after-exit': afterExitChecker,
  'survivor-delivery': survivorDeliveryChecker,
  causal: causalChecker,
  'total-agreement': totalAgreementChecker,
  'group-position': groupPositionChecker,
  safe: safeChecker,
  orphans: orphansChecker,
  'eventual-delivery': eventualDeliveryChecker,
  replies: repliesChecker,
  'no-silent-loss': noSilentLossChecker,
  handled: handledChecker,
  'at-most-once': atMostOnceChecker,
};

export const PROPERTY_NAMES = Object.keys(PROPERTY_CHECKERS) as readonly PropertyName[];

const DEFAULT_MAX_PER_PROPERTY = 1000;

/** Runs the given checkers over `events` in one pass. */
export function runCheckers(
  events: readonly HistoryEvent[],
  factories: readonly CheckerFactory[],
  options: CheckHistoryOptions = {},
): Violation[] {
  const max = options.maxViolationsPerProperty ?? DEFAULT_MAX_PER_PROPERTY;
  const locate = options.locate ?? false;
  const violations: Violation[] = [];
  const suppressed = new Map<string, number>();
  const checkers: PropertyChecker[] = [];
  for (const factory of factories) {
    let reported = 0;
    // The property is known only once the factory returns; reports come later.
    const holder: { property: string } = { property: '' };
    const checker = factory((message) => {
      if (reported < max) {
        reported++;
        const at = locate && ctx.index < events.length ? { at: ctx.index } : {};
        violations.push({ property: holder.property, message, ...at });
      } else {
        suppressed.set(holder.property, (suppressed.get(holder.property) ?? 0) + 1);
      }
    }, options);
    holder.property = checker.property;
    checkers.push(checker);
  }

  const onSend = checkers.filter((c) => c.onSend !== undefined);
  const onDeliver = checkers.filter((c) => c.onDeliver !== undefined);
  const onView = checkers.filter((c) => c.onView !== undefined);
  const onExit = checkers.filter((c) => c.onExit !== undefined);
  const onContext = checkers.filter((c) => c.onContext !== undefined);
  const onReply = checkers.filter((c) => c.onReply !== undefined);
  const onServe = checkers.filter((c) => c.onServe !== undefined);
  const onUnconfirmed = checkers.filter((c) => c.onUnconfirmed !== undefined);
  const onHandled = checkers.filter((c) => c.onHandled !== undefined);

  const ctx = new HistoryContext(events);
  let index = 0;
  for (const event of events) {
    ctx.index = index++;
    switch (event.kind) {
      case 'send': {
        const msg = ctx.message(event.id);
        const sender = ctx.member(event.member);
        for (const c of onSend) c.onSend?.(event, msg, sender, ctx);
        ctx.applySend(event, msg, sender);
        break;
      }
      case 'deliver': {
        const msg = ctx.message(event.id);
        const member = ctx.member(event.member);
        for (const c of onDeliver) c.onDeliver?.(event, msg, member, ctx);
        ctx.applyDeliver(event, msg, member);
        break;
      }
      case 'view': {
        const member = ctx.member(event.member);
        for (const c of onView) c.onView?.(event, member, ctx);
        ctx.applyView(event, member);
        break;
      }
      case 'crash':
      case 'excluded':
      case 'left': {
        const member = ctx.member(event.member);
        for (const c of onExit) c.onExit?.(event, member, ctx);
        ctx.applyExit(event, member);
        break;
      }
      case 'context-out':
      case 'context-in': {
        // Numbers the member (it may be a process outside the group): nothing else to apply.
        const member = ctx.member(event.member);
        for (const c of onContext) c.onContext?.(event, member, ctx);
        break;
      }
      case 'reply':
        for (const c of onReply) c.onReply?.(event, ctx);
        break;
      case 'serve':
        for (const c of onServe) c.onServe?.(event, ctx);
        break;
      case 'unconfirmed': {
        const member = ctx.member(event.member);
        for (const c of onUnconfirmed) c.onUnconfirmed?.(event, member, ctx);
        break;
      }
      case 'handled': {
        // Not numbered here: an id only ever handled is no message of the run's.
        const msg = ctx.messageNumbers.get(event.id) ?? -1;
        const member = ctx.member(event.member);
        for (const c of onHandled) c.onHandled?.(event, msg, member, ctx);
        break;
      }
      case 'blocked':
      case 'unblocked':
        // No property of the history judges them (the campaign's liveness rule reads them).
        break;
    }
  }
  ctx.index = events.length;
  for (const c of checkers) c.finish?.(ctx);

  for (const [property, count] of suppressed) {
    violations.push({ property, message: `…and ${count} more '${property}' violation(s) not listed` });
  }
  return violations;
}

/** Checks a recorded history against every property (or `options.properties`); [] when it holds them all. */
export function checkHistory(events: readonly HistoryEvent[], options: CheckHistoryOptions = {}): Violation[] {
  const names = options.properties ?? PROPERTY_NAMES;
  return runCheckers(
    events,
    names.map((name) => PROPERTY_CHECKERS[name]),
    options,
  );
}

const LISTED = 20;

/** A recorded history breaks guarantees of virtual synchrony; `violations` has them all. */
export class HistoryViolationError extends CohortError {
  constructor(readonly violations: readonly Violation[]) {
    const properties = [...new Set(violations.map((v) => v.property))];
    const lines = violations.slice(0, LISTED).map((v) => `  [${v.property}] ${v.message}`);
    if (violations.length > LISTED) lines.push(`  …and ${violations.length - LISTED} more`);
    super(
      'HISTORY_VIOLATION',
      `the history breaks ${properties.length} propert${properties.length === 1 ? 'y' : 'ies'} ` +
        `(${properties.join(', ')}) with ${violations.length} violation(s):\n${lines.join('\n')}`,
    );
  }
}

/** Throws a HistoryViolationError (listing up to 20 violations) unless the history holds every checked property. */
export function assertHistory(events: readonly HistoryEvent[], options: CheckHistoryOptions = {}): void {
  const violations = checkHistory(events, options);
  if (violations.length > 0) throw new HistoryViolationError(violations);
}
