// The peer's view of the socket: it sends to and hears from peers by their logical address, and
// this layer makes that true whatever the path. A punched route sends to the address the punch
// found; a relayed route wraps each datagram in an `n/r` for the relay; datagrams from a learned
// address are presented as coming from the peer it stands for.
import { datagramToObject, encodeRequest } from '../../../src-shared/protocol/index.js';
import type { DatagramHandler, Endpoint, Transport } from '../ports.js';
import type { PathTable } from './path-table.js';

export interface PathTransportStats {
  /** Datagrams sent wrapped through a relay. */
  relayed: number;
  /** Datagrams that could not be wrapped (not a Nance datagram, or too large once wrapped). */
  unwrappable: number;
}

export class PathTransport implements Transport {
  readonly stats: PathTransportStats = { relayed: 0, unwrappable: 0 };

  constructor(
    private readonly inner: Transport,
    private readonly paths: PathTable,
  ) {}

  send(data: Uint8Array, to: Endpoint): void {
    const route = this.paths.get(to);
    if (route?.kind === 'punched') this.inner.send(data, route.actual);
    else if (route?.kind === 'relayed') this.sendRelayed(data, to, route.relay);
    else this.inner.send(data, to);
  }

  onDatagram(handler: DatagramHandler): void {
    this.inner.onDatagram((data, from) => handler(data, this.paths.logicalOf(from)));
  }

  localEndpoint(): Endpoint {
    return this.inner.localEndpoint();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** An `n/r` to the relay carrying the datagram's JSON object (not its base64: 25 % smaller). */
  private sendRelayed(data: Uint8Array, to: Endpoint, relay: Endpoint): void {
    const inner = datagramToObject(data);
    if (!inner.ok) {
      this.stats.unwrappable++;
      return;
    }
    let wrapped: Uint8Array;
    try {
      wrapped = encodeRequest({ type: 'relay', target: to, msg: inner.object });
    } catch {
      this.stats.unwrappable++;
      return;
    }
    this.stats.relayed++;
    this.inner.send(wrapped, relay);
  }
}
