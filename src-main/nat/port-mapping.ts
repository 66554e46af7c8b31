// Port mapping on the home router (docs/nat.md, "Port mapping"): ask the default gateway to forward
// the peer's UDP port, NAT-PMP first (one datagram, ~10 ms) then UPnP IGD (SOAP over HTTP), renew the
// lease at half its time while running, delete it on close. A mapped port accepts datagrams from any
// remote: the peer is then reachable like behind a full cone, at the mapped endpoint.
//
// Uses @achingbrain/nat-port-mapper 4.0.5 for the wire protocols, around its known bugs:
//   - NAT-PMP `ttl` goes into the lifetime field as is, which NAT-PMP defines in SECONDS (the library
//     documents ms): we pass seconds. Its auto-refresh computes with the same value as ms: we turn it
//     off and renew ourselves.
//   - NAT-PMP `unmap()` re-maps with ttl 0 and defaults to TCP: we pass protocol 'udp'.
//   - UPnP `unmap()` sends DeletePortMapping with an empty NewProtocol (and the internal port as the
//     external one), so the mapping stays: we send DeletePortMapping ourselves.
//   - UPnP discovery is SSDP multicast to the whole LAN, and the library re-discovers that way when
//     its cached gateway is older than an hour: we never call findGateways. We ask the default
//     gateway only, by unicast M-SEARCH to GATEWAY:1900, and accept a description URL on that same
//     address; every renewal fetches the gateway anew from that URL.
import dgram from 'node:dgram';
import { isIPv4 } from 'node:net';
import { type Gateway, pmpNat, upnpNat } from '@achingbrain/nat-port-mapper';
import { endpointKey } from '../../src-shared/endpoint.js';
import type { Logger } from '../core/logger.js';
import type { Endpoint } from '../core/ports.js';
import { findDefaultGateway } from './default-gateway.js';

export type PortMappingMethod = 'nat-pmp' | 'upnp';

export interface PortMappingOptions {
  /** The local UDP port to forward to. */
  internalPort: number;
  /** The gateway to ask; default: the IPv4 default gateway (`findDefaultGateway`: Linux, macOS/BSD, Windows). */
  gateway?: string;
  /** Lease asked for, seconds (default 3600); renewed at half. UPnP gateways get at least 3600. */
  leaseSeconds?: number;
  /** Methods in order (default NAT-PMP then UPnP). */
  methods?: PortMappingMethod[];
  /** Per-method time limit for the first mapping, ms (default 2000). */
  timeoutMs?: number;
  logger?: Logger;
  signal?: AbortSignal;
}

export interface PortMappingResult {
  method: PortMappingMethod;
  /** Where the internet reaches us. */
  external: Endpoint;
  /** Where the gateway forwards to (our LAN address). */
  internal: Endpoint;
  gateway: string;
  leaseSeconds: number;
}

const IGD2 = 'urn:schemas-upnp-org:device:InternetGatewayDevice:2';
const WAN_IP_CONNECTION_2 = 'urn:schemas-upnp-org:service:WANIPConnection:2';
const DESCRIPTION = 'nance';

/** Our address on the route to `host` (connecting a UDP socket sends nothing). */
export async function localAddressToward(host: string): Promise<string> {
  const socket = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(9, host, () => resolve());
    });
    return socket.address().address;
  } finally {
    socket.close();
  }
}

/**
 * UPnP: a unicast M-SEARCH to the gateway's SSDP port; resolves the description URL of its IGDv2,
 * if the answer names a URL on the gateway itself.
 */
export async function findIgdLocation(gateway: string, timeoutMs: number): Promise<URL> {
  const socket = dgram.createSocket('udp4');
  const request = Buffer.from(
    [
      'M-SEARCH * HTTP/1.1',
      `HOST: ${gateway}:1900`,
      'MAN: "ssdp:discover"',
      `ST: ${IGD2}`,
      'MX: 1',
      '',
      '',
    ].join('\r\n'),
  );
  try {
    return await new Promise<URL>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no SSDP answer from ${gateway}`)), timeoutMs);
      const attempts = [0, 250, 750].map((delay) =>
        setTimeout(() => socket.send(request, 1900, gateway, () => {}), delay),
      );
      const done = () => {
        clearTimeout(timer);
        for (const a of attempts) clearTimeout(a);
      };
      socket.once('error', (err) => {
        done();
        reject(err);
      });
      socket.on('message', (msg, rinfo) => {
        if (rinfo.address !== gateway) return;
        const location = /^location:\s*(\S+)\s*$/im.exec(msg.toString('latin1'))?.[1];
        if (!location) return;
        let url: URL;
        try {
          url = new URL(location);
        } catch {
          return;
        }
        if (url.hostname !== gateway || url.protocol !== 'http:') return; // only ever talk to the gateway
        done();
        resolve(url);
      });
      socket.bind(0);
    });
  } finally {
    socket.close();
  }
}

interface Active {
  result: PortMappingResult;
  renew(): Promise<void>;
  remove(): Promise<void>;
}

function timeout(ms: number, signal?: AbortSignal): AbortSignal {
  return signal ? AbortSignal.any([signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms);
}

async function mapPmp(
  gateway: string,
  internal: Endpoint,
  lease: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Active> {
  const client: Gateway = pmpNat(gateway, { autoRefresh: false });
  // ttl in seconds: see the file comment.
  const map = (g: Gateway, externalPort: number, ms: number) =>
    g.map(internal.port, internal.host, {
      protocol: 'udp',
      externalPort,
      ttl: lease,
      autoRefresh: false,
      description: DESCRIPTION,
      signal: timeout(ms, signal),
    });
  let mapping: Awaited<ReturnType<Gateway['map']>>;
  try {
    mapping = await map(client, internal.port, timeoutMs);
  } catch (err) {
    await client.stop().catch(() => {});
    throw err;
  }
  const external = { host: mapping.externalHost, port: mapping.externalPort };
  return {
    result: { method: 'nat-pmp', external, internal, gateway, leaseSeconds: lease },
    async renew() {
      await map(client, external.port, 5000);
    },
    async remove() {
      try {
        // protocol, else the library deletes a TCP mapping; autoRefresh off, else it re-arms a timer
        await client.unmap(internal.port, {
          protocol: 'udp',
          externalPort: external.port,
          autoRefresh: false,
          signal: AbortSignal.timeout(1500),
        } as Parameters<Gateway['map']>[2]);
      } finally {
        await client.stop().catch(() => {}); // closes its socket
      }
    },
  };
}

interface SoapDevice {
  run(
    service: string,
    action: string,
    args: Array<[string, string | number]>,
    options?: object,
  ): Promise<unknown>;
}

async function mapUpnp(
  gateway: string,
  internal: Endpoint,
  lease: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Active> {
  const location = await findIgdLocation(gateway, Math.min(timeoutMs, 1500));
  const upnp = upnpNat({ autoRefresh: false });
  const open = () => upnp.getGateway(location, { signal: timeout(timeoutMs, signal) });
  const leaseMs = Math.max(lease, 3600) * 1000;
  const map = (g: Gateway) =>
    g.map(internal.port, internal.host, {
      protocol: 'udp',
      externalPort: internal.port,
      ttl: leaseMs,
      autoRefresh: false,
      description: DESCRIPTION,
      signal: timeout(timeoutMs, signal),
    });
  const first = await open();
  const mapping = await map(first).catch(async (err: unknown) => {
    await first.stop().catch(() => {});
    throw err;
  });
  const external = { host: mapping.externalHost, port: mapping.externalPort };
  const device = async (): Promise<SoapDevice> =>
    // The library's own unmap is broken (file comment); its device speaks SOAP for us.
    (first as unknown as { getGateway(o?: object): Promise<SoapDevice> }).getGateway();
  return {
    result: { method: 'upnp', external, internal, gateway, leaseSeconds: leaseMs / 1000 },
    async renew() {
      // A fresh gateway object each time: the library would re-discover by multicast after an hour.
      await map(await open());
    },
    async remove() {
      const d = await device();
      await d.run(
        WAN_IP_CONNECTION_2,
        'DeletePortMapping',
        [
          ['NewRemoteHost', ''],
          ['NewExternalPort', external.port],
          ['NewProtocol', 'UDP'],
        ],
        { signal: AbortSignal.timeout(1500) },
      );
    },
  };
}

/** A live mapping: renewed at half its lease until `close()`, which deletes it. */
export class PortMapping {
  readonly result: PortMappingResult;
  readonly #active: Active;
  readonly #logger: Logger | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(active: Active, logger?: Logger) {
    this.#active = active;
    this.result = active.result;
    this.#logger = logger;
    this.#schedule();
  }

  /** Maps the port, or resolves undefined (logged) when no gateway maps it. Never throws. */
  static async start(options: PortMappingOptions): Promise<PortMapping | undefined> {
    const log = options.logger;
    const gateway = options.gateway ?? (await findDefaultGateway());
    if (!gateway || !isIPv4(gateway)) {
      log?.info({}, 'port mapping: no IPv4 default gateway; skipped');
      return undefined;
    }
    let host: string;
    try {
      host = await localAddressToward(gateway);
    } catch (err) {
      log?.info({ gateway, err: String(err) }, 'port mapping: no route to the gateway; skipped');
      return undefined;
    }
    const internal = { host, port: options.internalPort };
    const lease = options.leaseSeconds ?? 3600;
    const timeoutMs = options.timeoutMs ?? 2000;
    for (const method of options.methods ?? ['nat-pmp', 'upnp']) {
      if (options.signal?.aborted) return undefined;
      const t0 = Date.now();
      try {
        const active =
          method === 'nat-pmp'
            ? await mapPmp(gateway, internal, lease, timeoutMs, options.signal)
            : await mapUpnp(gateway, internal, lease, timeoutMs, options.signal);
        const r = active.result;
        log?.info(
          {
            method,
            gateway,
            external: endpointKey(r.external),
            internal: endpointKey({ host, port: internal.port }),
            leaseSeconds: r.leaseSeconds,
            ms: Date.now() - t0,
          },
          'port mapped',
        );
        return new PortMapping(active, log);
      } catch (err) {
        log?.info({ method, gateway, err: String(err), ms: Date.now() - t0 }, 'port mapping failed');
      }
    }
    return undefined;
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(
      () => {
        this.#active.renew().then(
          () => this.#logger?.debug({ method: this.result.method }, 'port mapping renewed'),
          (err: unknown) =>
            this.#logger?.warn(
              { method: this.result.method, err: String(err) },
              'port mapping renewal failed',
            ),
        );
        this.#schedule();
      },
      (this.result.leaseSeconds * 1000) / 2,
    );
    this.#timer.unref();
  }

  /** Stops renewing and deletes the mapping (errors are logged). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    try {
      await this.#active.remove();
      this.#logger?.info({ method: this.result.method }, 'port mapping removed');
    } catch (err) {
      this.#logger?.warn({ method: this.result.method, err: String(err) }, 'port mapping removal failed');
    }
  }
}
