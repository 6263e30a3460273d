import type { ClientProxy, ReadPacket } from '@nestjs/microservices';

/** The protected hook of ClientProxy the instrumentations chain onto (Nest has no getter for it). */
interface ClientInternals {
  onDispatchHook?: (packet: ReadPacket) => void;
}

/**
 * Adds `addMetadata` to the client's dispatch hook, after the hook already set (the hook holds
 * one function), once per `marker`: true if it was added, false if this marker already was.
 */
export function chainDispatchHook(
  client: ClientProxy,
  marker: symbol,
  addMetadata: (metadata: Record<string, string>) => Record<string, string>,
): boolean {
  const internals = client as unknown as ClientInternals & Record<symbol, true | undefined>;
  if (internals[marker]) return false;
  Object.defineProperty(internals, marker, { value: true });
  const previous = internals.onDispatchHook;
  client.setOnDispatchHook((packet) => {
    previous?.call(client, packet);
    packet.metadata = addMetadata({ ...(packet.metadata ?? {}) });
  });
  return true;
}
