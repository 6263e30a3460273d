import { connect as netConnect, createServer as createNetServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import { InvalidArgumentError } from '../../errors.js';
import type { Address, PeerDownListener, PeerDownReason, Wire } from '../wire.js';
import { formatAddress, parseAddress } from './address.js';
import { FRAME_HEADER_BYTES } from './frame-parser.js';
import { encodeHello } from './handshake.js';
import { Peer, type PeerHost } from './peer.js';
import { PeerConnection, type ConnectionListener, type ConnectionSettings } from './peer-connection.js';
import { WireListenError } from './tcp-errors.js';
import { resolveTcpWireOptions, type ResolvedTcpWireOptions, type TcpWireOptions } from './tcp-wire-options.js';
import { emptyStats, type TcpWireStats } from './tcp-wire-stats.js';

export type FrameReceiver = (from: Address, frame: Uint8Array) => void;

/**
 * Starts a wire over TCP (or TLS): listens on `host:port` and resolves once listening, with
 * `wire.address` the "host:port" peers dial (the real port when `port` is 0). Rejects with
 * InvalidArgumentError for bad options and WireListenError when it cannot listen.
 */
export async function tcpWire(options: TcpWireOptions): Promise<TcpWire> {
  const settings = resolveTcpWireOptions(options);
  const server = createServer(settings);
  const port = await listen(server, settings);
  return new TcpWire(server, settings, port);
}

/**
 * The Wire over node:net / node:tls: one connection per peer pair, length-prefixed frames,
 * writes coalesced per turn, lazy reconnect with backoff, bounded buffers. See README.md.
 */
export class TcpWire implements Wire {
  readonly address: Address;
  private receiver: FrameReceiver | undefined;
  private peerDownListener: PeerDownListener | undefined;
  private readonly peers = new Map<Address, Peer>();
  private readonly connections = new Set<PeerConnection>();
  private readonly owners = new Map<PeerConnection, Peer>();
  /** Every accepted raw socket, so close() can end those still in a TLS handshake. */
  private readonly accepted = new Set<Socket>();
  private readonly counters = emptyStats();
  private readonly instance: number;
  private readonly connectionSettings: ConnectionSettings;
  private readonly peerHost: PeerHost;
  private readonly listener: ConnectionListener;
  private closing: Promise<void> | undefined;

  /** Use tcpWire(options): the port is known only once the server listens. */
  constructor(
    private readonly server: Server,
    private readonly settings: ResolvedTcpWireOptions,
    port: number,
  ) {
    this.address = formatAddress(settings.advertiseHost, port);
    this.instance = settings.random.int(0x1_0000_0000);
    this.connectionSettings = {
      ownHello: encodeHello({ address: this.address, instance: this.instance }),
      maxFrameBytes: settings.maxFrameBytes,
      handshakeTimeoutMs: settings.handshakeTimeoutMs,
      retireTimeoutMs: settings.handshakeTimeoutMs,
      clock: settings.clock,
    };
    this.peerHost = {
      me: this.address,
      clock: settings.clock,
      random: settings.random,
      reconnectDelayMs: settings.reconnectDelayMs,
      maxBufferedBytes: settings.maxBufferedBytesPerPeer,
      dial: (peer) => this.dial(peer),
      written: (frames, bytes) => {
        this.counters.writes++;
        this.counters.framesSent += frames;
        this.counters.bytesSent += bytes;
      },
      dropped: (frames) => {
        this.counters.framesDropped += frames;
      },
      idle: (peer) => {
        if (this.peers.get(peer.address) === peer) this.peers.delete(peer.address);
      },
    };
    this.listener = {
      handshaken: (connection) => this.onHandshaken(connection),
      frame: (connection, frame) => {
        this.counters.framesReceived++;
        this.counters.bytesReceived += FRAME_HEADER_BYTES + frame.length;
        this.deliver(connection.peerAddress!, frame);
      },
      failed: (_connection, cause) => {
        if (cause === 'oversized') this.counters.oversizedFrames++;
        else this.counters.handshakeFailures++;
      },
      retiredByPeer: (connection) => this.owners.get(connection)?.retiredByPeer(connection),
      closed: (connection) => this.onClosed(connection),
    };
    server.on(settings.tls ? 'secureConnection' : 'connection', (socket: Socket) => this.accept(socket));
    server.on('connection', (socket: Socket) => {
      this.accepted.add(socket);
      socket.once('close', () => this.accepted.delete(socket));
    });
    server.on('tlsClientError', () => {
      this.counters.handshakeFailures++;
    });
    // Accept errors (EMFILE ...) are the kernel's to retry; without a listener they would crash us.
    server.on('error', () => {});
  }

  /** A snapshot of the counters. */
  get stats(): TcpWireStats {
    let open = 0;
    for (const connection of this.connections) if (connection.state === 'open') open++;
    return { ...this.counters, connections: open };
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /**
   * Queues `frame` for `to` and returns; the frame goes out with everything else sent this
   * turn. The bytes are copied. Never throws for an unreachable, refused or malformed
   * destination: the frame is dropped and counted.
   */
  send(to: Address, frame: Uint8Array): void {
    if (typeof to !== 'string') throw new InvalidArgumentError('send: the destination must be an address string');
    if (!(frame instanceof Uint8Array)) throw new InvalidArgumentError('send: the frame must be a Uint8Array');
    if (this.closing !== undefined) {
      this.counters.framesDropped++;
      return;
    }
    if (FRAME_HEADER_BYTES + frame.byteLength > this.settings.maxFrameBytes) {
      this.counters.oversizedFrames++;
      this.counters.framesDropped++;
      return;
    }
    if (to === this.address) {
      this.loopback(frame);
      return;
    }
    const peer = this.peerFor(to);
    if (peer === undefined || !peer.send(frame)) this.counters.framesDropped++;
  }

  onFrame(receiver: FrameReceiver): void {
    if (typeof receiver !== 'function') throw new InvalidArgumentError('onFrame: the receiver must be a function');
    this.receiver = receiver;
  }

  /**
   * Sets the one listener of peer-down signals (a later call replaces it): 'closed' when a
   * handshaken connection in use ends without the peer's retire marker (EOF, reset, broken
   * pipe) and no other open connection to that peer remains; 'refused' when a dial is refused
   * (ECONNREFUSED), once per failed dial. Never for a tie-break or an orderly close() on either
   * side, a stranger's failed handshake, or after this wire's close(). What the listener throws
   * is counted in stats.receiverErrors and passed to onReceiverError.
   */
  onPeerDown(listener: PeerDownListener): void {
    if (typeof listener !== 'function') throw new InvalidArgumentError('onPeerDown: the listener must be a function');
    this.peerDownListener = listener;
  }

  /**
   * Stops accepting, writes what is queued to open connections and ends them, drops the rest;
   * resolves once the server and every socket are closed. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const peer of this.peers.values()) peer.shutdown();
    const connections = [...this.connections];
    for (const connection of connections) connection.close();
    await Promise.all(connections.map((connection) => connection.closed));
    // What is left is a socket that never finished its TLS handshake.
    for (const socket of this.accepted) socket.destroy();
    await serverClosed;
    this.peers.clear();
  }

  private peerFor(to: Address): Peer | undefined {
    const known = this.peers.get(to);
    if (known !== undefined) return known;
    if (parseAddress(to) === undefined) return undefined;
    if (this.peers.size >= this.settings.maxPeers) {
      this.counters.peersRefused++;
      return undefined;
    }
    const peer = new Peer(to, this.peerHost);
    this.peers.set(to, peer);
    return peer;
  }

  private dial(peer: Peer): PeerConnection | undefined {
    const target = parseAddress(peer.address);
    if (target === undefined) return undefined;
    this.counters.dials++;
    let socket: Socket;
    try {
      socket =
        this.settings.tls === undefined
          ? netConnect({ host: target.host, port: target.port })
          : tlsConnect({
              host: target.host,
              port: target.port,
              key: this.settings.tls.key,
              cert: this.settings.tls.cert,
              ca: this.settings.tls.ca,
              passphrase: this.settings.tls.passphrase,
              rejectUnauthorized: this.settings.tls.rejectUnauthorized ?? true,
              ...(this.settings.tls.checkServerIdentity ? { checkServerIdentity: this.settings.tls.checkServerIdentity } : {}),
            });
    } catch {
      this.counters.dialFailures++;
      return undefined;
    }
    const connection = new PeerConnection(socket, 'outbound', peer.address, this.connectionSettings, this.listener);
    this.connections.add(connection);
    this.owners.set(connection, peer);
    return connection;
  }

  private accept(socket: Socket): void {
    if (this.closing !== undefined) {
      socket.destroy();
      return;
    }
    let unidentified = 0;
    for (const connection of this.connections) {
      if (connection.direction === 'inbound' && connection.state === 'handshaking') unidentified++;
    }
    // Strangers that never say hello must not pile up: at most maxPeers of them at once.
    if (unidentified >= this.settings.maxPeers) {
      this.counters.peersRefused++;
      socket.destroy();
      return;
    }
    this.connections.add(new PeerConnection(socket, 'inbound', undefined, this.connectionSettings, this.listener));
  }

  private onHandshaken(connection: PeerConnection): void {
    const from = connection.peerAddress!;
    if (from === this.address && connection.peerInstance === this.instance) {
      // We dialed ourselves under another name: frames to that name cannot be delivered.
      connection.destroy();
      return;
    }
    let peer = this.owners.get(connection);
    if (peer === undefined) {
      peer = this.peers.get(from);
      if (peer === undefined) {
        if (this.peers.size >= this.settings.maxPeers) {
          this.counters.peersRefused++;
          connection.destroy();
          return;
        }
        peer = new Peer(from, this.peerHost);
        this.peers.set(from, peer);
      }
      this.owners.set(connection, peer);
    }
    this.counters.connectionsOpened++;
    if (peer.adopt(connection) !== undefined) this.counters.duplicateConnections++;
  }

  private onClosed(connection: PeerConnection): void {
    this.connections.delete(connection);
    const peer = this.owners.get(connection);
    this.owners.delete(connection);
    if (peer === undefined) return;
    const dialFailed = peer.released(connection);
    if (dialFailed) this.counters.dialFailures++;
    // Peer down: only what a crash looks like. A retired connection (tie-break, the peer's
    // orderly close, ours) is not 'open' when it closes, so it is never `broken`; a stranger's
    // failed hello has no Peer; an alias or refused connection we destroyed is not `broken`.
    if (this.closing !== undefined || peer.connection?.state === 'open') return;
    if (connection.broken) this.peerDown(peer.address, 'closed');
    else if (dialFailed && isRefused(connection.error)) this.peerDown(peer.address, 'refused');
  }

  private peerDown(address: Address, reason: PeerDownReason): void {
    this.counters.peersDown++;
    const listener = this.peerDownListener;
    if (listener === undefined) return;
    try {
      listener(address, reason);
    } catch (error) {
      // Called from a socket's close handler: a listener's bug must not escape into it.
      this.counters.receiverErrors++;
      try {
        this.settings.onReceiverError?.(error);
      } catch {
        // nor the error hook's
      }
    }
  }

  private loopback(frame: Uint8Array): void {
    const copy = frame.slice();
    this.counters.framesSent++;
    this.counters.bytesSent += FRAME_HEADER_BYTES + copy.length;
    this.settings.clock.defer(() => {
      this.counters.framesReceived++;
      this.counters.bytesReceived += FRAME_HEADER_BYTES + copy.length;
      this.deliver(this.address, copy);
    });
  }

  private deliver(from: Address, frame: Uint8Array): void {
    if (this.closing !== undefined) return;
    const receiver = this.receiver;
    if (receiver === undefined) return;
    try {
      receiver(from, frame);
    } catch (error) {
      // A receiver's bug must not tear down the connection it happened to arrive on.
      this.counters.receiverErrors++;
      this.settings.onReceiverError?.(error);
    }
  }
}

function isRefused(error: Error | undefined): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED';
}

function createServer(settings: ResolvedTcpWireOptions): Server {
  const tls = settings.tls;
  if (tls === undefined) return createNetServer();
  const mutual = tls.ca !== undefined;
  return createTlsServer({
    key: tls.key,
    cert: tls.cert,
    ca: tls.ca,
    passphrase: tls.passphrase,
    requestCert: mutual,
    rejectUnauthorized: mutual ? (tls.rejectUnauthorized ?? true) : false,
    handshakeTimeout: settings.handshakeTimeoutMs,
  });
}

function listen(server: Server, settings: ResolvedTcpWireOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(new WireListenError(settings.host, settings.port, error));
    server.once('error', onError);
    server.listen({ host: settings.host, port: settings.port }, () => {
      server.off('error', onError);
      const bound = server.address();
      resolve(typeof bound === 'object' && bound !== null ? bound.port : settings.port);
    });
  });
}
