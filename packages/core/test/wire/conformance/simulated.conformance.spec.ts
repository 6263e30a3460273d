import { SimulatedNetwork } from '../../../src/wire/simulated/simulated-network.js';
import { wireConformance } from './wire-conformance.js';

wireConformance('simulated', async (count) => {
  // Loss-free (the default): the suite checks that every frame arrives. Delays still reorder.
  const net = new SimulatedNetwork({ seed: 7 });
  const wires = Array.from({ length: count }, (_, i) => net.wire(`node-${i}`));
  return {
    wires,
    unreachable: 'nobody-here',
    until: (predicate) => net.runUntil(predicate, { timeoutMs: 60_000 }),
    async crashablePeer() {
      const peer = net.wire(`crashable-${count}`);
      peer.onFrame((from, frame) => peer.send(from, frame));
      return {
        address: peer.address,
        crash: async () => net.crash(peer.address),
      };
    },
    cleanup: () => net.close(),
  };
});
