// LAN discovery on real sockets (127.0.0.0/8 only): the announcement codec, real peers finding each
// other with no bootstrap, the announcement schedule, and what a forged announcement (raw socket,
// root) can make a peer send. The multicast socket itself runs in the lab (test/natlab/lan.test.ts).
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canSpoof, Spoofer, spoofUnavailable } from '../../../test/support/spoof.js';
import { systemClock } from '../../net/system-clock.js';
import { UdpTransport } from '../../net/udp-transport.js';
import { SqliteStore } from '../../store/sqlite-store.js';
import { silentLogger } from '../logger.js';
import { NancePeer } from '../peer.js';
import type { Endpoint } from '../ports.js';
import {
  ANNOUNCEMENT_BYTES,
  decodeAnnouncement,
  encodeAnnouncement,
  PROBE_BYTES,
  REPLY_BYTES,
} from './lan-announcement.js';
import { DEFAULT_LAN_DISCOVERY, LanDiscovery, type LanDiscoverySettings } from './lan-discovery.js';
import { behindSameNat, isOnLink } from './links.js';

const KEY = 'A'.repeat(43);
/** 127.0.0.0/24 is "our link" in these tests; 127.0.1.x stands for a source off it. */
const LINK = [{ address: '127.0.0.1', netmask: '255.255.255.0' }];

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('the announcement codec', () => {
  it('round-trips an announcement and a reply at their fixed sizes', () => {
    const a = encodeAnnouncement({ port: 41234, key: KEY, reply: false });
    const r = encodeAnnouncement({ port: 41234, key: KEY, reply: true });
    expect(a.length).toBe(ANNOUNCEMENT_BYTES);
    expect(r.length).toBe(REPLY_BYTES);
    expect(decodeAnnouncement(a)).toEqual({ port: 41234, key: KEY, reply: false });
    expect(decodeAnnouncement(r)).toEqual({ port: 41234, key: KEY, reply: true });
  });

  it('rejects an unpadded announcement: a short datagram must not buy a reaction it did not pay for', () => {
    const full = encodeAnnouncement({ port: 1, key: KEY, reply: false });
    const short = new TextEncoder().encode(new TextDecoder().decode(full).trimEnd());
    expect(decodeAnnouncement(short)).toBeUndefined();
    // A reply-sized datagram claiming to be an announcement is too short for one.
    const replySized = full.slice(0, REPLY_BYTES);
    expect(decodeAnnouncement(replySized)).toBeUndefined();
  });

  it('never throws on garbage and accepts nothing but the exact form', () => {
    const bad = [
      new Uint8Array(0),
      new Uint8Array(ANNOUNCEMENT_BYTES).fill(0xff),
      new TextEncoder().encode(`NANCE-LAN/1 {"p":0,"k":"${KEY}"}`.padEnd(ANNOUNCEMENT_BYTES)),
      new TextEncoder().encode(`NANCE-LAN/1 {"p":1,"k":"short"}`.padEnd(ANNOUNCEMENT_BYTES)),
      new TextEncoder().encode(`NANCE-LAN/1 {"p":1,"k":"${KEY}","x":1}`.padEnd(ANNOUNCEMENT_BYTES)),
      new TextEncoder().encode(`NANCE-LAN/1 {"p":1,"k":"${KEY}"`.padEnd(ANNOUNCEMENT_BYTES)),
      new Uint8Array(ANNOUNCEMENT_BYTES + 1).fill(0x20),
    ];
    for (const b of bad) expect(decodeAnnouncement(b)).toBeUndefined();
    for (let i = 0; i < 500; i++) {
      const random = new Uint8Array(Math.floor(Math.random() * 1100)).map(() => Math.random() * 256);
      expect(() => decodeAnnouncement(random)).not.toThrow();
    }
  });

  it('knows which sources are on our link', () => {
    expect(isOnLink('127.0.0.9', LINK)).toBe(true);
    expect(isOnLink('127.0.1.9', LINK)).toBe(false);
    expect(isOnLink('192.168.1.7', [{ address: '192.168.1.20', netmask: '255.255.255.0' }])).toBe(true);
    expect(isOnLink('200.1.2.5', [{ address: '200.1.2.4', netmask: '255.255.255.252' }])).toBe(true);
    expect(isOnLink('200.1.2.9', [{ address: '200.1.2.4', netmask: '255.255.255.252' }])).toBe(false);
    expect(isOnLink('not-an-ip', LINK)).toBe(false);
  });
});

interface TestPeer {
  peer: NancePeer;
  lan: LanDiscovery;
  discovery: Endpoint;
}

/** A real peer on 127.0.0.1 with LAN discovery over a unicast socket; `targets` filled in later. */
async function startPeer(targets: Endpoint[], settings?: Partial<LanDiscoverySettings>): Promise<TestPeer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nance-lan-'));
  const store = SqliteStore.open({ path: path.join(dir, 'peer.db'), now: Date.now });
  const transport = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
  const peer = new NancePeer({ transport, clock: systemClock, store });
  const socket = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
  const lan = new LanDiscovery({
    socket,
    targets: () => targets,
    onLink: (ip) => isOnLink(ip, LINK),
    port: () => peer.localEndpoint().port,
    key: () => peer.identity.publicKey,
    knows: (at, key) => peer.knowsNearby(at, key),
    probe: (at) => void peer.probeNearby(at),
    clock: systemClock,
    logger: silentLogger,
    settings: { ...DEFAULT_LAN_DISCOVERY, ...settings },
  });
  peer.start();
  lan.start();
  cleanup.push(async () => {
    await lan.stop();
    await peer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { peer, lan, discovery: socket.localEndpoint() };
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('LAN discovery between real peers', () => {
  it('three peers with no bootstrap find each other and list each other’s chats', async () => {
    const targets: Endpoint[] = [];
    const peers = await Promise.all([0, 1, 2].map(() => startPeer(targets)));
    // Every discovery socket "hears the group": each announcement goes to all three.
    targets.push(...peers.map((p) => p.discovery));
    for (const [i, p] of peers.entries()) await p.peer.createChat(`chat ${i}`, 'hi', `user${i}`);
    const started = Date.now();
    await until(
      () => peers.every((p) => p.peer.remoteChats().filter((h) => h.chats.length > 0).length === 2),
      10_000,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const [i, p] of peers.entries()) {
      const listed = p.peer.remoteChats().flatMap((h) => h.chats.map((c) => c.name));
      expect(listed.sort()).toEqual([0, 1, 2].filter((j) => j !== i).map((j) => `chat ${j}`));
      // Added like any peer: known, proven by key, on a direct path.
      for (const other of peers.filter((o) => o !== p)) {
        const at = other.peer.localEndpoint();
        expect(p.peer.keyAt(at)).toBe(other.peer.identity.publicKey);
        expect(p.peer.pathTo(at)?.kind).toBe('direct');
      }
    }
  });

  it('announces in a burst, then periodically, never faster', async () => {
    const heard: number[] = [];
    const listener = dgram.createSocket('udp4');
    await new Promise<void>((r) => listener.bind(0, '127.0.0.1', () => r()));
    listener.on('message', () => heard.push(Date.now()));
    cleanup.push(() => new Promise<void>((r) => listener.close(() => r())));
    const { port } = listener.address();
    const started = Date.now();
    const p = await startPeer([{ host: '127.0.0.1', port }], {
      burstMs: [0, 100, 300],
      periodMs: 400,
      jitterMs: 100,
    });
    await new Promise((r) => setTimeout(r, 1_500));
    await p.lan.stop();
    const offsets = heard.map((t) => t - started);
    // 3 in the burst, then one per 400–500 ms after the last (≈ 700–1,500 ms): 2 or 3 more.
    expect(offsets.length).toBeGreaterThanOrEqual(5);
    expect(offsets.length).toBeLessThanOrEqual(6);
    const gaps = offsets.slice(3).map((t, i) => t - (offsets[i + 2] ?? 0));
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(380);
  });

  it('a probe sends at most PROBE_BYTES to a silent address', async () => {
    const p = await startPeer([]);
    const silent = dgram.createSocket('udp4');
    let bytes = 0;
    silent.on('message', (m) => {
      bytes += m.length;
    });
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise<void>((r) => silent.close(() => r())));
    expect(await p.peer.probeNearby({ host: '127.0.0.1', port: silent.address().port })).toBe(false);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(PROBE_BYTES);
  });
});

describe.skipIf(!canSpoof)(
  `forged announcements (raw socket)${canSpoof ? '' : `: skipped, ${spoofUnavailable()}`}`,
  () => {
    /** A victim on loopback: counts every byte that reaches any of its ports. */
    async function victim(host: string, ports: number): Promise<{ ports: number[]; bytes: () => number }> {
      let total = 0;
      const sockets = await Promise.all(
        Array.from({ length: ports }, async () => {
          const s = dgram.createSocket('udp4');
          s.on('message', (m) => {
            total += m.length;
          });
          await new Promise<void>((r) => s.bind(0, host, () => r()));
          cleanup.push(() => new Promise<void>((r) => s.close(() => r())));
          return s;
        }),
      );
      return { ports: sockets.map((s) => s.address().port), bytes: () => total };
    }

    it('a spoofed announcement makes us send the victim no more bytes than it sent', async () => {
      const p = await startPeer([]);
      const v = await victim('127.0.0.9', 2);
      const [replyPort, probePort] = v.ports as [number, number];
      const spoofer = new Spoofer();
      cleanup.push(() => spoofer.close());
      const forged = encodeAnnouncement({ port: probePort, key: KEY, reply: false });
      spoofer.send(forged, { host: '127.0.0.9', port: replyPort }, p.discovery);
      await spoofer.flushed();
      await new Promise((r) => setTimeout(r, 2_000)); // the probe's two sends are over
      expect(p.lan.stats.replied).toBe(1);
      expect(p.lan.stats.probed).toBe(1);
      expect(v.bytes()).toBeGreaterThan(0);
      expect(v.bytes()).toBeLessThanOrEqual(forged.length);
      // Nobody proved a key there: no peer was added.
      expect(p.peer.knownPeers()).toEqual([]);
    });

    it('a flood of spoofed announcements is bounded by bytes, cooldown and the reaction budget', async () => {
      const p = await startPeer([], { reactionsPerSecond: 5, reactionBurst: 5 });
      const v = await victim('127.0.0.9', 41);
      const spoofer = new Spoofer();
      cleanup.push(() => spoofer.close());
      const [replyPort, ...probePorts] = v.ports as [number, ...number[]];
      let sent = 0;
      // 40 different announced ports, each announced 5 times: 200 datagrams in well under a second.
      for (let round = 0; round < 5; round++) {
        for (const port of probePorts) {
          const forged = encodeAnnouncement({ port, key: KEY, reply: false });
          spoofer.send(forged, { host: '127.0.0.9', port: replyPort }, p.discovery);
          sent += forged.length;
        }
      }
      await spoofer.flushed();
      await new Promise((r) => setTimeout(r, 2_000));
      // The burst of 5, plus at most the refill during the flood and the wait.
      expect(p.lan.stats.probed).toBeLessThanOrEqual(5 + 5 * 3);
      expect(p.lan.stats.ignored).toBeGreaterThanOrEqual(200 - 20);
      expect(v.bytes()).toBeLessThanOrEqual((5 + 5 * 3) * ANNOUNCEMENT_BYTES);
      expect(v.bytes()).toBeLessThan(sent / 5);
    });

    it('a spoofed source off our link gets nothing at all', async () => {
      const p = await startPeer([]);
      const v = await victim('127.0.1.9', 2);
      const [replyPort, probePort] = v.ports as [number, number];
      const spoofer = new Spoofer();
      cleanup.push(() => spoofer.close());
      spoofer.send(
        encodeAnnouncement({ port: probePort, key: KEY, reply: false }),
        { host: '127.0.1.9', port: replyPort },
        p.discovery,
      );
      await spoofer.flushed();
      await new Promise((r) => setTimeout(r, 1_000));
      expect(p.lan.stats).toMatchObject({ replied: 0, probed: 0, ignored: 1 });
      expect(v.bytes()).toBe(0);
    });

    it('a spoofed reply buys one probe, within its own bytes, and no reply', async () => {
      const p = await startPeer([]);
      const v = await victim('127.0.0.9', 2);
      const [replyPort, probePort] = v.ports as [number, number];
      const spoofer = new Spoofer();
      cleanup.push(() => spoofer.close());
      const forged = encodeAnnouncement({ port: probePort, key: KEY, reply: true });
      spoofer.send(forged, { host: '127.0.0.9', port: replyPort }, p.discovery);
      await spoofer.flushed();
      await new Promise((r) => setTimeout(r, 2_000));
      expect(p.lan.stats).toMatchObject({ replied: 0, probed: 1 });
      expect(v.bytes()).toBeLessThanOrEqual(forged.length);
    });
  },
);

describe('neighbours behind our own NAT', () => {
  const us = { natType: 'Port Restricted Cone', publicEndpoint: { host: '198.51.100.21', port: 40000 } };
  it('another port at our public address is a neighbour; we are not; another address is not', () => {
    expect(behindSameNat({ host: '198.51.100.21', port: 40001 }, us)).toBe(true);
    expect(behindSameNat({ host: '198.51.100.21', port: 40000 }, us)).toBe(false);
    expect(behindSameNat({ host: '198.51.100.22', port: 40001 }, us)).toBe(false);
  });
  it('never without a NAT, nor when our public address is unknown or private', () => {
    expect(behindSameNat({ host: '198.51.100.21', port: 40001 }, { ...us, natType: 'Open Internet' })).toBe(
      false,
    );
    expect(behindSameNat({ host: '198.51.100.21', port: 1 }, { natType: 'Blocked' })).toBe(false);
    const loopback = { natType: 'Blocked', publicEndpoint: { host: '127.0.0.1', port: 5 } };
    expect(behindSameNat({ host: '127.0.0.1', port: 6 }, loopback)).toBe(false);
  });
});
