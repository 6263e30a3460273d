/**
 * npm start: a group of NestJS services on loopback (real TCP, real processes' sockets, all
 * in this one process for the telling), three stories as a timeline, then exit 0.
 *
 *   1. Flights: "add flight AF 1981 to sector D-9" — asynchronous causal multicasts
 *      (@Multicast({ order: 'causal' })) from two services; every member applies them in
 *      causal order.
 *   2. The split phone book: a query multicast to three members, each searching its 1/3 of
 *      100,000 entries (scatter-gather), the caller getting the union.
 *   3. The causal thread p → q → r: an HTTP gateway p (in no group) asks q over Nest TCP to
 *      record a, which q cbcasts; then asks r to record b, which r cbcasts. The link from q to
 *      member t is slow, so b reaches t first; CausalModule carried p's context from q's reply
 *      into the request to r, and t delivers a before b.
 *
 *   npm start -- --serve     # then keep the gateway up for curl
 *   npm start -- --nats      # the group over NATS (natsWire) instead of Cohort's TCP wire: a
 *                            # nats-server started here (or $NATS_URL); the services' own calls stay on Nest TCP and HTTP
 */
import 'reflect-metadata';
import { tcpWire, type Wire } from '@cohort/core';
import { natsWire } from '@cohort/nats';
import { startFlightsGateway, startFlightsMember, type FlightsGateway, type FlightsMember } from '@cohort/flights';
import { startPhoneBookMember, type PhoneBookMember } from '@cohort/phone-book';
import { delayTo } from './delay-wire.js';
import { localNats, type LocalNats } from './local-nats.js';
import { demoTrace } from './trace-output.js';

const serve = process.argv.includes('--serve');
const overNats = process.argv.includes('--nats');
const started = performance.now();
const say = (who: string, text: string): void =>
  console.log(`${(performance.now() - started).toFixed(0).padStart(6)} ms  ${who.padEnd(10)} ${text}`);
const heading = (text: string): void => console.log(`\n== ${text}`);
const SLOW_LINK_MS = 300;
/** The flights group's run, recorded for its space-time diagram (the phone book's group is not: one group per picture). */
const trace = demoTrace('demo', { title: 'npm start: the flights group' });
const observer = trace.recorder.observer();
/**
 * Nest's log for every service: warnings and errors only, so the timeline stays readable and a
 * failure shows its cause (an HTTP 500's exception, a member excluded or blocked, frames
 * rejected); Cohort's routine lines (joins, views) stay quiet. ['log', 'warn', 'error'] shows them.
 */
const logger: ('warn' | 'error')[] = ['warn', 'error'];

const closers: (() => Promise<void>)[] = [];
let nats: LocalNats | undefined;

/** A wire for one member: Cohort's TCP wire on loopback, or (--nats) natsWire on the demo's NATS server. */
async function newWire(): Promise<Wire> {
  if (!nats) return tcpWire({ host: '127.0.0.1', port: 0 });
  return natsWire({ servers: nats.url, subjectPrefix: 'demo' });
}
const wireLabel = (): string => (nats ? 'NATS' : 'TCP');
async function closeAll(): Promise<void> {
  for (const close of closers.reverse()) await close().catch(() => undefined);
}

/** Polls `done` every 5 ms for at most `timeoutMs`; the demo never waits forever. */
async function until(done: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`the demo waited ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function flightsStory(): Promise<{ members: Record<string, FlightsMember>; gateway: FlightsGateway }> {
  heading('1. Flights: asynchronous causal multicasts from two services');
  // t's address is known once it listens; q's frames to it are held back (story 3).
  let slowTo: string | undefined;
  const wires: Record<string, Wire> = {};
  for (const name of ['t', 'q', 'r']) wires[name] = await newWire();
  slowTo = undefined;
  const members: Record<string, FlightsMember> = {};
  for (const name of ['t', 'q', 'r']) {
    const wire = name === 'q' ? delayTo(wires[name]!, () => slowTo, SLOW_LINK_MS) : wires[name]!;
    const member = await startFlightsMember({
      wire,
      seeds: name === 't' ? [] : [wires.t!.address],
      logger,
      observer,
      ...(name === 't' ? {} : { tcp: { port: 0 } }),
    });
    closers.push(() => member.close());
    members[name] = member;
    say(
      name,
      `joined the group "flights" as ${member.group.me} (group on ${wireLabel()} ${wires[name]!.address}${member.tcpPort ? `, Nest TCP :${member.tcpPort}` : ''})`,
    );
  }
  await until(() => Object.values(members).every((m) => m.group.view.members.length === 3), 'a view of three');
  say('t', `view ${members.t!.group.view.id}: ${members.t!.group.view.members.length} members`);

  await members.q!.flights.assign('AF1981', 'D-9');
  say('q', 'add flight AF 1981 to sector D-9 (cbcast)');
  await until(() => members.r!.flights.sectorOf('AF1981') === 'D-9', 'r to apply AF1981');
  await members.r!.flights.assign('BA304', 'D-9');
  say('r', 'add flight BA 304 to sector D-9 (cbcast, after seeing AF 1981)');
  await members.r!.flights.assign('AF1981', 'D-10');
  say('r', 'move flight AF 1981 to sector D-10 (cbcast)');
  await until(() => Object.values(members).every((m) => m.flights.history.length === 3), 'every member to apply three assignments');
  for (const [name, member] of Object.entries(members)) {
    say(name, `applied ${member.flights.history.map((a) => `${a.flight}→${a.sector}`).join(', ')}`);
  }

  slowTo = wires.t!.address;
  const gateway = await startFlightsGateway({
    services: { q: { host: '127.0.0.1', port: members.q!.tcpPort! }, r: { host: '127.0.0.1', port: members.r!.tcpPort! } },
    logger,
  });
  closers.push(() => gateway.close());
  return { members, gateway };
}

async function phoneBookStory(): Promise<void> {
  heading('2. The split phone book: scatter-gather over three members');
  const members: PhoneBookMember[] = [];
  let first: Wire | undefined;
  for (let i = 0; i < 3; i++) {
    const wire = await newWire();
    first ??= wire;
    const member = await startPhoneBookMember({ wire, seeds: i === 0 ? [] : [first.address], logger });
    closers.push(() => member.close());
    members.push(member);
  }
  await until(() => members.every((m) => m.group.view.members.length === 3), 'a phone book group of three');
  say('caller', 'search the 100,000 entries for names starting "Mar"');
  const found = (await members[0]!.phoneBook.search('Mar')) as unknown as { name: string }[];
  for (const member of members) {
    const share = member.phoneBook.lastShare!;
    say(`member ${share.rank}`, `searched entries ${share.start}..${share.end - 1} (its 1/${share.viewSize})`);
  }
  say(
    'caller',
    `got ${found.length} matches, the members' parts concatenated in book order: ${found
      .slice(0, 3)
      .map((e) => e.name)
      .join(', ')}, …`,
  );
}

async function causalStory(members: Record<string, FlightsMember>, gateway: FlightsGateway): Promise<void> {
  heading('3. A causal thread across services: p → q (a), then p → r (b); q → t is slow');
  const t = members.t!.flights;
  const seenBefore = t.history.length;
  say('p', `POST ${gateway.url}/flights/thread: q records a (EZY12 → C-3), then r records b (EZY12 → C-4)`);
  say('net', `frames from q to t take ${SLOW_LINK_MS} ms more`);
  const response = await fetch(`${gateway.url}/flights/thread`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      steps: [
        { via: 'q', flight: 'EZY12', sector: 'C-3' },
        { via: 'r', flight: 'EZY12', sector: 'C-4' },
      ],
    }),
  });
  // The cause is in the gateway's log above (Nest's ExceptionsHandler); the body names its code, if any.
  if (!response.ok) throw new Error(`the gateway answered ${response.status}: ${await response.text()}`);
  say('p', 'both services answered; r multicast b right after q multicast a');
  await until(() => t.history.length === seenBefore + 2, 't to deliver a and b');
  const order = t.history.slice(seenBefore).map((a) => `${a.sector === 'C-3' ? 'a' : 'b'} (${a.flight}→${a.sector})`);
  say('t', `delivered ${order.join(' then ')}: b waited for a, which the slow link held back`);
  say(
    't',
    `EZY12 is in sector ${t.sectorOf('EZY12')} at every member: ${Object.values(members).every((m) => m.flights.sectorOf('EZY12') === 'C-4')}`,
  );
}

try {
  if (overNats) {
    nats = await localNats();
    const server = nats;
    closers.push(() => server.stop());
    say('nats', `the group runs over NATS at ${nats.url}${nats.started ? ' (a nats-server started for the demo)' : ''}`);
  }
  const { members, gateway } = await flightsStory();
  await phoneBookStory();
  await causalStory(members, gateway);
  if (serve) {
    heading('Serving: the gateway stays up (Ctrl-C to stop)');
    console.log(
      `curl -X POST ${gateway.url}/flights/thread -H 'content-type: application/json' \\\n  -d '{"steps":[{"via":"q","flight":"AF1981","sector":"D-11"},{"via":"r","flight":"AF1981","sector":"D-12"}]}'`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  }
  heading('Done: every service leaves the group');
  await closeAll();
  console.log(`\nThe run of the flights group, drawn: ${await trace.finish({ check: true })}`);
  process.exit(0);
} catch (error) {
  console.error(error);
  await closeAll();
  console.log(
    `\nThe run of the flights group, drawn: ${await trace.finish({ check: true }).catch((e: unknown) => `not drawn (${String(e)})`)}`,
  );
  process.exit(1);
}
