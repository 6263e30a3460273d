/**
 * `npm start -- --nats`: the NATS server the demo's group runs over. $NATS_URL if set; otherwise
 * one nats-server (Debian: apt-get install -y nats-server) started on a free loopback port by
 * @cohort/nats/testing's launcher (the one the NATS tests and `npm run bench` use), killed by
 * its PID when the demo ends.
 */
import { findNatsServer, NatsCluster } from '@cohort/nats/testing';

export interface LocalNats {
  url: string;
  /** Whether this process started the server (and so stops it). */
  started: boolean;
  stop(): Promise<void>;
}

export async function localNats(): Promise<LocalNats> {
  if (process.env.NATS_URL) return { url: process.env.NATS_URL, started: false, stop: async () => undefined };
  if (findNatsServer() === null) {
    throw new Error(
      'npm start -- --nats needs a NATS server: set NATS_URL, or install nats-server (Debian: apt-get install -y nats-server)',
    );
  }
  const server = await NatsCluster.start({ size: 1 });
  return { url: server.urls[0]!, started: true, stop: () => server.stop() };
}
