import { describe, expect, it } from '@jest/globals';
import type { SimulatedNetwork, SimulatedWire } from '../../../src/wire/simulated/simulated-network.js';
import { decode, encode, networks } from './helpers.js';

const newNetwork = networks();

/**
 * A small ping-pong protocol with timers, deferred calls and random choices, plus a scripted
 * partition, heal, crash and restart. Returns everything that happened, in order.
 */
async function runScenario(network: SimulatedNetwork): Promise<string[]> {
  const log: string[] = [];
  network.trace = (e) =>
    log.push(`${e.time.toFixed(6)} ${e.kind} #${e.frameId}.${e.copy} ${e.from}>${e.to} ${e.byteLength}B ${e.reason ?? ''}`);
  const names = ['n0', 'n1', 'n2', 'n3'];

  const start = (name: string): SimulatedWire => {
    const wire = network.wire(name);
    let counter = 0;
    const ping = (): void => {
      const peer = names[wire.random.int(names.length)]!;
      const payload = `ping ${name} ${counter++} ${wire.random.int(1_000_000)}`;
      log.push(`${wire.clock.now().toFixed(6)} app ${name} sends "${payload}" to ${peer}`);
      wire.send(peer, encode(payload));
      wire.clock.setTimer(5 + wire.random.int(30), ping);
    };
    wire.onFrame((from, frame) => {
      const text = decode(frame);
      log.push(`${wire.clock.now().toFixed(6)} app ${name} got "${text}" from ${from}`);
      if (text.startsWith('ping')) {
        wire.clock.setTimer(wire.random.next() * 10, () => wire.send(from, encode(`pong ${text.slice(5)}`)));
      } else {
        wire.clock.defer(() => log.push(`${wire.clock.now().toFixed(6)} app ${name} deferred after pong`));
      }
    });
    wire.onPeerDown((address, reason) => log.push(`${wire.clock.now().toFixed(6)} app ${name} peer-down ${address} ${reason}`));
    wire.clock.setTimer(wire.random.int(50), ping);
    return wire;
  };

  for (const name of names) start(name);
  network.clock.setTimer(500, () => network.partition(['n0'], ['n1', 'n2']));
  network.clock.setTimer(800, () => network.heal());
  network.clock.setTimer(1000, () => network.crash('n3'));
  network.clock.setTimer(1200, () => start('n3'));
  await network.sleep(2000);
  network.assertHealthy();
  const history = [...log];
  await network.close();
  return history;
}

const options = (seed: number) => ({
  seed,
  delayMs: { min: 1, max: 8 },
  loss: 0.1,
  duplication: 0.1,
  reorder: 0.2,
});

describe('SimulatedNetwork determinism', () => {
  it('the same seed gives the identical history, even when two networks run interleaved', async () => {
    const [first, second] = await Promise.all([runScenario(newNetwork(options(1234))), runScenario(newNetwork(options(1234)))]);
    expect(first.length).toBeGreaterThan(1000);
    expect(second).toEqual(first);
    const third = await runScenario(newNetwork(options(1234)));
    expect(third).toEqual(first);

    // The scenario exercised every path.
    const text = first.join('\n');
    for (const needle of [
      ' deliver ',
      ' duplicate ',
      ' loss',
      ' partition',
      ' receiver-down',
      'deferred after pong',
      'peer-down n3 closed',
      'peer-down n3 refused',
    ]) {
      expect(text).toContain(needle);
    }
  });

  it('different seeds give different histories', async () => {
    const a = await runScenario(newNetwork(options(1)));
    const b = await runScenario(newNetwork(options(2)));
    expect(b).not.toEqual(a);
  });
});
