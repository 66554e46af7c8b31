// "HOST:PORT" as a person types it, resolved to the IPv4 endpoint the transport needs.
import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
import type { Endpoint } from '../core/ports.js';

export function parseHostPort(text: string): { host: string; port: number } {
  const match = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[2]);
  if (!match?.[1] || !(port >= 1 && port <= 65_535)) {
    throw new Error(`"${text}" is not HOST:PORT (for example 203.0.113.5:7000)`);
  }
  return { host: match[1], port };
}

export async function resolveHostPort(text: string): Promise<Endpoint> {
  const { host, port } = parseHostPort(text);
  if (isIPv4(host)) return { host, port };
  const { address } = await lookup(host, { family: 4 });
  return { host: address, port };
}

export function formatEndpoint(e: Endpoint): string {
  return `${e.host}:${e.port}`;
}
