// RFC 5780-style NAT behaviour discovery on the peer's own socket, with fallbacks for plain STUN
// servers. The tests run in three phases so the filtering tests are not spoiled by our own traffic:
//
//   1. Binding to every server (in parallel): mapped address, and who offers an alternate address
//      (OTHER-ADDRESS, or CHANGED-ADDRESS from RFC 3489 servers such as stund).
//   2. Filtering (RFC 5780 4.4), against the first such server, in parallel: "answer from your other
//      IP and port" and "answer from your other port". Only the primary address has been contacted so
//      far, so what gets through tells the NAT's filtering.
//   3. Mapping (RFC 5780 4.3): Binding to (other IP, primary port), then if needed to (other IP, other
//      port); compared with phase 1. Without an RFC 5780 server: compare what the servers saw.
//
// Every wait is bounded (retransmission every rtoMs, `tries` requests): with defaults, silent servers
// cost 0.6 s per phase and a whole discovery stays under 2 s.
import os from 'node:os';
import { endpointKey, sameEndpoint } from '../../src-shared/endpoint.js';
import type { NatType } from '../../src-shared/protocol/index.js';
import type { Clock, Endpoint, Transport } from '../core/ports.js';
import { systemClock } from '../net/system-clock.js';
import {
  type ChangeTestOutcome,
  type Confidence,
  classifyNat,
  type FilteringBehaviour,
  type MappingBehaviour,
  type NatObservations,
} from './nat-classification.js';
import {
  type BindingOptions,
  type BindingResult,
  type BindingSuccess,
  DEFAULT_RTO_MS,
  DEFAULT_TRIES,
  StunClient,
} from './stun-client.js';

export type { FilteringBehaviour, MappingBehaviour } from './nat-classification.js';

export interface DiscoveryOptions {
  /** STUN servers, most preferred first. */
  servers: readonly Endpoint[];
  rtoMs?: number;
  tries?: number;
  /**
   * Which of the transport's sockets the servers are reached over (default ipv4): give IPv6 servers
   * with 'ipv6'. Each family has its own mapping and its own answer.
   */
  family?: 'ipv4' | 'ipv6';
  /** This host's addresses of that family; default: the bound address, or every interface's. */
  localAddresses?: readonly string[];
  clock?: Clock;
  /** A client to reuse (its handler stays on the transport); default: a fresh one, closed after. */
  client?: StunClient;
}

export interface ServerReport {
  address: string;
  answered: boolean;
  /** Our address as this server saw it. */
  mapped?: string;
  /** It reported an alternate address (RFC 5780 OTHER-ADDRESS or RFC 3489 CHANGED-ADDRESS). */
  otherAddress?: string;
  otherAddressAttribute?: 'OTHER-ADDRESS' | 'CHANGED-ADDRESS';
  responseOrigin?: string;
  software?: string;
  rttMs?: number;
  /** Used for the RFC 5780 tests. */
  usedForRfc5780?: boolean;
  error?: string;
}

export interface NatDiscoveryResult {
  natType: NatType;
  /** Where the internet sees our socket (the mapped address), when any server answered. */
  publicEndpoint: Endpoint | null;
  /** Our socket as bound (0.0.0.0 replaced by the address the mapping was compared with). */
  localEndpoint: Endpoint;
  mappingBehaviour: MappingBehaviour;
  filteringBehaviour: FilteringBehaviour;
  confidence: Confidence;
  notes: string[];
  servers: ServerReport[];
  /** The raw observations the classification was decided from. */
  observations: NatObservations;
  durationMs: number;
}

/** Runs the tests over `transport` (a STUN channel of the peer's socket). */
export async function discoverNat(
  transport: Transport,
  options: DiscoveryOptions,
): Promise<NatDiscoveryResult> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const client = options.client ?? new StunClient(transport, clock);
  try {
    return await runDiscovery(client, transport, options, clock, started);
  } finally {
    if (!options.client) client.close();
  }
}

async function runDiscovery(
  client: StunClient,
  transport: Transport,
  options: DiscoveryOptions,
  clock: Clock,
  started: number,
): Promise<NatDiscoveryResult> {
  const rto = options.rtoMs ?? DEFAULT_RTO_MS;
  const tries = options.tries ?? DEFAULT_TRIES;
  const servers = dedupe(options.servers);
  const family = options.family ?? 'ipv4';
  // The udp6 socket shares the udp4 one's port (net/udp-transport.ts); which addresses are ours
  // comes from `localAddresses`, else from the interfaces.
  const local =
    family === 'ipv6' ? { host: '::', port: transport.localEndpoint().port } : transport.localEndpoint();
  const localAddresses = options.localAddresses ?? defaultLocalAddresses(local.host, family);

  // Phase 1: plain Binding to every server.
  const first = await Promise.all(servers.map((s) => client.binding(s, { rtoMs: rto, tries })));
  const answered = first.filter((r): r is BindingSuccess => r.ok);
  const reports = new Map<string, ServerReport>(servers.map((s, i) => [endpointKey(s), report(s, first[i])]));
  const obs: NatObservations = {
    family,
    localAddresses,
    localPort: local.port,
    answers: answered.map((r) => ({ server: r.server, mapped: r.mapped })),
  };

  const capable = answered.find((r) => r.otherAddress && !sameEndpoint(r.otherAddress, r.server));
  if (capable?.otherAddress) {
    const server = capable.server;
    const other = capable.otherAddress;
    const reportOf = reports.get(endpointKey(server));
    if (reportOf) reportOf.usedForRfc5780 = true;
    // Waits scale with the path: a slow server gets more time before "silent" is concluded.
    const wait: BindingOptions = { rtoMs: rto, tries, lastWaitMs: Math.max(rto, 2 * capable.rttMs) };
    const t: NonNullable<NatObservations['rfc5780']> = { server, mapped: capable.mapped, other };
    obs.rfc5780 = t;
    // Another configured server at the other address has opened the filter to it already.
    t.filteringTainted = answered.some((r) => r !== capable && r.server.host === other.host);

    // Phase 2: filtering.
    const [both, port] = await Promise.all([
      client.binding(server, { ...wait, changeIp: true, changePort: true }),
      client.binding(server, { ...wait, changePort: true }),
    ]);
    t.changeIpAndPort = changeOutcome(both, server, { ip: true, port: true });
    t.changePort = changeOutcome(port, server, { ip: false, port: true });

    // Phase 3: mapping.
    const atOtherIp = await client.binding({ host: other.host, port: server.port }, wait);
    t.mappedAtOtherIp = atOtherIp.ok ? atOtherIp.mapped : null;
    if (atOtherIp.ok && !sameEndpoint(atOtherIp.mapped, capable.mapped)) {
      const atOtherBoth = await client.binding(other, wait);
      t.mappedAtOtherIpAndPort = atOtherBoth.ok ? atOtherBoth.mapped : null;
    }
  }

  const decision = classifyNat(obs);
  const primaryMapped = obs.rfc5780?.mapped ?? obs.answers[0]?.mapped ?? null;
  const localHost =
    local.host === '0.0.0.0' || local.host === '::'
      ? (localAddresses.find((a) => a === primaryMapped?.host) ?? localAddresses[0] ?? local.host)
      : local.host;
  return {
    natType: decision.natType,
    publicEndpoint: primaryMapped ? { ...primaryMapped } : null,
    localEndpoint: { host: localHost, port: local.port },
    mappingBehaviour: decision.mappingBehaviour,
    filteringBehaviour: decision.filteringBehaviour,
    confidence: decision.confidence,
    notes: decision.notes,
    servers: [...reports.values()],
    observations: obs,
    durationMs: clock.now() - started,
  };
}

/**
 * Judges a CHANGE-REQUEST answer: it counts only when it came from where we asked it to come from
 * (a server that ignores CHANGE-REQUEST answers from the address we sent to).
 */
function changeOutcome(
  r: BindingResult,
  server: Endpoint,
  change: { ip: boolean; port: boolean },
): ChangeTestOutcome {
  if (!r.ok) return r.reason === 'timeout' ? 'silent' : 'inconclusive';
  const ipChanged = r.from.host !== server.host;
  const portChanged = r.from.port !== server.port;
  return ipChanged === change.ip && portChanged === change.port ? 'answered' : 'inconclusive';
}

function report(server: Endpoint, r: BindingResult | undefined): ServerReport {
  const out: ServerReport = { address: endpointKey(server), answered: Boolean(r?.ok) };
  if (!r) return out;
  if (!r.ok) {
    out.error =
      r.reason === 'error-response' ? `error ${r.errorCode ?? '?'} ${r.errorReason ?? ''}`.trim() : r.reason;
    return out;
  }
  out.mapped = endpointKey(r.mapped);
  if (r.otherAddress) {
    out.otherAddress = endpointKey(r.otherAddress);
    if (r.otherAddressAttribute) out.otherAddressAttribute = r.otherAddressAttribute;
  }
  if (r.responseOrigin) out.responseOrigin = endpointKey(r.responseOrigin);
  if (r.software) out.software = r.software;
  out.rttMs = r.rttMs;
  return out;
}

function dedupe(servers: readonly Endpoint[]): Endpoint[] {
  const seen = new Set<string>();
  return servers.filter((s) => {
    const k = endpointKey(s);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The bound address, or every interface address of the family when bound to all of them. */
export function defaultLocalAddresses(boundHost: string, family: 'ipv4' | 'ipv6' = 'ipv4'): string[] {
  if (boundHost !== '0.0.0.0' && boundHost !== '::') return [boundHost];
  const want = family === 'ipv6' ? 'IPv6' : 'IPv4';
  const all = Object.values(os.networkInterfaces())
    .flat()
    .filter((a): a is os.NetworkInterfaceInfo => a !== undefined && a.family === want);
  // Non-internal first: the address a STUN server on another host would see.
  return [...all.filter((a) => !a.internal), ...all.filter((a) => a.internal)].map((a) => a.address);
}
