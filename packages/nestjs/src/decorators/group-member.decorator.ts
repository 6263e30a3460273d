import 'reflect-metadata';
import { InvalidArgumentError } from '@cohort/core';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GROUP_MEMBER_METADATA } from '../constants.js';
import { GroupContext } from '../transport/group.context.js';

/** In a GroupServer pattern handler, Nest resolves the parameter from the GroupContext. */
const deliveryParam = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const rpc: unknown = context.switchToRpc().getContext();
  return rpc instanceof GroupContext ? rpc.getDelivery() : undefined;
});

/**
 * The delivery context (rank, viewSize, view, sender, topic) as a parameter: in a
 * `@Multicast()` method (the caller leaves it out, or passes undefined; every member gets
 * its own), and in a `@MessagePattern`/`@EventPattern` handler of GroupServer.
 */
export function GroupMember(): ParameterDecorator {
  return (target, propertyKey, index) => {
    if (propertyKey === undefined) throw new InvalidArgumentError('@GroupMember() decorates method parameters only');
    Reflect.defineMetadata(GROUP_MEMBER_METADATA, index, target, propertyKey);
    deliveryParam()(target, propertyKey, index);
  };
}

/** The index of the @GroupMember() parameter of `prototype[method]`, if any. */
export function getGroupMemberIndex(prototype: object, method: string | symbol): number | undefined {
  return Reflect.getMetadata(GROUP_MEMBER_METADATA, prototype, method) as number | undefined;
}
