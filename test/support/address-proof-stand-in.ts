// Stand-in for the address proof until it is wired into NancePeer: counts every request that came
// straight from its sender (not out of a relay) as proven. Only for simulator tests, where no
// datagram is spoofed, so the punch and relay happy paths can run; a test of a spoofed request
// must not use it. Delete this file and its callers once NancePeer decides `proven` itself.
import { vi } from 'vitest';
import { NancePeer } from '../../src-main/core/peer.js';
import type { Endpoint } from '../../src-main/core/ports.js';
import type { RequestContext } from '../../src-main/core/request-context.js';

export function assumeDirectRequestsProven(): void {
  const proto = NancePeer.prototype as unknown as {
    requestContext(from: Endpoint, relayed: boolean): RequestContext;
  };
  vi.spyOn(proto, 'requestContext').mockImplementation((from, relayed) => ({
    from,
    proven: !relayed,
    relayed,
  }));
}

/** The stand-in's opposite, for tests of what an unproven (perhaps spoofed) request gets. */
export function assumeNothingProven(): void {
  const proto = NancePeer.prototype as unknown as {
    requestContext(from: Endpoint, relayed: boolean): RequestContext;
  };
  vi.spyOn(proto, 'requestContext').mockImplementation((from, relayed) => ({
    from,
    proven: false,
    relayed,
  }));
}
