import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { GroupExplorer } from '../explorer/group.explorer.js';
import { GROUP_HANDLE, type GroupHandle } from './group-handle.js';

/**
 * The member's life inside the application: binds the decorated methods (module init),
 * lets deliveries through (bootstrap), leaves the group (shutdown). Every step is idempotent:
 * Nest 12 may run the init hooks twice (init, then listen).
 */
@Injectable()
export class GroupLifecycle implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private left: Promise<void> | null = null;

  constructor(
    @Inject(GROUP_HANDLE) private readonly handle: GroupHandle,
    @Inject(GroupExplorer) private readonly explorer: GroupExplorer,
  ) {}

  onModuleInit(): void {
    this.explorer.bind(this.handle.group, this.handle.dispatcher);
  }

  onApplicationBootstrap(): void {
    this.explorer.bind(this.handle.group, this.handle.dispatcher);
    this.handle.release();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.handle.release();
    try {
      if (this.handle.options.leaveOnShutdown !== false) {
        this.left ??= this.handle.group.leave();
        await this.left;
      }
    } finally {
      this.handle.metrics?.close();
    }
  }
}
