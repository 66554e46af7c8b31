// The identity of a UDP address, with one owner for every layer: the core's per-address maps,
// the contract's EndpointDto, the CLI's flags and the window's text all use these.

/** A UDP address. In the core `host` is an IPv4 literal (the transport normalises it). */
export interface Endpoint {
  host: string;
  port: number;
}

/** "host:port" ("[v6]:port" for IPv6): the key of per-address maps, and the form people read and type. */
export function endpointKey(e: Endpoint): string {
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.host === b.host && a.port === b.port;
}

const HOST_PORT = /^([A-Za-z0-9.-]+):(\d{1,5})$/;

/**
 * "HOST:PORT" as a person types it (a name or an IPv4 literal, a port from 1 to 65535), or
 * undefined. The host is not resolved; the caller trims if it wants to.
 */
export function parseHostPort(text: string): Endpoint | undefined {
  const match = HOST_PORT.exec(text);
  const port = Number(match?.[2]);
  if (!match?.[1] || !(port >= 1 && port <= 65_535)) return undefined;
  return { host: match[1], port };
}

export function isHostPort(text: string): boolean {
  return parseHostPort(text) !== undefined;
}
