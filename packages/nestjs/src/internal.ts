/**
 * @cohort/nestjs/internal — the machinery behind the public API, for tests and sibling
 * packages (as nats.js's internal_mod.ts): how deliveries are routed and held, and how the
 * decorators' metadata is found and bound. No compatibility promise between versions: an
 * application needs none of it (GroupModule, GroupServer and the decorators use it for you).
 */
export { GroupDispatcher, HOLD_REASONS, deliveryHoldsOf } from './transport/group-dispatcher.js';
export type { DeliveryHandler, HoldKind, ViewListener } from './transport/group-dispatcher.js';
export { toReplyError } from './transport/reply-error.js';
export { GroupMetadataScanner, multicastTopic } from './explorer/group-metadata.scanner.js';
export type { MulticastMethod, ViewMethod } from './explorer/group-metadata.scanner.js';
export { GroupExplorer } from './explorer/group.explorer.js';
export { bindMulticastMethod } from './explorer/multicast-method.binder.js';
