/** Counters of one tcpWire since it started (a snapshot: read `wire.stats` again for fresh values). */
export interface TcpWireStats {
  /** Frames written to a socket (or looped back to this wire's own address). */
  framesSent: number;
  /** Frames read from peers after their hello (and looped back ones), receiver set or not. */
  framesReceived: number;
  /** Bytes of those frames, 4-byte headers included, hellos excluded. */
  bytesSent: number;
  bytesReceived: number;
  /** Socket writes: one corked batch (one writev) per flush, however many frames it holds. */
  writes: number;
  /**
   * Frames send() accepted but will never write: over the peer's buffer limit, to a refused
   * peer or a malformed address, oversized, given up on an unreachable peer, or sent or
   * still queued when the wire closed. (Frames lost inside a socket that broke are not known.)
   */
  framesDropped: number;
  /** Frames over maxFrameBytes: refused by send(), or announced by a peer (whose connection is then closed). */
  oversizedFrames: number;
  /** Handshaken connections open now (one per peer, unless a tie-break is in progress). */
  connections: number;
  /** Handshakes completed since the start. */
  connectionsOpened: number;
  /** Outbound connection attempts, and those that closed before their handshake completed. */
  dials: number;
  dialFailures: number;
  /** Connections closed for a bad or missing hello, and inbound TLS handshakes that failed. */
  handshakeFailures: number;
  /** Connections closed by the one-connection-per-peer tie-break. */
  duplicateConnections: number;
  /** New peers refused because maxPeers were already known (frames to them count as dropped too). */
  peersRefused: number;
  /**
   * Peer-down signals (onPeerDown), counted whether or not a listener is set: an open
   * connection ended without the retire marker and none other to that peer remained
   * ('closed'), or a dial was refused ('refused').
   */
  peersDown: number;
  /** Times the frame receiver, or the peer-down listener, threw. */
  receiverErrors: number;
}

export function emptyStats(): TcpWireStats {
  return {
    framesSent: 0,
    framesReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    writes: 0,
    framesDropped: 0,
    oversizedFrames: 0,
    connections: 0,
    connectionsOpened: 0,
    dials: 0,
    dialFailures: 0,
    handshakeFailures: 0,
    duplicateConnections: 0,
    peersRefused: 0,
    peersDown: 0,
    receiverErrors: 0,
  };
}
