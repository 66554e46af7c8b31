// A STUN Binding server (RFC 5389) on the peer's own socket, so a Nance network needs no third-party
// STUN server: bootstrap peers (and every peer, cheaply) answer Binding requests with
// XOR-MAPPED-ADDRESS. Given a second IP address, it also binds the three other sockets RFC 5780
// needs — (IP1, port+1), (IP2, port), (IP2, port+1) — and then honours CHANGE-REQUEST and reports
// OTHER-ADDRESS and RESPONSE-ORIGIN, which lets clients tell the NAT's filtering behaviour.
// Requests over the peer's udp6 socket get a plain answer (XOR-MAPPED-ADDRESS with their IPv6
// address): the alternate sockets are IPv4 only.
import { isIPv4 } from 'node:net';
import stun from 'stun';
import type { Endpoint, Transport } from '../core/ports.js';
import { isStunDatagram } from '../net/demux-transport.js';
import { UdpTransport } from '../net/udp-transport.js';
import {
  ATTR,
  BINDING_ERROR_RESPONSE,
  BINDING_REQUEST,
  BINDING_RESPONSE,
  CHANGE_IP,
  CHANGE_PORT,
} from './stun-client.js';

export interface StunServiceStats {
  requests: number;
  answered: number;
  /** Change requests answered from another socket. */
  changed: number;
  /** Error responses (420: CHANGE-REQUEST without an alternate address). */
  errors: number;
  /** Datagrams that were STUN-shaped but not decodable, or not Binding requests. */
  ignored: number;
}

/**
 * Sockets indexed [ip][port]: [0][0] is the peer's own socket (IP1, P); [0][1] (IP1, P+1);
 * [1][0] (IP2, P); [1][1] (IP2, P+1). Only [0][0] is required.
 */
type Grid = [[Transport, Transport | undefined], [Transport | undefined, Transport | undefined]];

export interface StunServiceOptions {
  /** The STUN channel of the peer's socket. */
  primary: Transport;
  /** RFC 5780 mode: the three other sockets. All three, or none. */
  alternates?: { altPort: Transport; altAddress: Transport; altBoth: Transport };
}

export class StunService {
  readonly #grid: Grid;
  readonly #rfc5780: boolean;
  readonly #stats: StunServiceStats = { requests: 0, answered: 0, changed: 0, errors: 0, ignored: 0 };
  #closed = false;

  constructor(options: StunServiceOptions) {
    const alt = options.alternates;
    this.#grid = [
      [options.primary, alt?.altPort],
      [alt?.altAddress, alt?.altBoth],
    ];
    this.#rfc5780 = alt !== undefined;
    for (const ip of [0, 1] as const) {
      for (const port of [0, 1] as const) {
        this.#grid[ip][port]?.onDatagram((data, from) => {
          try {
            this.#onDatagram(ip, port, data, from);
          } catch {
            this.#stats.ignored++;
          }
        });
      }
    }
  }

  /**
   * The service for a peer socket. With `altAddress`, binds the three other RFC 5780 sockets: the
   * socket must then be bound to one specific address (not 0.0.0.0), and port+1 must be free on
   * both addresses. Rejects, closing what it bound, when a socket cannot be bound.
   */
  static async start(primary: Transport, altAddress?: string): Promise<StunService> {
    if (!altAddress) return new StunService({ primary });
    const local = primary.localEndpoint();
    if (!isIPv4(altAddress)) throw new Error(`--stun-alt-address ${altAddress}: not an IPv4 address`);
    if (local.host === '0.0.0.0') {
      throw new Error(
        '--stun-alt-address needs the UDP socket bound to one address (set --host to the primary address)',
      );
    }
    if (altAddress === local.host) throw new Error('--stun-alt-address must differ from the bound address');
    if (local.port >= 65_535) throw new Error(`UDP port ${local.port} leaves no room for the alternate port`);
    const bound: UdpTransport[] = [];
    try {
      for (const [host, port] of [
        [local.host, local.port + 1],
        [altAddress, local.port],
        [altAddress, local.port + 1],
      ] as const) {
        bound.push(await UdpTransport.bind({ host, port }));
      }
    } catch (err) {
      await Promise.all(bound.map((t) => t.close()));
      throw new Error(`STUN service (RFC 5780): ${(err as Error).message}`, { cause: err });
    }
    const [altPort, altAddr, altBoth] = bound as [UdpTransport, UdpTransport, UdpTransport];
    return new StunService({ primary, alternates: { altPort, altAddress: altAddr, altBoth } });
  }

  /** RFC 5780 (CHANGE-REQUEST, OTHER-ADDRESS) is offered. */
  get rfc5780(): boolean {
    return this.#rfc5780;
  }

  get stats(): Readonly<StunServiceStats> {
    return { ...this.#stats };
  }

  /** The addresses it answers on: primary first, then (IP1,P+1), (IP2,P), (IP2,P+1). */
  addresses(): Endpoint[] {
    return this.#grid.flat().flatMap((t) => (t ? [t.localEndpoint()] : []));
  }

  /** Closes the extra sockets (the primary belongs to the peer) and stops answering. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const [[, altPort], [altAddress, altBoth]] = this.#grid;
    await Promise.all([altPort, altAddress, altBoth].map((t) => t?.close()));
  }

  #onDatagram(ip: 0 | 1, port: 0 | 1, data: Uint8Array, from: Endpoint): void {
    if (this.#closed || !isStunDatagram(data)) return;
    const request = stun.decode(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    // Responses on this channel belong to our own STUN client; indications need no answer.
    if (request.type !== BINDING_REQUEST) {
      if ((request.type & 0x0110) === 0) this.#stats.ignored++;
      return;
    }
    this.#stats.requests++;
    const receivedOn = this.#grid[ip][port] as Transport;
    const changeAttr = request.getAttribute(ATTR.CHANGE_REQUEST);
    const flags = typeof changeAttr?.value === 'number' ? changeAttr.value : 0;
    const changeIp = (flags & CHANGE_IP) !== 0;
    const changePort = (flags & CHANGE_PORT) !== 0;
    // The alternate sockets are IPv4: over the udp6 socket we are a plain server.
    const rfc5780 = this.#rfc5780 && isIPv4(from.host);

    if ((changeIp || changePort) && !rfc5780) {
      // RFC 5780 section 6.1: no alternate address, so CHANGE-REQUEST is an unknown attribute.
      const error = stun.createMessage(BINDING_ERROR_RESPONSE, request.transactionId);
      error.addError(420, 'Unknown Attribute');
      error.addUnknownAttributes([ATTR.CHANGE_REQUEST]);
      receivedOn.send(new Uint8Array(stun.encode(error)), from);
      this.#stats.errors++;
      return;
    }

    const sendIp = (changeIp ? 1 - ip : ip) as 0 | 1;
    const sendPort = (changePort ? 1 - port : port) as 0 | 1;
    const sender = this.#grid[sendIp][sendPort] as Transport;
    const response = stun.createMessage(BINDING_RESPONSE, request.transactionId);
    response.addXorAddress(from.host, from.port);
    // For clients that predate XOR-MAPPED-ADDRESS.
    response.addAddress(from.host, from.port);
    // localEndpoint() is the IPv4 socket's: only an IPv4 request learns where the answer comes from.
    const origin = sender.localEndpoint();
    if (origin.host !== '0.0.0.0' && isIPv4(from.host)) {
      response.addAttribute(ATTR.RESPONSE_ORIGIN, origin.host, origin.port);
    }
    if (rfc5780) {
      const other = (this.#grid[1 - ip] as [Transport | undefined, Transport | undefined])[
        1 - port
      ] as Transport;
      const o = other.localEndpoint();
      response.addAttribute(ATTR.OTHER_ADDRESS, o.host, o.port);
    }
    sender.send(new Uint8Array(stun.encode(response)), from);
    this.#stats.answered++;
    if (sender !== receivedOn) this.#stats.changed++;
  }
}
