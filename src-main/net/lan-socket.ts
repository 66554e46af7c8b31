// The LAN discovery socket (docs/nat.md, "LAN and roaming"): bound to the fixed discovery port with
// SO_REUSEADDR (several peers on one machine share it), a member of the discovery group on every
// IPv4 link, with TTL 1 (an announcement never leaves the link). A send to the group goes out once
// per link, from a small socket bound to that link's address (Node cannot pin the interface per
// send); those sockets also take the unicast replies. Other sends (replies) go from the shared one.
import dgram from 'node:dgram';
import type { DatagramHandler, Endpoint, Transport } from '../core/ports.js';
import { ipv4Links } from './network-watch.js';

export interface LanSocketOptions {
  port: number;
  group: string;
}

export class LanSocket implements Transport {
  readonly #handlers: DatagramHandler[] = [];
  readonly #shared: dgram.Socket;
  /** link address -> the socket that sends the group there. */
  #perLink = new Map<string, dgram.Socket>();
  #closed = false;

  private constructor(
    shared: dgram.Socket,
    private readonly options: LanSocketOptions,
  ) {
    this.#shared = shared;
    this.#listen(shared);
  }

  /** Binds the discovery port; rejects with the OS reason when it cannot. */
  static async bind(options: LanSocketOptions): Promise<LanSocket> {
    const shared = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    await bound(shared, options.port, '0.0.0.0');
    const lan = new LanSocket(shared, options);
    await lan.refreshLinks();
    return lan;
  }

  /** Joins the group on links that appeared and sends on them; drops links that went (roaming). */
  async refreshLinks(): Promise<void> {
    if (this.#closed) return;
    const links = ipv4Links()
      .filter((l) => !l.internal)
      .map((l) => l.address);
    for (const [address, socket] of this.#perLink) {
      if (links.includes(address)) continue;
      socket.close();
      this.#perLink.delete(address);
    }
    for (const address of links) {
      if (this.#perLink.has(address)) continue;
      try {
        this.#shared.addMembership(this.options.group, address);
      } catch {
        // Already a member (an address that came back), or the link has no multicast: it still sends.
      }
      const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
      try {
        await bound(socket, 0, address);
        socket.setMulticastInterface(address);
        socket.setMulticastTTL(1);
        socket.setMulticastLoopback(true);
      } catch {
        socket.close();
        continue;
      }
      this.#listen(socket);
      this.#perLink.set(address, socket);
    }
  }

  send(data: Uint8Array, to: Endpoint): void {
    if (this.#closed) return;
    const sockets = to.host === this.options.group ? [...this.#perLink.values()] : [this.#shared];
    for (const socket of sockets) {
      try {
        socket.send(data, to.port, to.host, () => {});
      } catch {
        // A lost datagram, like any failed send.
      }
    }
  }

  onDatagram(handler: DatagramHandler): void {
    this.#handlers.push(handler);
  }

  localEndpoint(): Endpoint {
    const { address, port } = this.#shared.address();
    return { host: address, port };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const all = [this.#shared, ...this.#perLink.values()];
    this.#perLink.clear();
    await Promise.all(all.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  #listen(socket: dgram.Socket): void {
    socket.on('error', () => {});
    socket.on('message', (msg, rinfo) => {
      const data = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
      for (const handler of this.#handlers) handler(data, { host: rinfo.address, port: rinfo.port });
    });
  }
}

function bound(socket: dgram.Socket, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      socket.close();
      reject(new Error(`Cannot bind LAN discovery ${host}:${port}: ${err.message}`, { cause: err }));
    };
    socket.once('error', fail);
    socket.bind(port, host, () => {
      socket.off('error', fail);
      resolve();
    });
  });
}
