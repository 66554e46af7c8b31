// composePeer on real UDP (127.0.0.1) and a real SQLite file in a temp dir.
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventPayloads } from '../../src-shared/api.js';
import { ComposedPeers, loopbackOptions } from '../../test/support/composed-peer.js';
import { PortMapping } from '../nat/port-mapping.js';
import { ComposeAbortedError, type ComposedPeer, type ComposeOptions, composePeer } from './compose.js';
import { switchBootstrapMode } from './shell/mode-switch.js';

let dir: string;
let peers: ComposedPeers;

beforeEach(() => {
  peers = new ComposedPeers();
  dir = peers.tempDir('nance-compose-');
});

afterEach(async () => {
  vi.restoreAllMocks();
  await peers.dispose();
});

// These tests are about composition; NAT detection (which asks the bootstrap peers) has its own,
// so the options leave it off.
const options = (over: Partial<ComposeOptions> = {}): ComposeOptions => loopbackOptions(dir, over);
const compose = (over: Partial<ComposeOptions> = {}): Promise<ComposedPeer> => peers.compose(dir, over);
const closeAll = (): Promise<void> => peers.closeAll();

/** True when a UDP socket can bind 127.0.0.1:port (the composed peer let go of it). */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A UDP port that was free a moment ago. */
async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('composePeer', () => {
  it('binds, opens the store in the data dir and starts a peer in peer mode', async () => {
    const c = await compose({ syncIntervalMs: 500, fanOut: 5 });
    const status = c.service.status();
    expect(status.mode).toBe('peer');
    expect(status.udp.host).toBe('127.0.0.1');
    expect(status.udp.port).toBe(c.transport.localEndpoint().port);
    expect(status.udp.port).toBeGreaterThan(0);
    expect(status.publicAddress).toEqual(status.udp);
    expect(status.natType).toBe('Open Internet');
    expect(c.peer.config.sync.intervalMs).toBe(500);
    expect(c.peer.config.sync.fanOut).toBe(5);
    expect(c.peer.config.retentionMs).toBe(86_400_000);
    expect(fs.existsSync(path.join(dir, 'nance.db'))).toBe(true);
    const reply = await c.service.dispatch('createChat', { name: 'x', message: 'hi', author: 'me' });
    expect(reply.ok).toBe(true);
  });

  it('keeps the sync defaults when no interval or fan-out is given', async () => {
    const c = await compose();
    expect(c.peer.config.sync.intervalMs).toBe(30_000);
    expect(c.peer.config.sync.fanOut).toBe(3);
  });

  it('reports 127.0.0.1 as the public address when bound to every interface', async () => {
    const c = await compose({ host: '0.0.0.0' });
    expect(c.service.status().publicAddress).toEqual({
      host: '127.0.0.1',
      port: c.service.status().udp.port,
    });
  });

  it('starts in the saved mode; --bootstrap wins over it', async () => {
    const first = await compose();
    first.store.setSetting('mode', 'bootstrap');
    await closeAll();
    expect((await compose()).service.status().mode).toBe('bootstrap');
    await closeAll();
    expect((await compose({ bootstrap: true })).service.status().mode).toBe('bootstrap');
  });

  it('close() frees the port and is idempotent', async () => {
    const c = await composePeer(options());
    const { port } = c.transport.localEndpoint();
    await c.close();
    await c.close();
    expect(await canBind(port)).toBe(true);
  });

  it('a port in use: rejects with the transport message and opens no store', async () => {
    const taken = await compose();
    const port = taken.transport.localEndpoint().port;
    const other = path.join(dir, 'other');
    fs.mkdirSync(other);
    await expect(composePeer(options({ port, dataDir: other }))).rejects.toThrow(/127\.0\.0\.1:\d+/);
    expect(fs.existsSync(path.join(other, 'nance.db'))).toBe(false);
  });

  it('a store that cannot open: rejects naming the data dir and frees the port', async () => {
    const port = await freePort();
    const notADir = path.join(dir, 'file');
    fs.writeFileSync(notADir, 'x');
    await expect(composePeer(options({ port, dataDir: notADir }))).rejects.toThrow(
      `cannot open the store in ${notADir}:`,
    );
    expect(await canBind(port)).toBe(true);
  });

  it('aborted while starting: rejects with ComposeAbortedError and closes what it opened', async () => {
    const port = await freePort();
    const controller = new AbortController();
    controller.abort();
    await expect(composePeer(options({ port, signal: controller.signal }))).rejects.toBeInstanceOf(
      ComposeAbortedError,
    );
    expect(await canBind(port)).toBe(true);
    // The store was closed too: the same data dir opens again.
    expect((await compose()).service.status().mode).toBe('peer');
  });

  it('joins through the given bootstrap peers and ignores the saved ones by default', async () => {
    const first = await compose();
    await first.service.dispatch('updateSettings', { bootstrapPeers: ['192.0.2.1:7000'] });
    await closeAll();
    const given = { host: '192.0.2.9', port: 9000 };
    expect((await compose({ bootstrapPeers: [given] })).peer.config.bootstrapPeers).toEqual([given]);
    await closeAll();
    expect((await compose()).peer.config.bootstrapPeers).toEqual([]);
  });

  it('savedBootstrapPeers: joins through the saved ones, skipping any that does not resolve', async () => {
    const first = await compose();
    // As updateSettings saves them; one names a port out of range (it was never resolvable).
    first.store.setSetting('settings', {
      bootstrapPeers: ['192.0.2.1:7000', '1.2.3.4:99999', '192.0.2.2:7001'],
    });
    await closeAll();
    const c = await compose({ savedBootstrapPeers: true });
    expect(c.peer.config.bootstrapPeers).toEqual([
      { host: '192.0.2.1', port: 7000 },
      { host: '192.0.2.2', port: 7001 },
    ]);
    expect(c.service.status().bootstraps.map((b) => b.address)).toEqual(['192.0.2.1:7000', '192.0.2.2:7001']);
  });

  it('the tray mode switch persists: the next start is in bootstrap mode, and the window hears it', async () => {
    const c = await compose();
    const heard: EventPayloads['modeChanged'][] = [];
    c.service.events.on('modeChanged', (p) => heard.push(p));
    expect(switchBootstrapMode(c.service, true)).toEqual({ ok: true, mode: 'bootstrap' });
    expect(heard).toEqual([{ mode: 'bootstrap' }]);
    await closeAll();
    const again = await compose();
    expect(again.service.status().mode).toBe('bootstrap');
    expect(switchBootstrapMode(again.service)).toEqual({ ok: true, mode: 'peer' });
    await closeAll();
    expect((await compose()).service.status().mode).toBe('peer');
  });
});

// Port mapping talks to this machine's default gateway: outside the namespace lab it must never run.
// `PortMapping.start` is replaced (resolving "no gateway maps it") so that even a regression here
// sends nothing, and the tests assert it was not even asked. 'saved' with mapping on is tested in the
// lab only.
describe('composePeer: port mapping', () => {
  function spyOnMapping() {
    return vi.spyOn(PortMapping, 'start').mockResolvedValue(undefined);
  }

  it('is not attempted by default or when false', async () => {
    const start = spyOnMapping();
    const omitted = await compose();
    const off = await compose({ portMapping: false });
    expect(start).not.toHaveBeenCalled();
    for (const c of [omitted, off]) {
      expect(c.portMapping).toBeUndefined();
      expect(c.peer.config.mapped).toBeFalsy();
      expect(c.service.status().portMapping).toBeNull();
    }
  });

  it("'saved' with the setting saved off: not attempted", async () => {
    const start = spyOnMapping();
    const first = await compose();
    const reply = await first.service.dispatch('updateSettings', { portMapping: false });
    expect(reply.ok).toBe(true);
    await closeAll();

    const again = await compose({ portMapping: 'saved' });
    expect(start).not.toHaveBeenCalled();
    expect(again.portMapping).toBeUndefined();
    expect(again.peer.config.mapped).toBeFalsy();
    expect(again.service.status().portMapping).toBeNull();
    expect(again.service.settings().portMapping).toBe(false);
  });
});

describe('composePeer: NAT detection per family', () => {
  it('an IPv6 STUN server measures the udp6 socket: status() carries both families, each its own', async () => {
    const server = await compose({ host6: '::1' });
    const at = server.transport.localEndpoint();
    const at6 = server.transport.localEndpoint6();
    expect(at6?.host).toBe('::1');
    const client = await peers.compose(peers.tempDir('nance-compose-v6-'), {
      host6: '::1',
      stun: true,
      stunServers: [at, { host: '::1', port: at.port }],
    });
    const status = client.service.status();
    const local = client.transport.localEndpoint();
    // IPv4: one plain server that sees 127.0.0.1 as-is: no NAT, filtering unknown (conservative).
    expect([status.natType, status.publicAddress]).toEqual(['Port Restricted Cone', local]);
    // IPv6: the same server over ::1 sees the udp6 socket as-is: open.
    expect(status.ipv6).toEqual({
      natType: 'Open Internet',
      publicAddress: client.transport.localEndpoint6(),
    });
    expect(client.nat6?.observations.family).toBe('ipv6');
    // Without an IPv6 server nothing is claimed about IPv6.
    expect(server.service.status().ipv6).toBeNull();
  });
});
