import 'reflect-metadata';
import { InvalidArgumentError } from '@cohort/core';
import { ON_VIEW_METADATA } from '../constants.js';
import type { ViewChangeKind } from '../transport/view-change.js';

export interface OnViewOptions {
  /** The kinds of change to be called for; default all: 'installed', 'excluded', 'rejoined'. */
  kinds?: ViewChangeKind[];
}

const KINDS: readonly ViewChangeKind[] = ['installed', 'excluded', 'rejoined'];

/**
 * On a provider method: called with a ViewChange (`{ kind, view }`) on every view change of
 * the member, in order with deliveries: every delivery of view v comes after the call for v
 * and before the call for v + 1. A returned promise holds back the next delivery.
 */
export function OnView(options: OnViewOptions = {}): MethodDecorator {
  const kinds = options.kinds ?? [...KINDS];
  if (!Array.isArray(kinds) || kinds.length === 0 || kinds.some((kind) => !KINDS.includes(kind))) {
    throw new InvalidArgumentError(`@OnView() kinds must be a non-empty list of ${KINDS.join(', ')}`);
  }
  return (target, propertyKey, descriptor) => {
    if (typeof descriptor.value !== 'function') throw new InvalidArgumentError('@OnView() decorates methods only');
    Reflect.defineMetadata(ON_VIEW_METADATA, { kinds: [...kinds] }, target, propertyKey);
  };
}

export function getOnViewMetadata(prototype: object, method: string | symbol): Required<OnViewOptions> | undefined {
  return Reflect.getMetadata(ON_VIEW_METADATA, prototype, method) as Required<OnViewOptions> | undefined;
}
