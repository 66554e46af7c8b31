// Address rules shared by the peer table, the request handlers and the guard.
import type { Endpoint } from './ports.js';
import { endpointKey } from './ports.js';

const PRIVATE_RANGES: ReadonlyArray<[number, number]> = [
  cidr('10.0.0.0', 8),
  cidr('172.16.0.0', 12),
  cidr('192.168.0.0', 16),
  cidr('127.0.0.0', 8),
  cidr('169.254.0.0', 16),
  cidr('100.64.0.0', 10), // carrier-grade NAT
  cidr('0.0.0.0', 8),
];

function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const v = Number(part);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

function cidr(base: string, bits: number): [number, number] {
  const size = 2 ** (32 - bits);
  const start = ipToInt(base) ?? 0;
  return [start, start + size - 1];
}

export function isIPv4(ip: string): boolean {
  return ipToInt(ip) !== undefined;
}

/**
 * Addresses a peer on the internet cannot reach. Like the original, peers at such addresses are
 * listed only to askers that are themselves on a private address. Documentation ranges
 * (TEST-NET) count as public, so a lab built on them behaves like the internet.
 */
export function isPrivateAddress(ip: string): boolean {
  const n = ipToInt(ip);
  if (n === undefined) return false;
  return PRIVATE_RANGES.some(([lo, hi]) => n >= lo && n <= hi);
}

/** The IPv4 address inside an IPv4-mapped IPv6 one (`::ffff:198.51.100.7`), or undefined. */
export function unmapIPv4(ip: string): string | undefined {
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  return m?.[1] && isIPv4(m[1]) ? m[1] : undefined;
}

/** The eight 16-bit groups of an IPv6 literal (no zone), or undefined when it is not one. */
export function ipv6Groups(ip: string): number[] | undefined {
  if (ip.length > 45 || !ip.includes(':')) return undefined;
  let text = ip;
  const v4 = /:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text)?.[1];
  if (v4) {
    const n = ipToInt(v4);
    if (n === undefined) return undefined;
    text = `${text.slice(0, -v4.length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups = part.split(':');
    if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    return groups.map((g) => Number.parseInt(g, 16));
  };
  const head = parse(halves[0] ?? '');
  const tail = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...new Array<number>(missing).fill(0), ...tail] : undefined;
}

export function isIPv6(ip: string): boolean {
  return ipv6Groups(ip) !== undefined;
}

/**
 * An IPv6 address another machine may reach us at, and so worth naming to peers (`a6`): global
 * unicast (2000::/3) or unique local (fc00::/7). Never loopback, link-local or v4-mapped.
 */
export function isReachableIPv6(ip: string): boolean {
  const first = ipv6Groups(ip)?.[0];
  if (first === undefined) return false;
  return (first & 0xe000) === 0x2000 || (first & 0xfe00) === 0xfc00;
}

/**
 * The key of the guard's per-source budgets (rate limit, anti-amplification). IPv4: the address
 * and port, as always. IPv6: the /64, because one host is commonly given a whole /64 and picks
 * any address in it: per-address budgets would be 2^64 budgets for one attacker.
 */
export function budgetKey(e: Endpoint): string {
  const v4 = unmapIPv4(e.host);
  if (v4) return endpointKey({ host: v4, port: e.port });
  const groups = ipv6Groups(e.host);
  if (!groups) return endpointKey(e);
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}
