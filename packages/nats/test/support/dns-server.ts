/**
 * A tiny authoritative DNS server for tests, on UDP 127.0.0.1 (node:dgram): A and SRV records
 * from a zone the test can change while it runs, NXDOMAIN for unknown names, NODATA for a known
 * name without records of the asked type. Enough for node:dns's Resolver (c-ares) pointed at it
 * with setServers(['127.0.0.1:<port>']). Answers are uncompressed but for the question pointer.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

export interface SrvRecord {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

interface Entry {
  a: string[];
  srv: SrvRecord[];
}

const TYPE_A = 1;
const TYPE_SRV = 33;
const CLASS_IN = 1;

export class DnsServer {
  private readonly zone = new Map<string, Entry>();
  /** Queries answered, as "TYPE name". */
  readonly queries: string[] = [];

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (message, remote) => this.answer(message, remote));
  }

  static async start(): Promise<DnsServer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    return new DnsServer(socket, socket.address().port);
  }

  /** "127.0.0.1:port", for Resolver.setServers. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private entry(name: string): Entry {
    const key = name.toLowerCase().replace(/\.$/, '');
    let entry = this.zone.get(key);
    if (!entry) {
      entry = { a: [], srv: [] };
      this.zone.set(key, entry);
    }
    return entry;
  }

  addA(name: string, ...ips: string[]): this {
    this.entry(name).a.push(...ips);
    return this;
  }

  addSrv(name: string, ...records: SrvRecord[]): this {
    this.entry(name).srv.push(...records);
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private answer(query: Buffer, remote: RemoteInfo): void {
    if (query.length < 12) return;
    const id = query.readUInt16BE(0);
    const flags = query.readUInt16BE(2);
    if (flags & 0x8000 || query.readUInt16BE(4) < 1) return;
    // The first question: labels, type, class.
    const labels: string[] = [];
    let at = 12;
    while (at < query.length && query[at] !== 0) {
      const length = query[at]!;
      if (length > 63 || at + 1 + length > query.length) return;
      labels.push(query.toString('ascii', at + 1, at + 1 + length));
      at += 1 + length;
    }
    at += 1;
    if (at + 4 > query.length) return;
    const type = query.readUInt16BE(at);
    const question = query.subarray(12, at + 4);
    const name = labels.join('.').toLowerCase();
    this.queries.push(`${type === TYPE_A ? 'A' : type === TYPE_SRV ? 'SRV' : type} ${name}`);
    const entry = this.zone.get(name);
    const answers: Buffer[] = [];
    if (entry && type === TYPE_A) {
      for (const ip of entry.a) answers.push(record(TYPE_A, Buffer.from(ip.split('.').map(Number))));
    }
    if (entry && type === TYPE_SRV) {
      for (const srv of entry.srv) {
        const fixed = Buffer.alloc(6);
        fixed.writeUInt16BE(srv.priority, 0);
        fixed.writeUInt16BE(srv.weight, 2);
        fixed.writeUInt16BE(srv.port, 4);
        answers.push(record(TYPE_SRV, Buffer.concat([fixed, encodeName(srv.target)])));
      }
    }
    const header = Buffer.alloc(12);
    header.writeUInt16BE(id, 0);
    // QR, AA, RD as asked, RA; NXDOMAIN (3) for an unknown name.
    header.writeUInt16BE(0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | (entry ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    this.socket.send(Buffer.concat([header, question, ...answers]), remote.port, remote.address);
  }
}

function encodeName(name: string): Buffer {
  const parts = name
    .replace(/\.$/, '')
    .split('.')
    .map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'ascii')]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}

/** An answer whose name points at the question's (offset 12). */
function record(type: number, data: Buffer): Buffer {
  const fixed = Buffer.alloc(12);
  fixed.writeUInt16BE(0xc00c, 0);
  fixed.writeUInt16BE(type, 2);
  fixed.writeUInt16BE(CLASS_IN, 4);
  fixed.writeUInt32BE(5, 6);
  fixed.writeUInt16BE(data.length, 10);
  return Buffer.concat([fixed, data]);
}
