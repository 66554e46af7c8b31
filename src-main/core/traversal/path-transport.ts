// The peer's view of the socket: it sends to and hears from peers by their logical address, and
// this layer makes that true whatever the path. A punched route sends to the address the punch
// found, a direct IPv6 one to the peer's proven IPv6 endpoint; a relayed route wraps each datagram in an `n/r` for the relay; datagrams from a learned
// address are presented as coming from the peer it stands for. The answer to a request a relay
// brought unasked goes back through that relay, whatever the route.
import { datagramToObject, encodeRequest } from '../../../src-shared/protocol/index.js';
import type { GivenTokens } from '../given-tokens.js';
import type { DatagramHandler, Endpoint, Transport } from '../ports.js';
import type { PathTable } from './path-table.js';

export class PathTransport implements Transport {
  constructor(
    private readonly inner: Transport,
    private readonly paths: PathTable,
    /** The relay forwards only for requesters that prove their address: its token rides on `n/r`. */
    private readonly tokens: GivenTokens,
  ) {}

  send(data: Uint8Array, to: Endpoint): void {
    const replyRelay = this.paths.owesReplyVia(to) ? this.replyRelayOf(data, to) : undefined;
    const route = this.paths.get(to);
    if (replyRelay) this.sendRelayed(data, to, replyRelay);
    else if (route?.kind === 'relayed') this.sendRelayed(data, to, route.relay);
    else if (route?.actual) this.inner.send(data, route.actual);
    else this.inner.send(data, to);
  }

  onDatagram(handler: DatagramHandler): void {
    this.inner.onDatagram((data, from) => handler(data, this.paths.logicalOf(from), from));
  }

  localEndpoint(): Endpoint {
    return this.inner.localEndpoint();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** The relay an answer goes back through, when its request came out of an unasked `n/f`. */
  private replyRelayOf(data: Uint8Array, to: Endpoint): Endpoint | undefined {
    const decoded = datagramToObject(data);
    if (!decoded.ok || decoded.object.m !== 'R' || typeof decoded.object.z !== 'string') return undefined;
    return this.paths.replyRelay(to, decoded.object.z);
  }

  /** An `n/r` to the relay carrying the datagram's JSON object (not its base64: 25 % smaller). */
  private sendRelayed(data: Uint8Array, to: Endpoint, relay: Endpoint): void {
    const inner = datagramToObject(data);
    // Not a Nance datagram: nothing a relay could carry.
    if (!inner.ok) return;
    let wrapped: Uint8Array;
    try {
      wrapped = encodeRequest(
        { type: 'relay', target: to, msg: inner.object },
        undefined,
        this.tokens.proofFor(relay),
      );
    } catch {
      return; // too large once wrapped: lost, like any datagram the network drops
    }
    this.inner.send(wrapped, relay);
  }
}
