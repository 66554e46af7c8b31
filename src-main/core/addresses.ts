// Address rules shared by the peer table and the request handlers.

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
