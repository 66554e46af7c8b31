// The NAT type, decided from what the STUN tests observed. Pure: no sockets, no clock, so every
// rule is checked with tables in nat-classification.test.ts. docs/nat.md has the same table.

import { endpointKey, sameEndpoint } from '../../src-shared/endpoint.js';
import type { NatType } from '../../src-shared/protocol/index.js';
import type { Endpoint } from '../core/ports.js';

/**
 * RFC 4787 mapping behaviour. `none`: the server saw our own address (no NAT). `dependent`: two
 * plain servers saw different mappings, so the mapping is not endpoint-independent, but whether it
 * depends on the address only or on address and port was not measured.
 */
export type MappingBehaviour =
  | 'none'
  | 'endpoint-independent'
  | 'address-dependent'
  | 'address-and-port-dependent'
  | 'dependent'
  | 'unknown';

export type FilteringBehaviour =
  | 'endpoint-independent'
  | 'address-dependent'
  | 'address-and-port-dependent'
  | 'unknown';

/**
 * What became of a CHANGE-REQUEST test: `answered` from the changed address, `silent` (no answer:
 * filtered by the NAT), or `inconclusive` (the server refused or ignored the change request).
 */
export type ChangeTestOutcome = 'answered' | 'silent' | 'inconclusive';

export type Confidence = 'high' | 'medium' | 'low';

export interface PlainAnswer {
  server: Endpoint;
  mapped: Endpoint;
}

/** Everything the decision uses. Built by nat-discovery.ts; tables in the tests build it by hand. */
export interface NatObservations {
  /** Which socket the tests ran over (default ipv4). */
  family?: 'ipv4' | 'ipv6';
  /** This host's addresses of that family (its interfaces, or the address the socket is bound to). */
  localAddresses: readonly string[];
  /** The port our socket is bound to. */
  localPort: number;
  /** Every server that answered a plain Binding request, in the order servers were given. */
  answers: readonly PlainAnswer[];
  /**
   * The RFC 5780 tests against one server that reported an alternate address; undefined when no
   * answering server did.
   */
  rfc5780?: {
    server: Endpoint;
    /** Test I: mapped address seen at the server's primary address. */
    mapped: Endpoint;
    other: Endpoint;
    /** Test II: mapped address seen at (other IP, primary port); null: no answer; undefined: not run. */
    mappedAtOtherIp?: Endpoint | null;
    /** Test III: mapped address seen at (other IP, other port). */
    mappedAtOtherIpAndPort?: Endpoint | null;
    /** Filtering test II: answer requested from the other IP and port. */
    changeIpAndPort?: ChangeTestOutcome;
    /** Filtering test III: answer requested from the other port (same IP). */
    changePort?: ChangeTestOutcome;
    /**
     * Something else had opened the NAT's filter to the server's other address before the filtering
     * tests (another configured server at that IP): their answers prove nothing.
     */
    filteringTainted?: boolean;
  };
}

export interface NatClassification {
  natType: NatType;
  mappingBehaviour: MappingBehaviour;
  filteringBehaviour: FilteringBehaviour;
  /** high: mapping and filtering measured (RFC 5780); medium: one inferred; low: guessed. */
  confidence: Confidence;
  /** Why, in words, whenever anything was inferred or assumed. */
  notes: string[];
}

/** The six-way decision. */
export function classifyNat(obs: NatObservations): NatClassification {
  const notes: string[] = [];
  const first = obs.answers[0];
  if (!first && !obs.rfc5780) {
    return {
      natType: 'Blocked',
      mappingBehaviour: 'unknown',
      filteringBehaviour: 'unknown',
      confidence: 'medium',
      notes: ['no STUN server answered: UDP is blocked, or the servers are down or do not speak STUN'],
    };
  }
  const mapping = mappingOf(obs, notes);
  const filtering = filteringOf(obs, notes);
  const known = filtering !== 'unknown';
  const fromRfc5780 = obs.rfc5780?.mappedAtOtherIp != null;

  if (
    mapping === 'address-dependent' ||
    mapping === 'address-and-port-dependent' ||
    mapping === 'dependent'
  ) {
    // Symmetric whatever the filtering: a peer cannot predict the mapping another peer would get.
    return {
      natType: 'Symmetric',
      mappingBehaviour: mapping,
      filteringBehaviour: filtering,
      confidence: 'high',
      notes,
    };
  }

  if (mapping === 'none') {
    if (filtering === 'endpoint-independent') {
      return result('Open Internet', mapping, filtering, 'high', notes);
    }
    if (!known && obs.family === 'ipv6') {
      // IPv6 has no NAT to classify: a global address seen as-is is open. A stateful firewall
      // (most home routers) is only reported when a server could measure it.
      notes.push(
        'public IPv6 address (no NAT); filtering not measured: a stateful firewall may still drop unsolicited datagrams',
      );
      return result('Open Internet', mapping, filtering, 'medium', notes);
    }
    if (!known) {
      notes.push(
        'public address (no NAT), but no server could test filtering: a firewall may filter, assuming Port Restricted Cone',
      );
      return result('Port Restricted Cone', mapping, filtering, 'medium', notes);
    }
    notes.push('public address (no NAT) behind a filtering firewall');
    return result(coneFor(filtering), mapping, filtering, 'high', notes);
  }

  if (mapping === 'endpoint-independent') {
    if (!known) {
      notes.push(
        'filtering not testable (no RFC 5780 server): assuming the conservative Port Restricted Cone',
      );
      return result('Port Restricted Cone', mapping, filtering, 'medium', notes);
    }
    return result(coneFor(filtering), mapping, filtering, fromRfc5780 ? 'high' : 'medium', notes);
  }

  // Mapping unknown: one plain server, or the RFC 5780 server's other address did not answer.
  notes.push(
    'mapping behaviour not measured (needs an RFC 5780 server or two servers): assumed endpoint-independent',
  );
  if (!known) notes.push('filtering not testable either: assuming the conservative Port Restricted Cone');
  return result(known ? coneFor(filtering) : 'Port Restricted Cone', mapping, filtering, 'low', notes);
}

function result(
  natType: NatType,
  mappingBehaviour: MappingBehaviour,
  filteringBehaviour: FilteringBehaviour,
  confidence: Confidence,
  notes: string[],
): NatClassification {
  return { natType, mappingBehaviour, filteringBehaviour, confidence, notes };
}

function coneFor(filtering: FilteringBehaviour): NatType {
  switch (filtering) {
    case 'endpoint-independent':
      return 'Full Cone';
    case 'address-dependent':
      return 'Restricted Cone';
    default:
      return 'Port Restricted Cone';
  }
}

/** True when `e` is this host's own socket address: the server saw us untranslated. */
export function isLocal(obs: Pick<NatObservations, 'localAddresses' | 'localPort'>, e: Endpoint): boolean {
  return e.port === obs.localPort && obs.localAddresses.includes(e.host);
}

function mappingOf(obs: NatObservations, notes: string[]): MappingBehaviour {
  const t = obs.rfc5780;
  const primary = t?.mapped ?? (obs.answers[0] as PlainAnswer).mapped;
  if (isLocal(obs, primary)) return 'none';

  // RFC 5780 section 4.3: test II (other IP, primary port), then test III (other IP and port).
  if (t?.mappedAtOtherIp) {
    if (sameEndpoint(t.mappedAtOtherIp, t.mapped)) return 'endpoint-independent';
    if (t.mappedAtOtherIpAndPort) {
      return sameEndpoint(t.mappedAtOtherIpAndPort, t.mappedAtOtherIp)
        ? 'address-dependent'
        : 'address-and-port-dependent';
    }
    notes.push(`mapping differs at ${endpointKey(t.other)}'s IP; test III got no answer`);
    return 'dependent';
  }
  if (t && t.mappedAtOtherIp === null)
    notes.push(`the server's other address (${t.other.host}) did not answer`);

  // Fallback: compare what different servers saw.
  const answers = obs.answers;
  if (answers.length >= 2) {
    const distinctIps = new Set(answers.map((a) => a.server.host)).size;
    const allSame = answers.every((a) => sameEndpoint(a.mapped, primary));
    if (!allSame) {
      notes.push(
        `servers saw different mappings (${answers.map((a) => `${endpointKey(a.server)} saw ${endpointKey(a.mapped)}`).join(', ')})`,
      );
      return 'dependent';
    }
    if (distinctIps >= 2) {
      notes.push(`mapping compared across ${answers.length} servers (${distinctIps} addresses)`);
      return 'endpoint-independent';
    }
    notes.push('servers share one IP address: an address-dependent mapping would go unnoticed');
    return 'endpoint-independent';
  }
  return 'unknown';
}

function filteringOf(obs: NatObservations, notes: string[]): FilteringBehaviour {
  const t = obs.rfc5780;
  if (!t) return 'unknown';
  if (t.filteringTainted) {
    notes.push(`another configured server shares ${t.other.host}: filtering tests are not conclusive`);
    return 'unknown';
  }
  // RFC 5780 section 4.4.
  switch (t.changeIpAndPort) {
    case 'answered':
      return 'endpoint-independent';
    case 'silent':
      if (t.changePort === 'answered') return 'address-dependent';
      if (t.changePort !== 'silent')
        notes.push('change-port test inconclusive: assuming port-dependent filtering');
      return 'address-and-port-dependent';
    case 'inconclusive':
      notes.push(`${endpointKey(t.server)} did not honour CHANGE-REQUEST`);
      return 'unknown';
    default:
      return 'unknown';
  }
}
