// "HOST:PORT" as a person types it, resolved to the IPv4 endpoint the transport needs.
import { lookup } from 'node:dns/promises';
import { isIPv4, isIPv6 } from 'node:net';
import { type Endpoint, parseHostPort } from '../../src-shared/endpoint.js';

/** The endpoint `text` names (surrounding spaces allowed), or an error that says what is wrong. */
export function hostPortOrThrow(text: string): Endpoint {
  const endpoint = parseHostPort(text.trim());
  if (!endpoint) throw new Error(`"${text}" is not HOST:PORT (for example 203.0.113.5:7000)`);
  return endpoint;
}

export async function resolveHostPort(text: string): Promise<Endpoint> {
  const { host, port } = hostPortOrThrow(text);
  if (isIPv4(host)) return { host, port };
  const { address } = await lookup(host, { family: 4 });
  return { host: address, port };
}

const BRACKETED_IPV6 = /^\[([^\]]*)\]:(\d{1,5})$/;

/**
 * A STUN server as typed: HOST:PORT, or "[IPv6]:PORT" (discovery runs per family, so an IPv6
 * server measures the udp6 socket). Only STUN servers take the IPv6 form: the core names peers by
 * their IPv4 address.
 */
export function stunServerOrThrow(text: string): Endpoint {
  const v6 = BRACKETED_IPV6.exec(text.trim());
  if (!v6) return hostPortOrThrow(text);
  const port = Number(v6[2]);
  if (!isIPv6(v6[1] as string) || !(port >= 1 && port <= 65_535)) {
    throw new Error(`"${text}" is not [IPv6]:PORT (for example [2001:db8::5]:3478)`);
  }
  return { host: v6[1] as string, port };
}

export async function resolveStunServer(text: string): Promise<Endpoint> {
  const endpoint = stunServerOrThrow(text);
  return isIPv6(endpoint.host) ? endpoint : resolveHostPort(text);
}
