import { Inject, Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { PATTERN_METADATA, TRANSPORT_METADATA } from '@nestjs/microservices/constants.js';
import { transformPatternToRoute } from '@nestjs/microservices/utils/index.js';
import { TOPIC_LENGTH_MAX } from '@cohort/core';
import { GROUP_TRANSPORT } from '../constants.js';
import { getGroupMemberIndex } from '../decorators/group-member.decorator.js';
import { getMulticastMetadata, type MulticastOptions } from '../decorators/multicast.decorator.js';
import { getOnViewMetadata, type OnViewOptions } from '../decorators/on-view.decorator.js';

export interface MulticastMethod {
  readonly instance: Record<string | symbol, unknown>;
  readonly method: string;
  readonly topic: string;
  readonly options: MulticastOptions;
  /** Index of the @GroupMember() parameter, if any. */
  readonly memberIndex: number | undefined;
}

export interface ViewMethod {
  readonly instance: Record<string | symbol, unknown>;
  readonly method: string;
  readonly options: Required<OnViewOptions>;
}

/**
 * The one reader of this package's metadata (and of Nest's pattern metadata, for topics a
 * GroupServer will serve): finds `@Multicast()` and `@OnView()` methods on the application's
 * singleton providers and controllers.
 */
@Injectable()
export class GroupMetadataScanner {
  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
  ) {}

  /** The instantiated singleton providers and controllers' @Multicast() methods. */
  multicastMethods(): MulticastMethod[] {
    const found: MulticastMethod[] = [];
    for (const instance of this.instances()) {
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const options = getMulticastMetadata(prototype, method);
        if (!options) continue;
        found.push({
          instance,
          method,
          options,
          topic: multicastTopic(instance.constructor as { name: string }, method, options),
          memberIndex: getGroupMemberIndex(prototype, method),
        });
      }
    }
    return found;
  }

  viewMethods(): ViewMethod[] {
    const found: ViewMethod[] = [];
    for (const instance of this.instances()) {
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const options = getOnViewMetadata(prototype, method);
        if (options) found.push({ instance, method, options });
      }
    }
    return found;
  }

  /**
   * Topics deliveries may arrive on before their handlers are bound, read from the classes
   * alone (instances may not exist yet): @Multicast() topics, and string or object patterns
   * of @MessagePattern/@EventPattern handlers not bound to another transport.
   */
  expectedTopics(): string[] {
    const topics = new Set<string>();
    for (const wrapper of this.discovery.getProviders()) {
      const type = classOf(wrapper);
      if (!type || !wrapper.isDependencyTreeStatic() || wrapper.isTransient) continue;
      for (const method of this.scanner.getAllMethodNames(type.prototype as object)) {
        const options = getMulticastMetadata(type.prototype as object, method);
        if (options) topics.add(multicastTopic(type, method, options));
      }
    }
    for (const wrapper of this.discovery.getControllers()) {
      const type = classOf(wrapper);
      if (!type) continue;
      const prototype = type.prototype as Record<string, unknown>;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[method] as object;
        const patterns = Reflect.getMetadata(PATTERN_METADATA, handler) as unknown[] | undefined;
        const transport = Reflect.getMetadata(TRANSPORT_METADATA, handler) as unknown;
        if (!patterns || (transport !== undefined && transport !== GROUP_TRANSPORT)) continue;
        for (const pattern of patterns) {
          const topic = transformPatternToRoute(pattern as never);
          // Only the length: a reserved or ill-formed topic is kept, for group.handle() to refuse at start.
          if (typeof topic === 'string' && topic.length > 0 && topic.length <= TOPIC_LENGTH_MAX) topics.add(topic);
        }
      }
    }
    return [...topics];
  }

  private instances(): Record<string | symbol, unknown>[] {
    const seen = new Set<unknown>();
    const out: Record<string | symbol, unknown>[] = [];
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient) continue;
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || seen.has(instance)) continue;
      const prototype: unknown = Object.getPrototypeOf(instance);
      if (!prototype || prototype === Object.prototype) continue;
      seen.add(instance);
      out.push(instance as Record<string | symbol, unknown>);
    }
    return out;
  }
}

export function multicastTopic(type: { name: string }, method: string, options: MulticastOptions): string {
  return options.topic ?? `${type.name}.${method}`;
}

/** What the scan reads of a provider's or controller's class. */
interface ClassLike {
  readonly name: string;
  readonly prototype: unknown;
}

function classOf(wrapper: InstanceWrapper): ClassLike | null {
  if (wrapper.metatype && !wrapper.inject && typeof wrapper.metatype === 'function' && wrapper.metatype.prototype) {
    return wrapper.metatype;
  }
  const instance: unknown = wrapper.instance;
  if (instance && typeof instance === 'object') return instance.constructor;
  return null;
}
