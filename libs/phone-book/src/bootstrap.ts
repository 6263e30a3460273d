import type { Address, Group, Timing, Wire } from '@cohort/core';
import { COHORT_GROUP, GroupModule } from '@cohort/nestjs';
import { Module, type DynamicModule, type INestApplicationContext, type LoggerService, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PhoneBookModule } from './phone-book.module.js';
import { PhoneBookService } from './phone-book.service.js';

export interface PhoneBookMemberOptions {
  readonly wire: Wire;
  /** Members to join through; empty to form the group. */
  readonly seeds: readonly Address[];
  /** The group's name (default 'phone-book'). */
  readonly group?: string;
  readonly timing?: Partial<Timing>;
  /** Nest's logger option (default false: silent). */
  readonly logger?: LoggerService | LogLevel[] | false;
}

export interface PhoneBookMember {
  readonly app: INestApplicationContext;
  readonly phoneBook: PhoneBookService;
  readonly group: Group;
  close(): Promise<void>;
}

export function phoneBookMemberModule(options: Pick<PhoneBookMemberOptions, 'wire' | 'seeds' | 'group' | 'timing'>): DynamicModule {
  @Module({})
  class PhoneBookMemberModule {}
  return {
    module: PhoneBookMemberModule,
    imports: [
      GroupModule.forRoot({
        name: options.group ?? 'phone-book',
        wire: options.wire,
        seeds: options.seeds,
        ...(options.timing ? { timing: options.timing } : {}),
      }),
      PhoneBookModule,
    ],
  };
}

/** Starts a member of the phone book group as a Nest application context. */
export async function startPhoneBookMember(options: PhoneBookMemberOptions): Promise<PhoneBookMember> {
  const app = await NestFactory.createApplicationContext(phoneBookMemberModule(options), {
    logger: options.logger ?? false,
    abortOnError: false,
  });
  await app.init();
  return { app, phoneBook: app.get(PhoneBookService), group: app.get<Group>(COHORT_GROUP), close: () => app.close() };
}
