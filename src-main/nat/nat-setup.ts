// NAT handling for a host composing a peer: splits the peer's socket into a STUN channel and a Nance
// channel, serves STUN on it, and runs discovery before the peer starts talking.
//
//   const nat = await NatSetup.start(udp, { altAddress });   // after binding, before the peer
//   const peer = new NancePeer({ transport: nat.peerTransport, ... }, ...);
//   const result = await nat.detect(servers);                   // before peer.start()
//   peer.reconfigure(natPeerConfig(result, udp.localEndpoint()));
//
// Closing peerTransport (the peer does on close) closes the STUN service and the socket.

import { endpointKey } from '../../src-shared/endpoint.js';
import type { NatType } from '../../src-shared/protocol/index.js';
import type { Logger } from '../core/logger.js';
import type { Endpoint, Transport } from '../core/ports.js';
import { DemuxTransport, isStunDatagram } from '../net/demux-transport.js';
import { type DiscoveryOptions, discoverNat, type NatDiscoveryResult } from './nat-discovery.js';
import { StunClient } from './stun-client.js';
import { StunService } from './stun-service.js';

export interface NatSetupOptions {
  /** Second IPv4 address of this host: serve RFC 5780 (CHANGE-REQUEST, OTHER-ADDRESS). */
  altAddress?: string;
  logger?: Logger;
}

export class NatSetup {
  /** Give this to the peer: Nance datagrams only. Closing it closes everything. */
  readonly peerTransport: Transport;
  /** STUN datagrams of the same socket (Binding requests for the service, answers for discovery). */
  readonly stunTransport: Transport;
  readonly demux: DemuxTransport;
  readonly service: StunService;
  readonly #logger: Logger | undefined;
  #client: StunClient | undefined;

  private constructor(
    demux: DemuxTransport,
    stunTransport: Transport,
    service: StunService,
    logger?: Logger,
  ) {
    this.demux = demux;
    this.stunTransport = stunTransport;
    this.peerTransport = demux.rest({ closesAll: true });
    this.service = service;
    this.#logger = logger;
    demux.onClose(() => {
      this.#client?.close();
      return service.close();
    });
  }

  /** Wraps a bound socket. Rejects (leaving the socket open) when the RFC 5780 sockets cannot be bound. */
  static async start(socket: Transport, options: NatSetupOptions = {}): Promise<NatSetup> {
    const demux = new DemuxTransport(socket);
    const stunTransport = demux.channel(isStunDatagram);
    const service = await StunService.start(stunTransport, options.altAddress);
    options.logger?.info(
      { stun: service.addresses().map(endpointKey), rfc5780: service.rfc5780 },
      'serving STUN',
    );
    return new NatSetup(demux, stunTransport, service, options.logger);
  }

  /** NAT discovery on the peer's socket. Run it before the peer starts (see the file comment). */
  async detect(
    servers: readonly Endpoint[],
    options: Omit<DiscoveryOptions, 'servers'> = {},
  ): Promise<NatDiscoveryResult> {
    // One client for every detection: each would otherwise add a handler to the STUN channel.
    this.#client ??= new StunClient(this.stunTransport, options.clock);
    const result = await discoverNat(this.stunTransport, { ...options, servers, client: this.#client });
    this.#logger?.info(
      {
        natType: result.natType,
        publicEndpoint: result.publicEndpoint,
        mapping: result.mappingBehaviour,
        filtering: result.filteringBehaviour,
        confidence: result.confidence,
        notes: result.notes,
        servers: result.servers,
        durationMs: result.durationMs,
      },
      'NAT detected',
    );
    return result;
  }

  close(): Promise<void> {
    return this.demux.close();
  }
}

/** The peer's natType and publicEndpoint: from discovery, or (skipped) reachable where bound. */
export function natPeerConfig(
  result: NatDiscoveryResult | undefined,
  local: Endpoint,
): { natType: NatType; publicEndpoint: Endpoint } {
  const bound = local.host === '0.0.0.0' ? { host: '127.0.0.1', port: local.port } : { ...local };
  if (!result) return { natType: 'Open Internet', publicEndpoint: bound };
  return { natType: result.natType, publicEndpoint: result.publicEndpoint ?? bound };
}

/** `{"event":"nat",...}`: what a host prints (or shows) once the NAT is known. */
export function natEvent(result: NatDiscoveryResult): Record<string, unknown> {
  return {
    event: 'nat',
    family: result.observations.family ?? 'ipv4',
    natType: result.natType,
    publicAddress: result.publicEndpoint,
    mapping: result.mappingBehaviour,
    filtering: result.filteringBehaviour,
    confidence: result.confidence,
    durationMs: result.durationMs,
  };
}
