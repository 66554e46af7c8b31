// The NAT-type decision, table by table (docs/nat.md shows the same tables).
import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../core/ports.js';
import { type ChangeTestOutcome, classifyNat, type NatObservations } from './nat-classification.js';

const ep = (s: string): Endpoint => {
  const [host, port] = s.split(':');
  return { host: host as string, port: Number(port) };
};

const LOCAL = { localAddresses: ['10.0.0.10'], localPort: 5000 };
const S1 = ep('198.51.100.10:3478');
const OTHER = ep('198.51.100.11:3479');
const S2 = ep('203.0.113.20:3478');
const M = ep('198.51.100.21:5000');

/** RFC 5780 observations against S1 (other address OTHER). */
function rfc5780(opts: {
  mapped?: string;
  atOtherIp?: string | null;
  atOtherBoth?: string | null;
  both?: ChangeTestOutcome;
  port?: ChangeTestOutcome;
  tainted?: boolean;
  local?: typeof LOCAL;
}): NatObservations {
  const mapped = ep(opts.mapped ?? '198.51.100.21:5000');
  return {
    ...(opts.local ?? LOCAL),
    answers: [{ server: S1, mapped }],
    rfc5780: {
      server: S1,
      mapped,
      other: OTHER,
      ...(opts.atOtherIp === undefined
        ? {}
        : { mappedAtOtherIp: opts.atOtherIp ? ep(opts.atOtherIp) : null }),
      ...(opts.atOtherBoth === undefined
        ? {}
        : { mappedAtOtherIpAndPort: opts.atOtherBoth ? ep(opts.atOtherBoth) : null }),
      ...(opts.both ? { changeIpAndPort: opts.both } : {}),
      ...(opts.port ? { changePort: opts.port } : {}),
      ...(opts.tainted ? { filteringTainted: true } : {}),
    },
  };
}

describe('classifyNat: RFC 5780 server (mapping and filtering measured)', () => {
  const same = '198.51.100.21:5000';
  const table: Array<[string, NatObservations, string, string, string]> = [
    // name, observations, natType, mapping, filtering
    [
      'no NAT, no filter',
      rfc5780({
        mapped: '10.0.0.10:5000',
        atOtherIp: '10.0.0.10:5000',
        both: 'answered',
        port: 'answered',
      }),
      'Open Internet',
      'none',
      'endpoint-independent',
    ],
    [
      'no NAT, address-filtering firewall',
      rfc5780({ mapped: '10.0.0.10:5000', atOtherIp: '10.0.0.10:5000', both: 'silent', port: 'answered' }),
      'Restricted Cone',
      'none',
      'address-dependent',
    ],
    [
      'no NAT, port-filtering firewall',
      rfc5780({ mapped: '10.0.0.10:5000', atOtherIp: '10.0.0.10:5000', both: 'silent', port: 'silent' }),
      'Port Restricted Cone',
      'none',
      'address-and-port-dependent',
    ],
    [
      'EIM + EIF',
      rfc5780({ atOtherIp: same, both: 'answered', port: 'answered' }),
      'Full Cone',
      'endpoint-independent',
      'endpoint-independent',
    ],
    [
      'EIM + ADF',
      rfc5780({ atOtherIp: same, both: 'silent', port: 'answered' }),
      'Restricted Cone',
      'endpoint-independent',
      'address-dependent',
    ],
    [
      'EIM + APDF',
      rfc5780({ atOtherIp: same, both: 'silent', port: 'silent' }),
      'Port Restricted Cone',
      'endpoint-independent',
      'address-and-port-dependent',
    ],
    [
      'EIM + APDF, change-port test inconclusive',
      rfc5780({ atOtherIp: same, both: 'silent', port: 'inconclusive' }),
      'Port Restricted Cone',
      'endpoint-independent',
      'address-and-port-dependent',
    ],
    [
      'ADM (same mapping for both ports of the other IP)',
      rfc5780({
        atOtherIp: '198.51.100.21:6000',
        atOtherBoth: '198.51.100.21:6000',
        both: 'silent',
        port: 'silent',
      }),
      'Symmetric',
      'address-dependent',
      'address-and-port-dependent',
    ],
    [
      'APDM',
      rfc5780({
        atOtherIp: '198.51.100.21:6000',
        atOtherBoth: '198.51.100.21:6001',
        both: 'silent',
        port: 'silent',
      }),
      'Symmetric',
      'address-and-port-dependent',
      'address-and-port-dependent',
    ],
    [
      'APDM with endpoint-independent filtering is still symmetric',
      rfc5780({
        atOtherIp: '198.51.100.21:6000',
        atOtherBoth: '198.51.100.21:6001',
        both: 'answered',
        port: 'answered',
      }),
      'Symmetric',
      'address-and-port-dependent',
      'endpoint-independent',
    ],
    [
      'mapping differs at the other IP, test III unanswered',
      rfc5780({ atOtherIp: '198.51.100.21:6000', atOtherBoth: null, both: 'silent', port: 'silent' }),
      'Symmetric',
      'dependent',
      'address-and-port-dependent',
    ],
  ];
  it.each(table)('%s → %s', (_name, obs, natType, mapping, filtering) => {
    const c = classifyNat(obs);
    expect(c.natType).toBe(natType);
    expect(c.mappingBehaviour).toBe(mapping);
    expect(c.filteringBehaviour).toBe(filtering);
    expect(c.confidence).toBe('high');
  });
});

describe('classifyNat: fallbacks', () => {
  type Row = [string, NatObservations, string, string, string, string];
  const table: Row[] = [
    // name, observations, natType, mapping, filtering, confidence
    ['nothing answered', { ...LOCAL, answers: [] }, 'Blocked', 'unknown', 'unknown', 'medium'],
    [
      'two plain servers, same mapping',
      {
        ...LOCAL,
        answers: [
          { server: S1, mapped: M },
          { server: S2, mapped: M },
        ],
      },
      'Port Restricted Cone',
      'endpoint-independent',
      'unknown',
      'medium',
    ],
    [
      'two plain servers, different mappings',
      {
        ...LOCAL,
        answers: [
          { server: S1, mapped: M },
          { server: S2, mapped: ep('198.51.100.21:6000') },
        ],
      },
      'Symmetric',
      'dependent',
      'unknown',
      'high',
    ],
    [
      'two plain servers, no NAT',
      {
        ...LOCAL,
        answers: [
          { server: S1, mapped: ep('10.0.0.10:5000') },
          { server: S2, mapped: ep('10.0.0.10:5000') },
        ],
      },
      'Port Restricted Cone',
      'none',
      'unknown',
      'medium',
    ],
    [
      'one plain server behind a NAT',
      { ...LOCAL, answers: [{ server: S1, mapped: M }] },
      'Port Restricted Cone',
      'unknown',
      'unknown',
      'low',
    ],
    [
      'two plain servers sharing one IP, same mapping',
      {
        ...LOCAL,
        answers: [
          { server: S1, mapped: M },
          { server: ep('198.51.100.10:3490'), mapped: M },
        ],
      },
      'Port Restricted Cone',
      'endpoint-independent',
      'unknown',
      'medium',
    ],
    [
      'RFC 5780 server whose other address is silent, filtering measured',
      rfc5780({ atOtherIp: null, both: 'silent', port: 'answered' }),
      'Restricted Cone',
      'unknown',
      'address-dependent',
      'low',
    ],
    [
      'RFC 5780 server whose other address is silent, a second server agrees',
      {
        ...rfc5780({ atOtherIp: null, both: 'answered', port: 'answered' }),
        answers: [
          { server: S1, mapped: M },
          { server: S2, mapped: M },
        ],
      },
      'Full Cone',
      'endpoint-independent',
      'endpoint-independent',
      'medium',
    ],
    [
      'server ignored CHANGE-REQUEST',
      rfc5780({ atOtherIp: '198.51.100.21:5000', both: 'inconclusive', port: 'inconclusive' }),
      'Port Restricted Cone',
      'endpoint-independent',
      'unknown',
      'medium',
    ],
    [
      'filtering tainted by another server at the other IP',
      rfc5780({ atOtherIp: '198.51.100.21:5000', both: 'answered', port: 'answered', tainted: true }),
      'Port Restricted Cone',
      'endpoint-independent',
      'unknown',
      'medium',
    ],
  ];
  it.each(table)('%s → %s', (_name, obs, natType, mapping, filtering, confidence) => {
    const c = classifyNat(obs);
    expect(c.natType).toBe(natType);
    expect(c.mappingBehaviour).toBe(mapping);
    expect(c.filteringBehaviour).toBe(filtering);
    expect(c.confidence).toBe(confidence);
  });

  it('says why whenever it assumed something', () => {
    for (const [, obs, , , , confidence] of table) {
      if (confidence !== 'high') expect(classifyNat(obs).notes.length).toBeGreaterThan(0);
    }
    const plain = classifyNat({
      ...LOCAL,
      answers: [
        { server: S1, mapped: M },
        { server: S2, mapped: M },
      ],
    });
    expect(plain.notes.join(' ')).toMatch(/conservative Port Restricted Cone/);
  });
});

describe('classifyNat: per family (IPv6)', () => {
  const LOCAL6 = { family: 'ipv6' as const, localAddresses: ['2001:db8:3::10'], localPort: 5000 };
  const V6S1 = { host: '2001:db8::20', port: 3490 };
  const V6S2 = { host: '2001:db8::10', port: 3490 };
  const seenAsIs = { host: '2001:db8:3::10', port: 5000 };

  it('a global IPv6 address seen as-is by plain servers is Open Internet (IPv4 would assume a filter)', () => {
    const obs: NatObservations = {
      ...LOCAL6,
      answers: [
        { server: V6S1, mapped: seenAsIs },
        { server: V6S2, mapped: seenAsIs },
      ],
    };
    const c = classifyNat(obs);
    expect([c.natType, c.mappingBehaviour, c.filteringBehaviour, c.confidence]).toEqual([
      'Open Internet',
      'none',
      'unknown',
      'medium',
    ]);
    expect(c.notes.join(' ')).toMatch(/stateful firewall/);
    // The same observations over IPv4 keep the conservative guess.
    expect(classifyNat({ ...obs, family: 'ipv4' }).natType).toBe('Port Restricted Cone');
  });

  it('a measured IPv6 firewall that filters is still reported', () => {
    const c = classifyNat({
      ...LOCAL6,
      answers: [{ server: V6S1, mapped: seenAsIs }],
      rfc5780: {
        server: V6S1,
        mapped: seenAsIs,
        other: { host: '2001:db8::21', port: 3491 },
        mappedAtOtherIp: seenAsIs,
        changeIpAndPort: 'silent',
        changePort: 'silent',
      },
    });
    expect([c.natType, c.filteringBehaviour]).toEqual(['Port Restricted Cone', 'address-and-port-dependent']);
  });

  it('an IPv6 NAT (NPTv6/NAT66 that rewrites the port per peer) is still Symmetric', () => {
    const c = classifyNat({
      ...LOCAL6,
      answers: [
        { server: V6S1, mapped: { host: '2001:db8::99', port: 40_001 } },
        { server: V6S2, mapped: { host: '2001:db8::99', port: 40_002 } },
      ],
    });
    expect(c.natType).toBe('Symmetric');
  });
});
