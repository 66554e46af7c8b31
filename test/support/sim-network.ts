// An in-process network on a SimClock: deterministic latency, loss, duplication and partitions.
import {
  type DatagramHandler,
  type Endpoint,
  endpointKey,
  type Transport,
} from '../../src-main/core/ports.js';
import { MAX_DATAGRAM_BYTES } from '../../src-main/net/datagram.js';
import { mulberry32, type Random } from './prng.mjs';
import type { SimClock } from './sim-clock.js';

export interface SimNetworkOptions {
  clock: SimClock;
  seed?: number;
  /** One-way delay of every datagram. */
  latencyMs?: number;
  /** Extra whole milliseconds drawn uniformly from [0, jitterMs); lets datagrams overtake each other. */
  jitterMs?: number;
  /** Chance, 0..1, that a datagram is lost; each datagram independently. */
  lossRate?: number;
  /** Chance, 0..1, that a datagram that got through arrives a second time. */
  duplicateRate?: number;
}

export interface SimNetworkStats {
  /** send() calls on open transports and attached hosts. */
  sent: number;
  /** Copies handed to a receiver: a bound transport or an attached host. */
  delivered: number;
  /** Lost, oversize, partitioned, or addressed to an endpoint with no receiver on arrival. */
  dropped: number;
  /** Extra copies created; sent + duplicated = delivered + dropped + in flight. */
  duplicated: number;
}

/** Receives datagrams for an attached host; `to` says which of its ports they were sent to. */
export type HostReceiver = (data: Uint8Array, from: Endpoint, to: Endpoint) => void;

/** What attachHost returns: a middlebox's (e.g. a SimNat's) own link to the network. */
export interface AttachedHost {
  /** Sends from `host:fromPort`, through the same latency, loss and partitions as a transport. */
  send(data: Uint8Array, fromPort: number, to: Endpoint): void;
  /** Stops receiving; idempotent. */
  detach(): void;
}

/** Either end of a link in setLoss: an endpoint or any endpoint. */
export type LinkEnd = Endpoint | '*';

export class SimNetwork {
  readonly #clock: SimClock;
  readonly #random: Random;
  readonly #latencyMs: number;
  readonly #jitterMs: number;
  readonly #lossRate: number;
  readonly #duplicateRate: number;
  readonly #bound = new Map<string, SimTransport>();
  readonly #hosts = new Map<string, HostReceiver>();
  readonly #linkLoss = new Map<string, number>();
  readonly #partitions = new Set<string>();
  readonly #stats: SimNetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };

  constructor(options: SimNetworkOptions) {
    this.#clock = options.clock;
    this.#random = mulberry32(options.seed ?? 1);
    this.#latencyMs = options.latencyMs ?? 5;
    this.#jitterMs = options.jitterMs ?? 0;
    this.#lossRate = checkRate(options.lossRate ?? 0);
    this.#duplicateRate = checkRate(options.duplicateRate ?? 0);
  }

  /** A snapshot of the counters. */
  get stats(): Readonly<SimNetworkStats> {
    return { ...this.#stats };
  }

  /** Binds a transport at `endpoint`; throws if another transport holds it. */
  bind(endpoint: Endpoint): SimTransport {
    const key = endpointKey(endpoint);
    if (this.#bound.has(key)) throw new Error(`Sim endpoint ${key} is already bound`);
    const transport = new SimTransport(endpoint, {
      send: (data, from, to) => this.#send(data, from, to),
      unbind: () => {
        if (this.#bound.get(key) === transport) this.#bound.delete(key);
      },
    });
    this.#bound.set(key, transport);
    return transport;
  }

  /** The clock the network runs on; middleboxes read it to age their state. */
  get clock(): SimClock {
    return this.#clock;
  }

  /**
   * Hands `receiver` every datagram addressed to `host` at a port with no bound transport (a bound
   * transport wins), and lets the caller send from any port of `host`. Throws if `host` is attached.
   */
  attachHost(host: string, receiver: HostReceiver): AttachedHost {
    if (this.#hosts.has(host)) throw new Error(`Sim host ${host} is already attached`);
    this.#hosts.set(host, receiver);
    return {
      send: (data, fromPort, to) => this.#send(data, { host, port: fromPort }, to),
      detach: () => {
        if (this.#hosts.get(host) === receiver) this.#hosts.delete(host);
      },
    };
  }

  /** Loss rate of datagrams from `from` to `to`; the most specific setting wins. */
  setLoss(from: LinkEnd, to: LinkEnd, rate: number): void {
    this.#linkLoss.set(linkKey(from, to), checkRate(rate));
  }

  /** Drops everything between `a` and `b`, both directions, until heal(). */
  partition(a: Endpoint, b: Endpoint): void {
    this.#partitions.add(linkKey(a, b));
    this.#partitions.add(linkKey(b, a));
  }

  heal(a: Endpoint, b: Endpoint): void {
    this.#partitions.delete(linkKey(a, b));
    this.#partitions.delete(linkKey(b, a));
  }

  #send(data: Uint8Array, from: Endpoint, to: Endpoint): void {
    this.#stats.sent++;
    // Draw every number up front so one datagram always consumes the same amount of randomness.
    const lost = this.#random() < this.#lossRateOf(from, to);
    const delay = this.#delay();
    const duplicate = this.#random() < this.#duplicateRate;
    const duplicateDelay = this.#delay();
    const partitioned = this.#partitions.size > 0 && this.#partitions.has(linkKey(from, to));
    if (lost || data.byteLength > MAX_DATAGRAM_BYTES || partitioned) {
      this.#stats.dropped++;
      return;
    }
    // Copy now, as a kernel would: the sender may reuse its buffer.
    this.#deliverAfter(delay, data.slice(), from, to);
    if (duplicate) {
      this.#stats.duplicated++;
      this.#deliverAfter(duplicateDelay, data.slice(), from, to);
    }
  }

  #deliverAfter(delay: number, data: Uint8Array, from: Endpoint, to: Endpoint): void {
    const key = endpointKey(to);
    this.#clock.setTimeout(() => {
      const receiver = this.#bound.get(key);
      if (receiver) {
        this.#stats.delivered++;
        receiver.deliver(data, from);
        return;
      }
      const host = this.#hosts.get(to.host);
      if (host) {
        this.#stats.delivered++;
        host(data, from, { ...to });
        return;
      }
      this.#stats.dropped++;
    }, delay);
  }

  #delay(): number {
    // Whole milliseconds, so virtual time never turns fractional.
    return this.#latencyMs + Math.floor(this.#random() * this.#jitterMs);
  }

  #lossRateOf(from: Endpoint, to: Endpoint): number {
    if (this.#linkLoss.size === 0) return this.#lossRate;
    return (
      this.#linkLoss.get(linkKey(from, to)) ??
      this.#linkLoss.get(linkKey(from, '*')) ??
      this.#linkLoss.get(linkKey('*', to)) ??
      this.#linkLoss.get(linkKey('*', '*')) ??
      this.#lossRate
    );
  }
}

/** How a SimTransport reaches its network (or a SimNat standing in for it). */
export interface SimLink {
  send(data: Uint8Array, from: Endpoint, to: Endpoint): void;
  unbind(): void;
}

/** A Transport bound to one endpoint of a SimNetwork. */
export class SimTransport implements Transport {
  readonly #endpoint: Endpoint;
  readonly #link: SimLink;
  readonly #handlers: DatagramHandler[] = [];
  #closed = false;

  constructor(endpoint: Endpoint, link: SimLink) {
    this.#endpoint = { ...endpoint };
    this.#link = link;
  }

  /** Never throws; after close() sends are ignored. */
  send(data: Uint8Array, to: Endpoint): void {
    if (this.#closed) return;
    this.#link.send(data, this.#endpoint, to);
  }

  onDatagram(handler: DatagramHandler): void {
    this.#handlers.push(handler);
  }

  localEndpoint(): Endpoint {
    return { ...this.#endpoint };
  }

  /** Unbinds the endpoint; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#link.unbind();
  }

  /** Called by the network when a datagram arrives. */
  deliver(data: Uint8Array, from: Endpoint): void {
    for (const handler of this.#handlers) handler(data, { ...from });
  }
}

function linkKey(from: LinkEnd, to: LinkEnd): string {
  const key = (end: LinkEnd): string => (end === '*' ? '*' : endpointKey(end));
  return `${key(from)}>${key(to)}`;
}

function checkRate(rate: number): number {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`A rate must be within 0..1, got ${rate}`);
  return rate;
}
