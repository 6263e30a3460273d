import type { Address, CohortLogger, PeerDownListener, Wire } from '@cohort/core';

/**
 * A wire whose frames to one address arrive `delayMs` late: the demo's slow link. Frames
 * keep their order (one timer per frame, all with the same delay).
 */
export function delayTo(wire: Wire, slowAddress: () => Address | undefined, delayMs: number): Wire {
  return {
    address: wire.address,
    send(to, frame) {
      if (to === slowAddress()) setTimeout(() => wire.send(to, frame), delayMs).unref();
      else wire.send(to, frame);
    },
    onFrame: (receiver) => wire.onFrame(receiver),
    // Peer-down signals pass through untouched (only frames are slowed); absent if the wire has none.
    ...(wire.onPeerDown ? { onPeerDown: (listener: PeerDownListener) => wire.onPeerDown!(listener) } : {}),
    // So does the member's logger (an authenticated wire inside reports its drops there).
    ...(wire.useLogger ? { useLogger: (logger: CohortLogger) => wire.useLogger!(logger) } : {}),
    close: () => wire.close(),
  };
}
