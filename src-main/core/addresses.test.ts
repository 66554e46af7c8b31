// IPv6 literals and the guard's budget keys: one budget per IPv4 address and port, one per IPv6 /64.
import { describe, expect, it } from 'vitest';
import {
  budgetKey,
  ipv6Groups,
  isIPv4,
  isIPv6,
  isPrivateAddress,
  isReachableIPv6,
  unmapIPv4,
} from './addresses.js';

describe('IPv6 literals', () => {
  it.each([
    ['::1', [0, 0, 0, 0, 0, 0, 0, 1]],
    ['::', [0, 0, 0, 0, 0, 0, 0, 0]],
    ['2001:db8::7', [0x2001, 0xdb8, 0, 0, 0, 0, 0, 7]],
    ['fd00:1:2:3:4:5:6:7', [0xfd00, 1, 2, 3, 4, 5, 6, 7]],
    ['2001:DB8:0:0:1::', [0x2001, 0xdb8, 0, 0, 1, 0, 0, 0]],
    ['::ffff:198.51.100.7', [0, 0, 0, 0, 0, 0xffff, 0xc633, 0x6407]],
  ])('%s parses', (ip, groups) => {
    expect(ipv6Groups(ip)).toEqual(groups);
    expect(isIPv6(ip)).toBe(true);
    expect(isIPv4(ip)).toBe(false);
  });

  it.each([
    '198.51.100.7',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8::',
    '12345::1',
    'g::1',
    ':1:2:3:4:5:6:7',
    '::1%eth0',
    '::ffff:300.1.1.1',
    '',
    'localhost',
  ])('%s is not an IPv6 literal', (ip) => {
    expect(ipv6Groups(ip)).toBeUndefined();
  });

  it('an IPv4-mapped address unmaps to its IPv4 address', () => {
    expect(unmapIPv4('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(unmapIPv4('::1')).toBeUndefined();
  });

  it('IPv6 addresses are not IPv4 private ranges (the v4 rules do not misread them)', () => {
    expect(isPrivateAddress('::1')).toBe(false);
    expect(isPrivateAddress('10.0.0.1')).toBe(true);
  });
});

describe('budget keys', () => {
  it('IPv4: one per address and port, as before', () => {
    expect(budgetKey({ host: '198.51.100.7', port: 9000 })).toBe('198.51.100.7:9000');
    expect(budgetKey({ host: '198.51.100.7', port: 9001 })).not.toBe(
      budgetKey({ host: '198.51.100.7', port: 9000 }),
    );
  });

  it('IPv6: every address and port of one /64 shares one key; another /64 has its own', () => {
    const a = budgetKey({ host: '2001:db8:1:2::1', port: 9000 });
    expect(a).toBe('2001:db8:1:2::/64');
    expect(budgetKey({ host: '2001:db8:1:2:ffff:ee:dd:cc', port: 1 })).toBe(a);
    expect(budgetKey({ host: '2001:db8:1:3::1', port: 9000 })).not.toBe(a);
  });

  it('an IPv4-mapped source is budgeted as its IPv4 address', () => {
    expect(budgetKey({ host: '::ffff:198.51.100.7', port: 9000 })).toBe('198.51.100.7:9000');
  });
});

describe('isReachableIPv6: what we name to peers as our IPv6 address', () => {
  it('global unicast and ULA yes; loopback, link-local, v4-mapped, IPv4 and junk no', () => {
    expect(['2001:db8::1', '2a00:1450:4001::1', 'fd12:3456::7'].every(isReachableIPv6)).toBe(true);
    expect(['::1', 'fe80::1', '::ffff:192.0.2.1', '192.0.2.1', 'x:y', '::'].some(isReachableIPv6)).toBe(
      false,
    );
  });
});
