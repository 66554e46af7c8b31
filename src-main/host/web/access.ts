// Who may talk to the web host: loopback clients only, naming the host by 127.0.0.1 or localhost
// and its own port (DNS-rebinding defence), from a page of this host (Origin), holding the token.
// Pure functions, so each rule is tested on its own.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/** The hosts a browser may name us by; the server listens on the first only. */
export const LOOPBACK_HOST = '127.0.0.1';
const HOST_NAMES = [LOOPBACK_HOST, 'localhost'] as const;

/** A token that is safe in a URL query and fragment as it is. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,256}$/;

/** 32 random bytes, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function isValidToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/**
 * Compares a presented token with the expected one in constant time. Both are hashed first, so
 * neither the content nor the length of the expected token leaks through timing.
 */
export function tokenMatches(presented: string | null | undefined, expected: string): boolean {
  if (typeof presented !== 'string' || presented.length === 0) return false;
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The eight 16-bit groups of an IPv6 address (already checked with isIPv6, no zone). */
function ipv6Groups(addr: string): number[] | undefined {
  let text = addr.toLowerCase();
  // A dotted IPv4 tail ("::ffff:127.0.0.1") becomes its two hex groups ("::ffff:7f00:1").
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    if (!isIPv4(last)) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = last.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? Number.parseInt(g, 16) : -1));
  let groups: number[];
  const gap = text.indexOf('::');
  if (gap >= 0) {
    const head = parse(text.slice(0, gap));
    const rest = parse(text.slice(gap + 2));
    const zeros = 8 - head.length - rest.length;
    if (zeros < 0) return undefined;
    groups = [...head, ...new Array<number>(zeros).fill(0), ...rest];
  } else {
    groups = parse(text);
  }
  if (groups.length !== 8 || groups.some((g) => g < 0)) return undefined;
  return groups;
}

/**
 * True for a loopback peer address as a socket reports it: 127.0.0.0/8, ::1, and 127.0.0.0/8
 * mapped into IPv6 (::ffff:127.x.y.z). Anything else, malformed or zoned, is false.
 */
export function isLoopbackAddress(addr: string | null | undefined): boolean {
  if (typeof addr !== 'string') return false;
  if (isIPv4(addr)) return addr.split('.')[0] === '127';
  if (!isIPv6(addr) || addr.includes('%')) return false;
  const g = ipv6Groups(addr);
  if (!g) return false;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g;
  const zeroPrefix = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroPrefix && g5 === 0 && g6 === 0 && g7 === 1) return true; // ::1
  return zeroPrefix && g5 === 0xffff && (g6 ?? 0) >> 8 === 127; // ::ffff:127.x.y.z
}

/** The Host header values accepted on `port`: "127.0.0.1:PORT" and "localhost:PORT". */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  if (typeof host !== 'string') return false;
  const value = host.toLowerCase();
  return HOST_NAMES.some((name) => value === `${name}:${port}`);
}

/** The Origin header values accepted on `port`: exactly "http://127.0.0.1:PORT" or "http://localhost:PORT". */
export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  if (typeof origin !== 'string') return false;
  return HOST_NAMES.some((name) => origin === `http://${name}:${port}`);
}

/** The security headers sent with every response. */
export function securityHeaders(port: number): Record<string, string> {
  const ws = HOST_NAMES.map((name) => `ws://${name}:${port}`).join(' ');
  return {
    'Content-Security-Policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      `connect-src 'self' ${ws}`,
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "form-action 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}
