// Which addresses are on one of our links (a LAN announcement is reacted to only from such a source),
// and which listed addresses are neighbours behind our own NAT.
import { isIPv4, isPrivateAddress } from '../addresses.js';
import type { Endpoint } from '../ports.js';
import { sameEndpoint } from '../ports.js';

/** One IPv4 address of ours and its netmask (as os.networkInterfaces() reports them). */
export interface LinkAddress {
  address: string;
  netmask: string;
}

const toInt = (ip: string): number => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);

/** Whether `ip` is in the subnet of one of `links` (and not one of our own addresses). */
export function isOnLink(ip: string, links: readonly LinkAddress[]): boolean {
  if (!isIPv4(ip)) return false;
  const n = toInt(ip);
  return links.some((l) => {
    if (!isIPv4(l.address) || !isIPv4(l.netmask)) return false;
    const mask = toInt(l.netmask);
    // Unsigned 32-bit arithmetic: & on numbers ≥ 2^31 would go negative.
    return (n & mask) >>> 0 === (toInt(l.address) & mask) >>> 0;
  });
}

/**
 * Whether `e` is another peer at our NAT's public address (docs/nat.md, "LAN and roaming"): a
 * neighbour on our LAN, whom its public address reaches only through a router that hairpins, or a
 * relay; LAN discovery finds it directly. Never without a NAT (two peers on one public host are two
 * ports) or when our "public" address is a private one (nothing was detected).
 */
export function behindSameNat(
  e: Endpoint,
  us: { natType: string; publicEndpoint?: Endpoint | undefined },
): boolean {
  const pub = us.publicEndpoint;
  if (!pub || us.natType === 'Open Internet' || isPrivateAddress(pub.host)) return false;
  return pub.host === e.host && !sameEndpoint(pub, e);
}
