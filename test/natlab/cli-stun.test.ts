// The CLI's STUN flags on loopback (no root, no namespaces): --stun, --no-stun, --stun-alt-address,
// the nat line after the ready line, and a bootstrap serving RFC 5780 STUN on 127.0.0.1 + 127.0.0.2.
import dgram from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupAll, isBuilt, NanceProcess, runNance, suiteName, tempDataDir } from '../cli/cli-harness.js';

afterAll(cleanupAll);

/** A UDP port p on 127.0.0.1 with p+1 free on 127.0.0.1 and 127.0.0.2 too (as far as we can tell). */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const probes = [
      ['127.0.0.1', port],
      ['127.0.0.1', port + 1],
      ['127.0.0.2', port],
      ['127.0.0.2', port + 1],
    ] as const;
    const sockets: dgram.Socket[] = [];
    let ok = true;
    for (const [host, p] of probes) {
      const s = dgram.createSocket('udp4');
      const bound = await new Promise<boolean>((resolve) => {
        s.once('error', () => resolve(false));
        s.bind(p, host, () => resolve(true));
      });
      if (bound) sockets.push(s);
      else {
        ok = false;
        s.close();
        break;
      }
    }
    await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    if (ok) return port;
  }
}

const lines = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe.skipIf(!isBuilt)(suiteName('CLI NAT detection and STUN service (loopback)'), () => {
  it('a bootstrap with --stun-alt-address serves RFC 5780; a peer detects through it and prints the nat line', async () => {
    const port = await freePortPair();
    const boot = await NanceProcess.start({
      bootstrap: true,
      port,
      extraArgs: ['--stun-alt-address', '127.0.0.2'],
    });
    expect(boot.ready.natType).toBe('Open Internet'); // no servers to ask: not detected
    const dataDir = await tempDataDir();
    const r = await runNance(
      [
        '--host',
        '127.0.0.1',
        '--data-dir',
        dataDir,
        '--bootstrap-peer',
        boot.hostPort,
        '--sync-interval',
        '60000',
      ],
      2500,
    );
    const [ready, nat, ...rest] = lines(r.stdout);
    expect(ready).toMatchObject({ event: 'ready', natType: 'Open Internet' });
    expect(nat).toMatchObject({
      event: 'nat',
      natType: 'Open Internet',
      mapping: 'none',
      filtering: 'endpoint-independent',
      confidence: 'high',
      publicAddress: (ready as { udp: unknown }).udp,
    });
    expect(nat?.durationMs as number).toBeLessThan(1000);
    expect(rest).toEqual([]);
  });

  it('a plain bootstrap: detected, filtering unknown, registered all the same', async () => {
    const boot = await NanceProcess.start({ bootstrap: true });
    const peer = await NanceProcess.start({ bootstrapPeers: [boot.hostPort], syncIntervalMs: 60_000 });
    expect(peer.ready.natType).toBe('Port Restricted Cone');
    await peer.waitFor(() => peer.eventsOf('nat' as never).length === 1, 'the nat line');
    const status = async () => (await peer.ok('getStatus', {})).bootstraps[0]?.state;
    for (let i = 0; i < 100 && (await status()) !== 'registered'; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await status()).toBe('registered');
    expect(peer.strayLines).toEqual([]);
  });

  it('--no-stun skips detection: Open Internet at the bound address, no nat line', async () => {
    const boot = await NanceProcess.start({ bootstrap: true });
    const peer = await NanceProcess.start({ bootstrapPeers: [boot.hostPort], extraArgs: ['--no-stun'] });
    expect(peer.ready.natType).toBe('Open Internet');
    expect(peer.ready.publicAddress).toEqual(peer.ready.udp);
    await new Promise((r) => setTimeout(r, 200));
    expect(peer.eventsOf('nat' as never)).toEqual([]);
  });

  it('--stun to a silent server: Blocked, and start-up is not held up for long', async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    const t0 = Date.now();
    const peer = await NanceProcess.start({ extraArgs: ['--stun', `127.0.0.1:${silent.address().port}`] });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(peer.ready.natType).toBe('Blocked');
    silent.close();
  });

  it('rejects bad STUN flags with one line', async () => {
    const dataDir = await tempDataDir();
    const cases = [
      ['--host', '127.0.0.1', '--stun', 'nowhere'],
      ['--host', '127.0.0.1', '--stun-alt-address', 'not-an-ip'],
      ['--host', '0.0.0.0', '--stun-alt-address', '127.0.0.2'],
    ];
    for (const flags of cases) {
      const r = await runNance(['--data-dir', dataDir, '--port', '0', ...flags]);
      expect(r.code, flags.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n'), flags.join(' ')).toHaveLength(1);
      expect(r.stderr, flags.join(' ')).toMatch(/^nance: /);
    }
  });
});
