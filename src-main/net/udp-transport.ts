// The real network: one udp4 socket behind the core's Transport port.
import dgram from 'node:dgram';
import { isIPv4 } from 'node:net';
import type { DatagramHandler, Endpoint, Transport } from '../core/ports.js';
import { MAX_DATAGRAM_BYTES } from './datagram.js';

// Large kernel buffers so a burst of a few hundred requests in flight is queued, not dropped.
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

export interface UdpBindOptions {
  /** IPv4 address to bind; defaults to every interface. */
  host?: string;
  /** 0 lets the OS pick a free port. */
  port?: number;
}

export interface UdpStats {
  datagramsIn: number;
  datagramsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Sends refused (oversize, bad address, closed socket) or failed by the OS. */
  sendErrors: number;
  /** 'error' events raised by the socket after it was bound. */
  socketErrors: number;
}

export class UdpTransport implements Transport {
  readonly #socket: dgram.Socket;
  readonly #local: Endpoint;
  readonly #handlers: DatagramHandler[] = [];
  readonly #stats: UdpStats = {
    datagramsIn: 0,
    datagramsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    sendErrors: 0,
    socketErrors: 0,
  };
  #closed: Promise<void> | undefined;

  /** Binds a udp4 socket; rejects with the address and the OS reason when it cannot. */
  static async bind(options: UdpBindOptions = {}): Promise<UdpTransport> {
    const host = normaliseHost(options.host ?? '0.0.0.0');
    const port = options.port ?? 0;
    // dgram would silently truncate an out-of-range port to 16 bits.
    if (!isPort(port)) throw new Error(`Cannot bind UDP ${host}:${port}: not a port number (0-65535)`);
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => {
        socket.close();
        reject(new Error(`Cannot bind UDP ${host}:${port}: ${describeBindError(err)}`, { cause: err }));
      };
      socket.once('error', fail);
      socket.bind(port, host, () => {
        socket.off('error', fail);
        resolve();
      });
    });
    return new UdpTransport(socket);
  }

  private constructor(socket: dgram.Socket) {
    this.#socket = socket;
    const { address, port } = socket.address();
    this.#local = { host: address, port };
    setBufferSizes(socket);
    // After bind an 'error' (e.g. a failed send on some platforms) must not crash the peer.
    socket.on('error', () => {
      this.#stats.socketErrors++;
    });
    socket.on('message', (msg, rinfo) => {
      this.#stats.datagramsIn++;
      this.#stats.bytesIn += msg.byteLength;
      const data = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
      const from = { host: rinfo.address, port: rinfo.port };
      for (const handler of this.#handlers) handler(data, from);
    });
  }

  /** A snapshot of the counters. */
  get stats(): Readonly<UdpStats> {
    return { ...this.#stats };
  }

  /** Never throws: a refused or failed send is counted in stats.sendErrors. */
  send(data: Uint8Array, to: Endpoint): void {
    const host = normaliseHost(to.host);
    // Only IPv4 literals: a hostname would trigger a DNS lookup on every send.
    const usable = isIPv4(host) && isPort(to.port) && to.port !== 0;
    if (this.#closed || data.byteLength > MAX_DATAGRAM_BYTES || !usable) {
      this.#stats.sendErrors++;
      return;
    }
    try {
      this.#socket.send(data, to.port, host, (err) => {
        if (err) {
          this.#stats.sendErrors++;
          return;
        }
        this.#stats.datagramsOut++;
        this.#stats.bytesOut += data.byteLength;
      });
    } catch {
      // Arguments are checked above; this only upholds the port's promise that send never throws.
      this.#stats.sendErrors++;
    }
  }

  onDatagram(handler: DatagramHandler): void {
    this.#handlers.push(handler);
  }

  localEndpoint(): Endpoint {
    return { ...this.#local };
  }

  /** Resolves once the socket is closed; later calls return the same promise. */
  close(): Promise<void> {
    this.#closed ??= new Promise((resolve) => this.#socket.close(() => resolve()));
    return this.#closed;
  }
}

function normaliseHost(host: string): string {
  return host === 'localhost' ? '127.0.0.1' : host;
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= 65_535;
}

function setBufferSizes(socket: dgram.Socket): void {
  // Best effort: the OS may cap or refuse the size, and a smaller buffer still works.
  try {
    socket.setRecvBufferSize(SOCKET_BUFFER_BYTES);
  } catch {}
  try {
    socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
  } catch {}
}

function describeBindError(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code && !err.message.includes(code) ? `${code} (${err.message})` : err.message;
}
