// STUN servers as typed: IPv4 and names as before, and "[IPv6]:PORT" for discovery over udp6.
import { describe, expect, it } from 'vitest';
import { resolveStunServer, stunServerOrThrow } from './host-port.js';

describe('stunServerOrThrow', () => {
  it('takes [IPv6]:PORT (a bootstrap peer flag does not: the core names peers by IPv4)', async () => {
    expect(stunServerOrThrow('[2001:db8::20]:3490')).toEqual({ host: '2001:db8::20', port: 3490 });
    expect(await resolveStunServer(' [::1]:3478 ')).toEqual({ host: '::1', port: 3478 });
    expect(await resolveStunServer('127.0.0.1:3478')).toEqual({ host: '127.0.0.1', port: 3478 });
  });

  it('refuses what is not an IPv6 literal or a port, saying the form', () => {
    expect(() => stunServerOrThrow('[2001:db8::zz]:3490')).toThrow(/\[IPv6\]:PORT/);
    expect(() => stunServerOrThrow('[2001:db8::1]:70000')).toThrow(/\[IPv6\]:PORT/);
    expect(() => stunServerOrThrow('2001:db8::1:3490')).toThrow(/HOST:PORT/);
  });
});
