/**
 * The Cohort demo: a process group on the simulated network, in virtual time, told as a
 * timeline. Members join (the last one receives the group's state), multicast flight
 * updates, one crashes, a partition cuts two members off and heals, and the history checker
 * confirms at the end that every guarantee held. Runs in about a second; exits 0. The run is
 * recorded as a trace and drawn as a space-time diagram (.traces/demo-sim.html; docs/trace.md).
 *
 *   npm run demo:sim                # the story
 *   npm run demo:sim -- --seed 42   # the same story under another network schedule
 */
import { Group } from '@cohort/core';
import { SimulatedNetwork, checkHistory } from '@cohort/core/testing';
import { demoTrace } from './trace-output.js';

const seedFlag = process.argv.indexOf('--seed');
const seed = seedFlag >= 0 ? Number(process.argv[seedFlag + 1]) : 2026;

const net = new SimulatedNetwork({ seed, loss: 0.05, delayMs: { min: 1, max: 4 } });
// The trace is the run's history too (keepHistory): the checker reads recorder.events.
const trace = demoTrace('demo-sim', { title: `npm run demo:sim (seed ${seed})`, clock: net, keepHistory: true });
const recorder = trace.recorder;
const observer = recorder.observer();
const say = (who: string, text: string): void => console.log(`${net.now().toFixed(0).padStart(6)} ms  ${who.padEnd(10)} ${text}`);

interface Service {
  name: string;
  group: Group;
  sectors: Map<string, string>;
}
const services = new Map<string, Service>();

async function start(name: string, seeds: string[]): Promise<Service> {
  const sectors = new Map<string, string>();
  const group = await Group.join('air-traffic', {
    wire: net.wire(name),
    seeds,
    observer,
    getState: () => [...sectors],
    setState: (state) => {
      for (const [flight, sector] of state as [string, string][]) sectors.set(flight, sector);
      say(name, `received state: ${sectors.size} flights`);
    },
  });
  group.handle('flight.sector', (payload) => {
    const { flight, sector } = payload as { flight: string; sector: string };
    sectors.set(flight, sector);
  });
  say(name, `joined as ${group.me} in view ${group.view.id}: [${group.view.members.join(', ')}]`);
  group.on('view', (view) => say(name, `view ${view.id}: [${view.members.join(', ')}]`));
  group.on('excluded', () => say(name, 'excluded (it was cut off); rejoining as a new incarnation'));
  const service = { name, group, sectors };
  services.set(name, service);
  return service;
}

try {
  console.log(`Cohort demo — group "air-traffic" on a simulated network (seed ${seed}, 5% loss)\n`);
  const tower = await start('tower', []);
  await start('radar', ['tower']);
  await start('approach', ['tower']);
  await start('ground', ['tower']);
  await net.runUntil(() => [...services.values()].every((s) => s.group.view.members.length === 4), { timeoutMs: 10_000 });

  say('tower', 'fbcast: add flight AF 1981 to sector D-9, and 199 more updates');
  await tower.group.fbcast('flight.sector', { flight: 'AF1981', sector: 'D-9' });
  for (let i = 0; i < 199; i++)
    await services.get(i % 2 ? 'radar' : 'tower')!.group.fbcast('flight.sector', { flight: `LH${400 + (i % 50)}`, sector: `S-${i % 7}` });
  await net.sleep(300);

  // A handover by causal multicast while approach's frames to tower are slow: ground's answer
  // reaches tower first and waits there for approach's request (the diagram shows it held).
  say('approach', 'cbcast: hand AF 1981 over to ground (its frames to tower take 300 ms)');
  net.setLink('approach', 'tower', { delayMs: { min: 300, max: 300 } });
  const ground = services.get('ground')!;
  await services.get('approach')!.group.cbcast('flight.sector', { flight: 'AF1981', sector: 'G-1' });
  await net.runUntil(() => ground.sectors.get('AF1981') === 'G-1', { timeoutMs: 5_000 });
  say('ground', 'cbcast: AF 1981 taken over, taxiing to gate 12 (after delivering the handover)');
  await ground.group.cbcast('flight.sector', { flight: 'AF1981', sector: 'gate-12' });
  await net.sleep(600);
  net.clearLink('approach', 'tower');
  say('tower', `AF1981 in ${tower.sectors.get('AF1981')}: the answer reached tower first and was delivered after the handover`);

  say('radar', 'crashes');
  recorder.record({ kind: 'crash', member: services.get('radar')!.group.me });
  net.crash('radar');
  services.delete('radar');
  await net.sleep(1_500);

  await start('center', ['tower']);
  await net.sleep(500);

  say('network', 'partition: {tower, approach, center} | {ground}');
  net.partition(['tower', 'approach', 'center'], ['ground']);
  await tower.group.fbcast('flight.sector', { flight: 'AF1981', sector: 'D-10' });
  // Silence is suspected after 3 s (suspectTimeoutMs): the cut-off member is excluded.
  await net.sleep(4_500);
  say('network', 'heal');
  net.heal();
  await net.runUntil(
    () => [...services.values()].every((s) => s.group.view.members.length === 4 && s.group.view.id === tower.group.view.id),
    { timeoutMs: 10_000 },
  );
  await net.sleep(500);

  console.log('');
  for (const service of services.values()) {
    say(service.name, `AF1981 in ${service.sectors.get('AF1981')}, ${service.sectors.size} flights known`);
  }
  const violations = checkHistory(recorder.events, { quiescent: true, locate: true });
  console.log(`\nHistory checker: ${recorder.events.length} events, ${violations.length} violations.`);
  for (const violation of violations.slice(0, 10)) console.log(`  ${violation.property}: ${violation.message}`);
  for (const { property, message, at } of violations)
    recorder.note({ kind: 'violation', property, message, ...(at !== undefined ? { at } : {}) });
  console.log(`The run, drawn: ${await trace.finish()}`);
  process.exitCode = violations.length === 0 ? 0 : 1;
} finally {
  await net.close();
}
