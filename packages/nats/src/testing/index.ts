/**
 * @cohort/nats/testing — nats-server processes on 127.0.0.1 for tests, benchmarks and demos
 * (one server or a routed cluster; kill and restart one; wait until a subject's interest has
 * crossed the routes). Needs the nats-server binary; nothing here is for production.
 */
export { findNatsServer, natsServerBinary, natsServerVersion, NatsCluster } from './nats-cluster.js';
export type { NatsClusterOptions, NatsServer } from './nats-cluster.js';
