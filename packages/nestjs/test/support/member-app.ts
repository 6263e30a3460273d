import type { Group, GroupOptions } from '@cohort/core';
import type { SimulatedNetwork } from '@cohort/core/testing';
import type { INestMicroservice, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { COHORT_GROUP, GroupModule, GroupServer } from '../../src/index.js';

export interface MemberApp {
  readonly app: INestMicroservice;
  readonly group: Group;
  get<T>(type: abstract new (...args: never[]) => T): T;
  close(): Promise<void>;
}

/** Closes everything a test started, last first; call it in afterEach. */
export class AppTracker {
  private readonly closers: (() => Promise<unknown>)[] = [];

  track(closer: () => Promise<unknown>): void {
    this.closers.push(closer);
  }

  async closeAll(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await close().catch(() => undefined);
  }
}

/**
 * A member of group `g` on the simulated network: a Nest microservice whose transport is a
 * GroupServer on GroupModule's Group, with the given controllers/providers.
 */
export async function startMember(
  tracker: AppTracker,
  net: SimulatedNetwork,
  address: string,
  seeds: string[],
  metadata: ModuleMetadata = {},
  options: Partial<GroupOptions> & { server?: boolean } = {},
): Promise<MemberApp> {
  const { server = true, ...groupOptions } = options;
  const moduleRef = await Test.createTestingModule({
    ...metadata,
    imports: [GroupModule.forRoot({ name: 'g', wire: net.wire(address), seeds, ...groupOptions }), ...(metadata.imports ?? [])],
  })
    .setLogger(quietLogger)
    .compile();
  const group = moduleRef.get<Group>(COHORT_GROUP);
  const app = moduleRef.createNestMicroservice(server ? { strategy: new GroupServer({ group }) } : { strategy: new NoTransport() });
  app.useLogger(quietLogger);
  tracker.track(() => app.close());
  await app.listen();
  return { app, group, get: (type) => app.get(type), close: () => app.close() };
}

/** Forms a group of the named members (the first forms it) and waits until all see all. */
export async function startGroup(
  tracker: AppTracker,
  net: SimulatedNetwork,
  names: string[],
  metadata: ModuleMetadata = {},
  options: Partial<GroupOptions> = {},
): Promise<MemberApp[]> {
  const members: MemberApp[] = [];
  for (const name of names) members.push(await startMember(tracker, net, name, members.length ? [names[0]!] : [], metadata, options));
  const settled = await net.runUntil(
    () => members.every((m) => m.group.view.members.length === names.length && m.group.view.id === members[0]!.group.view.id),
    { timeoutMs: 30_000 },
  );
  if (!settled) throw new Error(`group ${names.join(', ')} did not settle`);
  return members;
}

/** A transport that does nothing: a member app with no GroupServer. */
class NoTransport {
  listen(callback: () => void): void {
    callback();
  }

  close(): void {}
}

export const quietLogger = {
  log: () => undefined,
  warn: () => undefined,
  debug: () => undefined,
  verbose: () => undefined,
  error: (...args: unknown[]) => {
    if (process.env['COHORT_TEST_LOG']) console.error(...args);
  },
};
