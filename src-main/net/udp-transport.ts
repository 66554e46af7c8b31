// The real network: a udp4 socket, and beside it a udp6 one on the same port, behind the core's
// Transport port. Two sockets rather than one dual-stack socket: IPv4 peers keep plain dotted
// addresses (a dual-stack socket reports them as ::ffff:a.b.c.d, which every v4 rule, budget and
// the base wire would have to unmap), IPV6_V6ONLY defaults differ between systems, and a machine
// without IPv6 simply runs without the second socket.
import dgram from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import type { DatagramHandler, Endpoint, Transport } from '../core/ports.js';
import { MAX_DATAGRAM_BYTES } from './datagram.js';

// Large kernel buffers so a burst of a few hundred requests in flight is queued, not dropped.
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

export interface UdpBindOptions {
  /** IPv4 address to bind; defaults to every interface. */
  host?: string;
  /**
   * IPv6 address for the second socket (same port); `false`: none. Default: every interface when
   * `host` is every interface (0.0.0.0), else none. Without IPv6 on the machine it is left out.
   */
  host6?: string | false;
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
  readonly #socket6: dgram.Socket | undefined;
  readonly #local: Endpoint;
  readonly #local6: Endpoint | undefined;
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
    const host6 = options.host6 ?? (host === '0.0.0.0' ? '::' : false);
    if (host6 !== false && !isIPv6(host6)) throw new Error(`Cannot bind UDP [${host6}]: not an IPv6 address`);
    const socket = dgram.createSocket('udp4');
    await bindSocket(socket, port, host, `${host}:${port}`);
    // The same port for IPv6, so one "port" is ours in both families; best effort.
    let socket6: dgram.Socket | undefined;
    if (host6 !== false) {
      const s6 = dgram.createSocket({ type: 'udp6', ipv6Only: true });
      const bound = socket.address().port;
      socket6 = await bindSocket(s6, bound, host6, `[${host6}]:${bound}`).then(
        () => s6,
        () => undefined,
      );
    }
    return new UdpTransport(socket, socket6);
  }

  private constructor(socket: dgram.Socket, socket6: dgram.Socket | undefined) {
    this.#socket = socket;
    this.#socket6 = socket6;
    const { address, port } = socket.address();
    this.#local = { host: address, port };
    if (socket6) {
      const a6 = socket6.address();
      this.#local6 = { host: a6.address, port: a6.port };
    }
    for (const s of socket6 ? [socket, socket6] : [socket]) this.listen(s);
  }

  private listen(socket: dgram.Socket): void {
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
    // Only IP literals: a hostname would trigger a DNS lookup on every send.
    const socket = isIPv4(host) ? this.#socket : isIPv6(host) ? this.#socket6 : undefined;
    const usable = socket !== undefined && isPort(to.port) && to.port !== 0;
    if (this.#closed || data.byteLength > MAX_DATAGRAM_BYTES || !usable) {
      this.#stats.sendErrors++;
      return;
    }
    try {
      socket.send(data, to.port, host, (err) => {
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

  /** The IPv6 socket's address, or undefined when there is none. */
  localEndpoint6(): Endpoint | undefined {
    return this.#local6 && { ...this.#local6 };
  }

  /** Resolves once the sockets are closed; later calls return the same promise. */
  close(): Promise<void> {
    const sockets = this.#socket6 ? [this.#socket, this.#socket6] : [this.#socket];
    this.#closed ??= Promise.all(
      sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    ).then(() => undefined);
    return this.#closed;
  }
}

/** Binds `socket`; rejects with the address and the OS reason (and closes it) when it cannot. */
function bindSocket(socket: dgram.Socket, port: number, host: string, where: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (err: Error): void => {
      socket.close();
      reject(new Error(`Cannot bind UDP ${where}: ${describeBindError(err)}`, { cause: err }));
    };
    socket.once('error', fail);
    socket.bind(port, host, () => {
      socket.off('error', fail);
      resolve();
    });
  });
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
