// IPv6 on the wire: Nance-to-Nance fields (n/*) carry IPv6 literals; base fields (a g/i entry,
// which a base peer reads and sends) still take IPv4 only.
import { describe, expect, it } from 'vitest';
import { decodeDatagram, decodeObject, encodeRequest } from './codec.js';

const TOKEN = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('IPv6 in n/* fields', () => {
  it.each([
    ['introduce', { ip: '2001:db8::20', port: 7000 }],
    ['punch', { ip: 'fd00:1::20', port: 7000, token: TOKEN }],
  ] as const)('%s at an IPv6 target round-trips', (type, a) => {
    const d = type === 'introduce' ? 'i' : 'p';
    const decoded = decodeObject({ m: 'r', t: 'n', d, a, z: 'q' });
    expect(decoded.kind).toBe('request');
    if (decoded.kind !== 'request') return;
    expect(decoded.request).toMatchObject({ type, target: { host: a.ip, port: 7000 } });
    const again = decodeDatagram(encodeRequest(decoded.request, 'q'));
    expect(again).toEqual(decoded);
  });

  it.each(['2001:db8::zz', '::1%eth0', '2001:db8::/64', '[2001:db8::1]'])(
    'n/i at %s is malformed (2)',
    (ip) => {
      const decoded = decodeObject({ m: 'r', t: 'n', d: 'i', a: { ip, port: 7000 }, z: 'q' });
      expect(decoded.kind).toBe('invalid');
    },
  );
});

describe('base fields stay IPv4', () => {
  it('a g/i entry at an IPv6 address is dropped by the tolerant reader, the IPv4 one kept', async () => {
    const { peerEntry } = await import('./schemas.js');
    expect(peerEntry.safeParse({ natConeType: 'Full Cone', ip: '2001:db8::20', port: 7000 }).success).toBe(
      false,
    );
    expect(peerEntry.safeParse({ natConeType: 'Full Cone', ip: '198.51.100.20', port: 7000 }).success).toBe(
      true,
    );
  });
});
