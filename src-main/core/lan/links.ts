// Which addresses are on one of our links (a LAN announcement is reacted to only from such a source).
import { isIPv4 } from '../addresses.js';

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
