import type { Group } from '@cohort/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { GroupDispatcher } from '../transport/group-dispatcher.js';
import { GroupMetadataScanner } from './group-metadata.scanner.js';
import { bindMulticastMethod } from './multicast-method.binder.js';

/** Binds the application's `@Multicast()` and `@OnView()` methods to the member's group, once. */
@Injectable()
export class GroupExplorer {
  private readonly logger = new Logger('GroupExplorer');
  private readonly bound = new WeakSet<Group>();

  constructor(@Inject(GroupMetadataScanner) private readonly scanner: GroupMetadataScanner) {}

  expectedTopics(): string[] {
    return this.scanner.expectedTopics();
  }

  bind(group: Group, dispatcher: GroupDispatcher): void {
    if (this.bound.has(group)) return;
    this.bound.add(group);
    for (const binding of this.scanner.multicastMethods()) {
      bindMulticastMethod(group, dispatcher, binding);
      this.logger.debug?.(`${binding.instance.constructor?.name}.${binding.method} multicasts on "${binding.topic}"`);
    }
    for (const { instance, method, options } of this.scanner.viewMethods()) {
      const fn = instance[method] as (change: unknown) => unknown;
      dispatcher.onView((change) => (options.kinds.includes(change.kind) ? fn.call(instance, change) : undefined));
    }
  }
}
