// A raw UDP socket on 127.0.0.1 that speaks the wire format by hand (base64 JSON), for tests
// against a peer on a real socket. Sends only to loopback.
import dgram from 'node:dgram';
import type { Endpoint } from '../../src-main/core/ports.js';
import { decodeWire, encodeWire, type WireRecord } from './sim-harness.js';

const LOOPBACK = '127.0.0.1';

export class RawUdp {
  readonly received: WireRecord[] = [];
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (msg, rinfo) => {
      this.received.push({
        at: Date.now(),
        peer: { host: rinfo.address, port: rinfo.port },
        bytes: new Uint8Array(msg),
        ...decodeWire(msg),
      });
      this.waiters = this.waiters.filter((w) => {
        if (!w.check()) return true;
        w.resolve();
        return false;
      });
    });
    socket.on('error', () => {});
  }

  static async open(): Promise<RawUdp> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, LOOPBACK, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // A burst of answers must be queued, not dropped (the kernel caps this at rmem_max).
    try {
      socket.setRecvBufferSize(4 * 1024 * 1024);
      socket.setSendBufferSize(4 * 1024 * 1024);
    } catch {}
    return new RawUdp(socket);
  }

  get endpoint(): Endpoint {
    const { address, port } = this.socket.address();
    return { host: address, port };
  }

  /** Sends a wire object as base64 JSON (or raw bytes / text as they are) to a loopback port. */
  send(message: object | Uint8Array | string, to: Endpoint | number): void {
    const port = typeof to === 'number' ? to : to.port;
    if (typeof to !== 'number' && to.host !== LOOPBACK) throw new Error(`raw-udp sends to ${LOOPBACK} only`);
    const bytes =
      message instanceof Uint8Array
        ? message
        : typeof message === 'string'
          ? Buffer.from(message, 'latin1')
          : encodeWire(message);
    this.socket.send(bytes, port, LOOPBACK);
  }

  /** Responses received, optionally only those carrying `z`. */
  responses(z?: string): WireRecord[] {
    return this.received.filter((r) => r.obj?.m === 'R' && (z === undefined || r.obj.z === z));
  }

  /** Resolves true once `check` holds, false after `timeoutMs` (real time). */
  waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter = {
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Sends and collects every response with the message's z that arrives within `timeoutMs`. */
  async ask(
    message: { z?: string; [key: string]: unknown },
    to: Endpoint | number,
    timeoutMs = 500,
  ): Promise<WireRecord[]> {
    const z = message.z;
    this.send(message, to);
    await this.waitFor(() => false, timeoutMs);
    return z === undefined ? this.responses() : this.responses(z);
  }

  /** Sends and resolves with the first response carrying z, or undefined after `timeoutMs`. */
  async request(message: { z: string; [key: string]: unknown }, to: Endpoint | number, timeoutMs = 2000) {
    this.send(message, to);
    await this.waitFor(() => this.responses(message.z).length > 0, timeoutMs);
    return this.responses(message.z)[0];
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
