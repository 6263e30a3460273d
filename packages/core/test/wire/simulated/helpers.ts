import { afterEach } from '@jest/globals';
import { SimulatedNetwork, type SimulatedNetworkOptions } from '../../../src/wire/simulated/simulated-network.js';

export const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
export const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Networks created through the returned factory are closed after each test. */
export function networks(): (options: SimulatedNetworkOptions) => SimulatedNetwork {
  const created: SimulatedNetwork[] = [];
  afterEach(async () => {
    for (const network of created.splice(0)) await network.close();
  });
  return (options) => {
    const network = new SimulatedNetwork(options);
    created.push(network);
    return network;
  };
}
