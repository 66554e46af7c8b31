// LAN discovery and roaming for a composed peer (docs/nat.md, "LAN and roaming"): binds the
// discovery socket and runs LanDiscovery over it, and watches the network; on a change it joins the
// group on the new links, detects the NAT again, and tells the peer and discovery.

import { LAN_DISCOVERY_GROUP, LAN_DISCOVERY_PORT, LanDiscovery } from '../core/lan/lan-discovery.js';
import { isOnLink } from '../core/lan/links.js';
import type { Logger } from '../core/logger.js';
import type { NancePeer } from '../core/peer.js';
import type { Endpoint } from '../core/ports.js';
import { type NatSetup, natPeerConfig } from '../nat/nat-setup.js';
import { LanSocket } from '../net/lan-socket.js';
import { ipv4Links, NetworkWatch } from '../net/network-watch.js';
import { systemClock } from '../net/system-clock.js';

export interface LanAndRoamingOptions {
  peer: NancePeer;
  nat: NatSetup;
  logger: Logger;
  /** Announce and listen on the link. */
  lanDiscovery: boolean;
  /** STUN servers to detect the NAT with after a change; none: not detected again. */
  stunServers(): Endpoint[];
  /** The discovery port (tests use their own). */
  discoveryPort?: number;
}

export interface LanAndRoaming {
  lan: LanDiscovery | undefined;
  close(): Promise<void>;
}

export async function startLanAndRoaming(options: LanAndRoamingOptions): Promise<LanAndRoaming> {
  const { peer, nat, logger } = options;
  let socket: LanSocket | undefined;
  // Bound to loopback, no neighbour could reach us: nothing to announce (and tests stay on 127/8).
  const loopback = peer.localEndpoint().host.startsWith('127.');
  if (options.lanDiscovery && !loopback) {
    socket = await LanSocket.bind({
      port: options.discoveryPort ?? LAN_DISCOVERY_PORT,
      group: LAN_DISCOVERY_GROUP,
    }).catch((err: unknown) => {
      logger.warn({ err: String(err) }, 'LAN discovery off: cannot bind its port');
      return undefined;
    });
  }
  const port = options.discoveryPort ?? LAN_DISCOVERY_PORT;
  const lan =
    socket &&
    new LanDiscovery({
      socket,
      targets: () => [{ host: LAN_DISCOVERY_GROUP, port }],
      onLink: (ip) => isOnLink(ip, ipv4Links()),
      port: () => peer.localEndpoint().port,
      key: () => peer.identity.publicKey,
      knows: (at, key) => peer.knowsNearby(at, key),
      probe: (at) => void peer.probeNearby(at),
      clock: systemClock,
      logger,
    });
  lan?.start();

  let changing: Promise<void> = Promise.resolve();
  const watch = new NetworkWatch({
    onChange: (after, before) => {
      logger.info({ before, after }, 'network changed');
      changing = changing.then(async () => {
        await socket?.refreshLinks();
        const servers = options.stunServers();
        if (servers.length > 0) {
          const result = await nat.detect(servers).catch(() => undefined);
          if (result) peer.reconfigure(natPeerConfig(result, peer.localEndpoint()));
        }
        peer.networkChanged();
        lan?.networkChanged();
      });
    },
  });
  await watch.start();
  return {
    lan,
    close: async () => {
      watch.stop();
      await lan?.stop();
    },
  };
}
