// "HOST:PORT" as a person types it, resolved to the IPv4 endpoint the transport needs.
import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
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
