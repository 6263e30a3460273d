import { EventQueue } from './src/wire/simulated/event-queue.js';
import { seededRandom } from './src/env/random.js';
import { SimulatedNetwork } from './src/wire/simulated/simulated-network.js';

const q = new EventQueue();
const r = seededRandom(42);
let t0 = performance.now();
const n = 1_000_000;
for (let i = 0; i < n; i++) q.push(r.int(10_000), () => {});
let c = 0;
for (let e = q.pop(); e !== undefined; e = q.pop()) c++;
console.log('heap 1M push+pop ms', (performance.now() - t0).toFixed(0), c);

// Driver throughput: empty timers.
{
  const net = new SimulatedNetwork({ seed: 1 });
  const w = net.wire('a');
  const tick = (): void => { w.clock.setTimer(1, tick); };
  for (let i = 0; i < 10; i++) tick();
  t0 = performance.now();
  const e0 = net.clock.eventsRun;
  await net.sleep(100_000);
  const dt = (performance.now() - t0) / 1000;
  console.log('timers only: events', net.clock.eventsRun - e0, 'events/s', Math.round((net.clock.eventsRun - e0) / dt));
  await net.close();
}
// Heartbeat scenario: 5 nodes, 100ms heartbeat, 60 s virtual
{
  const net = new SimulatedNetwork({ seed: 1 });
  const names = ['n0', 'n1', 'n2', 'n3', 'n4'];
  for (const name of names) {
    const wire = net.wire(name);
    wire.onFrame(() => {});
    const beat = (): void => {
      for (const p of names) if (p !== name) wire.send(p, new Uint8Array(16));
      wire.clock.setTimer(100, beat);
    };
    wire.clock.setTimer(wire.random.int(100), beat);
  }
  t0 = performance.now();
  await net.sleep(60_000);
  const dt = (performance.now() - t0) / 1000;
  console.log('heartbeat 60s virtual: events', net.clock.eventsRun, 'real ms', (dt * 1000).toFixed(0), 'events/s', Math.round(net.clock.eventsRun / dt));
  await net.close();
}
// Frames-heavy: 10 nodes, each frame delivered triggers a reply
{
  const net = new SimulatedNetwork({ seed: 1, loss: 0.01, duplication: 0.01, reorder: 0.05 });
  const names = Array.from({ length: 10 }, (_, i) => `n${i}`);
  for (const name of names) {
    const wire = net.wire(name);
    wire.onFrame((from) => { wire.send(names[wire.random.int(names.length)]!, new Uint8Array(64)); });
  }
  for (let i = 0; i < 1000; i++) net.wire === undefined || undefined;
  t0 = performance.now();
  const first = names.map((n) => n);
  // seed traffic
  const seedWire = net.wire('seed');
  for (let i = 0; i < 200; i++) seedWire.send(first[i % 10]!, new Uint8Array(64));
  await net.sleep(20_000);
  const dt = (performance.now() - t0) / 1000;
  console.log('frame relay: events', net.clock.eventsRun, 'real ms', (dt * 1000).toFixed(0), 'events/s', Math.round(net.clock.eventsRun / dt), net.stats);
  await net.close();
}
