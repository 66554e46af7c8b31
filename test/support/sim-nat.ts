// A NAT for SimNetwork, so hole punching and relaying can be tested in virtual time against each
// RFC 4787 mapping/filtering behaviour our lab's nftables routers are configured with.
//
// Model, kept deliberately small:
// - The private leg (host <-> NAT) is instantaneous and lossless; only the NAT <-> internet leg goes
//   through the SimNetwork, so its latency, loss, partitions and stats apply to translated traffic.
// - A mapping, and each filtering permission in it, lives `mappingTimeoutMs` after the last OUTBOUND
//   datagram that used it. Inbound datagrams never refresh (like the lab's nft maps, which only the
//   outbound rule updates). Expiry is checked lazily, so the NAT sets no timers.
// - No hairpinning: a datagram from inside to the NAT's own public host is dropped. No LAN routing
//   either: every outbound datagram is translated and sent to the network.
// - Mappings outlive the private transport (as conntrack entries would); inbound datagrams for a
//   closed transport are dropped, and rebinding the same private endpoint reuses a live mapping.
import { type Endpoint, endpointKey, type Transport } from '../../src-main/core/ports.js';
import { mulberry32, type Random } from './prng.mjs';
import { type AttachedHost, type SimNetwork, SimTransport } from './sim-network.js';

/**
 * 'open': no NAT at all (the host owns a public address). The mapping/filtering pairs, RFC 4787:
 * - 'full-cone': endpoint-independent mapping (EIM) + endpoint-independent filtering.
 * - 'address-restricted': EIM + address-dependent filtering.
 * - 'port-restricted': EIM + address-and-port-dependent filtering.
 * - 'symmetric': address-and-port-dependent mapping (a random port per remote ip:port) and filtering.
 */
export type NatBehaviour = 'open' | 'full-cone' | 'address-restricted' | 'port-restricted' | 'symmetric';

export interface SimNatOptions {
  /** The NAT's public IPv4 address; no other SimNat may use it on the same network. */
  publicHost: string;
  behaviour: NatBehaviour;
  /** Idle time after the last outbound datagram before a mapping or permission expires. */
  mappingTimeoutMs?: number;
  /** Seeds the choice of random external ports. */
  seed?: number;
}

export interface SimNatStats {
  /** Outbound datagrams translated and sent to the network. */
  translatedOut: number;
  /** Inbound datagrams translated and handed to a private transport. */
  translatedIn: number;
  /** Unsolicited, expired, filtered or hairpin datagrams, and ones for a closed private transport. */
  dropped: number;
}

interface Mapping {
  /** Its key in #mappings. */
  key: string;
  privateKey: string;
  externalPort: number;
  /** Clock time of the last outbound datagram through this mapping. */
  lastOut: number;
  /** Filter key (see #filterKey) -> clock time of the last outbound datagram to it. */
  permissions: Map<string, number>;
}

const FIRST_PORT = 1024;
const PORT_COUNT = 65_536 - FIRST_PORT;

export class SimNat {
  readonly #network: SimNetwork;
  readonly #publicHost: string;
  readonly #behaviour: NatBehaviour;
  readonly #timeoutMs: number;
  readonly #random: Random;
  /** Absent for 'open', which never sees a datagram. */
  readonly #link: AttachedHost | undefined;
  readonly #private = new Map<string, SimTransport>();
  /** Keyed by #mappingKey: the private endpoint, plus the remote for 'symmetric'. */
  readonly #mappings = new Map<string, Mapping>();
  readonly #byPort = new Map<number, Mapping>();
  readonly #stats: SimNatStats = { translatedOut: 0, translatedIn: 0, dropped: 0 };

  constructor(network: SimNetwork, options: SimNatOptions) {
    const timeout = options.mappingTimeoutMs ?? 120_000;
    if (!(Number.isFinite(timeout) && timeout > 0)) {
      throw new RangeError(`mappingTimeoutMs must be a finite duration > 0, got ${timeout}`);
    }
    this.#network = network;
    this.#publicHost = options.publicHost;
    this.#behaviour = options.behaviour;
    this.#timeoutMs = timeout;
    this.#random = mulberry32(options.seed ?? 1);
    this.#link =
      options.behaviour === 'open'
        ? undefined
        : network.attachHost(options.publicHost, (data, from, to) => this.#inbound(data, from, to));
  }

  get behaviour(): NatBehaviour {
    return this.#behaviour;
  }

  /** A snapshot of the counters. */
  get stats(): Readonly<SimNatStats> {
    return { ...this.#stats };
  }

  /**
   * A transport for a host behind this NAT at `privateEndpoint` (its localEndpoint()). For 'open'
   * there is no translation: the transport is bound on the network at publicHost and the same port,
   * and that is its localEndpoint(). Throws if the endpoint is taken.
   */
  bind(privateEndpoint: Endpoint): Transport {
    if (this.#behaviour === 'open') {
      return this.#network.bind({ host: this.#publicHost, port: privateEndpoint.port });
    }
    const key = endpointKey(privateEndpoint);
    if (this.#private.has(key)) throw new Error(`Private endpoint ${key} is already bound`);
    const transport = new SimTransport(privateEndpoint, {
      send: (data, from, to) => this.#outbound(data, from, to),
      unbind: () => {
        if (this.#private.get(key) === transport) this.#private.delete(key);
      },
    });
    this.#private.set(key, transport);
    return transport;
  }

  /**
   * The public endpoint a datagram from `privateEndpoint` to `remote` would leave from now, if a
   * live mapping exists (for 'open', always). For assertions; creates nothing.
   */
  publicEndpoint(privateEndpoint: Endpoint, remote: Endpoint): Endpoint | undefined {
    if (this.#behaviour === 'open') return { host: this.#publicHost, port: privateEndpoint.port };
    const mapping = this.#live(this.#mappings.get(this.#mappingKey(privateEndpoint, remote)));
    return mapping && { host: this.#publicHost, port: mapping.externalPort };
  }

  #outbound(data: Uint8Array, from: Endpoint, to: Endpoint): void {
    const link = this.#link;
    if (!link || to.host === this.#publicHost) {
      this.#stats.dropped++;
      return;
    }
    const key = this.#mappingKey(from, to);
    let mapping = this.#live(this.#mappings.get(key));
    if (!mapping) {
      // EIM keeps the private port when it is free, as Linux masquerading does.
      const preferred = this.#behaviour === 'symmetric' ? undefined : from.port;
      mapping = {
        key,
        privateKey: endpointKey(from),
        externalPort: this.#allocatePort(preferred),
        lastOut: 0,
        permissions: new Map(),
      };
      this.#mappings.set(key, mapping);
      this.#byPort.set(mapping.externalPort, mapping);
    }
    const now = this.#network.clock.now();
    mapping.lastOut = now;
    mapping.permissions.set(this.#filterKey(to), now);
    this.#stats.translatedOut++;
    link.send(data, mapping.externalPort, to);
  }

  #inbound(data: Uint8Array, from: Endpoint, to: Endpoint): void {
    const mapping = this.#live(this.#byPort.get(to.port));
    const transport =
      mapping && this.#admits(mapping, from) ? this.#private.get(mapping.privateKey) : undefined;
    if (!transport) {
      this.#stats.dropped++;
      return;
    }
    this.#stats.translatedIn++;
    transport.deliver(data, from);
  }

  #admits(mapping: Mapping, from: Endpoint): boolean {
    if (this.#behaviour === 'full-cone') return true;
    const since = mapping.permissions.get(this.#filterKey(from));
    return since !== undefined && this.#network.clock.now() - since < this.#timeoutMs;
  }

  /** EIM shares one mapping per private endpoint; symmetric has one per (private, remote) pair. */
  #mappingKey(from: Endpoint, to: Endpoint): string {
    const own = endpointKey(from);
    return this.#behaviour === 'symmetric' ? `${own}>${endpointKey(to)}` : own;
  }

  /** What a remote must match to pass the filter: its address, or its address and port. */
  #filterKey(remote: Endpoint): string {
    return this.#behaviour === 'address-restricted' ? remote.host : endpointKey(remote);
  }

  /** The mapping if it has not expired; an expired one is forgotten so its port can be reused. */
  #live(mapping: Mapping | undefined): Mapping | undefined {
    if (!mapping) return undefined;
    if (this.#network.clock.now() - mapping.lastOut < this.#timeoutMs) return mapping;
    this.#forget(mapping);
    return undefined;
  }

  #forget(mapping: Mapping): void {
    if (this.#mappings.get(mapping.key) === mapping) this.#mappings.delete(mapping.key);
    if (this.#byPort.get(mapping.externalPort) === mapping) this.#byPort.delete(mapping.externalPort);
  }

  #allocatePort(preferred: number | undefined): number {
    // Free the ports of expired mappings first, so a long test does not run out.
    for (const mapping of [...this.#byPort.values()]) this.#live(mapping);
    if (preferred !== undefined && !this.#byPort.has(preferred)) return preferred;
    if (this.#byPort.size >= PORT_COUNT) throw new Error(`SimNat ${this.#publicHost} ran out of ports`);
    for (;;) {
      const port = FIRST_PORT + Math.floor(this.#random() * PORT_COUNT);
      if (!this.#byPort.has(port)) return port;
    }
  }
}
