// Port mapping without a gateway: the default-route parser, and that nothing is attempted without
// one. The real protocols are tested against miniupnpd in test/natlab/port-mapping.test.ts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultGatewayIPv4, PortMapping } from './port-mapping.js';

const HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n';

function routeFile(body: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'nance-route-')), 'route');
  writeFileSync(file, HEADER + body);
  return file;
}

describe('defaultGatewayIPv4', () => {
  it('reads the default route (little-endian hex) from /proc/net/route', () => {
    const file = routeFile(
      'eth0\t0000050A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n' +
        'eth0\t00000000\t0100050A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n',
    );
    expect(defaultGatewayIPv4(file)).toBe('10.5.0.1');
  });

  it('no default route, or no file: undefined', () => {
    expect(
      defaultGatewayIPv4(routeFile('eth0\t0000050A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n')),
    ).toBe(undefined);
    expect(defaultGatewayIPv4('/nonexistent/route')).toBe(undefined);
  });

  it('a default route without a gateway (point-to-point) does not count', () => {
    expect(
      defaultGatewayIPv4(routeFile('tun0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n')),
    ).toBe(undefined);
  });
});

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
