// Port mapping without a gateway: nothing is attempted without one. The default route is parsed in
// default-gateway.ts; the real protocols are tested against miniupnpd in test/natlab/port-mapping.test.ts.
import { describe, expect, it } from 'vitest';
import { PortMapping } from './port-mapping.js';

describe('PortMapping.start', () => {
  it('resolves undefined (never throws) when the gateway is not an IPv4 address', async () => {
    await expect(PortMapping.start({ internalPort: 40_000, gateway: 'not-an-ip' })).resolves.toBe(undefined);
  });

  it('resolves undefined when aborted before asking anyone', async () => {
    const signal = AbortSignal.abort();
    // 127.0.0.1: even if something were sent, it would stay on this machine.
    await expect(PortMapping.start({ internalPort: 40_000, gateway: '127.0.0.1', signal })).resolves.toBe(
      undefined,
    );
  });
});
