// Direct IPv6 paths over real sockets (127.0.0.1 beside ::1): peers named by their IPv4 address
// learn each other's IPv6 endpoint (`a6`), take it once it proves the same key, and send there;
// a peer naming someone else's IPv6 endpoint gains nothing; a base peer's ping answer is unchanged.
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_TOKEN_YET } from '../core/given-tokens.js';
import { NancePeer } from '../core/peer.js';
import type { Endpoint, Transport } from '../core/ports.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { systemClock } from './system-clock.js';
import { UdpTransport } from './udp-transport.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

interface TestPeer {
  p: NancePeer;
  at4: Endpoint;
  at6: Endpoint;
  /** Every destination this peer's socket sent a datagram to. */
  sentTo: Endpoint[];
}

async function dualStackPeer(dir: string, name: string, advertise?: (own6: Endpoint) => Endpoint[]) {
  const inner = await UdpTransport.bind({ host: '127.0.0.1', host6: '::1' });
  const sentTo: Endpoint[] = [];
  const transport: Transport = {
    send: (data, to) => {
      sentTo.push({ ...to });
      inner.send(data, to);
    },
    onDatagram: (h) => inner.onDatagram(h),
    localEndpoint: () => inner.localEndpoint(),
    close: () => inner.close(),
  };
  const at6 = inner.localEndpoint6() as Endpoint;
  const store = SqliteStore.open({ path: path.join(dir, `${name}.db`), now: Date.now });
  const p = new NancePeer(
    { transport, store, clock: systemClock },
    { ipv6Endpoints: advertise ? advertise(at6) : [at6] },
  );
  open.push({ close: () => p.close() });
  return { p, at4: inner.localEndpoint(), at6, sentTo } satisfies TestPeer;
}

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nance-v6path-'));
  open.push({ close: async () => fs.rmSync(dir, { recursive: true, force: true }) });
  return dir;
}

async function until(what: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const is6 = (e: Endpoint) => e.host.includes(':');

describe('direct IPv6 paths', () => {
  it('a peer known by its IPv4 address is then reached at its proven IPv6 endpoint, reads and posts alike', async () => {
    const dir = tempDir();
    const host = await dualStackPeer(dir, 'host');
    const reader = await dualStackPeer(dir, 'reader');
    const chat = await host.p.createChat('dual stack', 'first', 'host');

    // First contact over IPv4: the ping answer names the host's IPv6 endpoint; the probe proves it.
    expect((await reader.p.readChat(host.at4, chat.uuid)).map((m) => m.content)).toEqual(['first']);
    await until(() => reader.p.pathTo(host.at4)?.family === 'ipv6');
    expect(reader.p.pathTo(host.at4)).toMatchObject({ kind: 'direct', actual: host.at6, family: 'ipv6' });
    // The host keeps its name: its key is still at its IPv4 address (no "moved" to IPv6).
    expect(reader.p.keyAt(host.at4)).toBe(host.p.identity.publicKey);
    expect(reader.p.resolveHost(host.at4, host.p.identity.publicKey)).toEqual(host.at4);

    reader.sentTo.length = 0;
    await reader.p.postMessage(host.at4, chat.uuid, 'reader', 'over IPv6');
    expect((await reader.p.readChat(host.at4, chat.uuid)).map((m) => m.content)).toEqual([
      'first',
      'over IPv6',
    ]);
    expect(reader.sentTo.length).toBeGreaterThan(0);
    expect(reader.sentTo.every(is6)).toBe(true);
    // The post's author verified against the key proven at the IPv4 address.
    const stored = await host.p.readChat(null, chat.uuid);
    expect(stored[1]?.author).toBeDefined();
  });

  it('a peer naming another peer’s IPv6 endpoint as its own gains no path there', async () => {
    const dir = tempDir();
    const victim = await dualStackPeer(dir, 'victim');
    const liar = await dualStackPeer(dir, 'liar', () => [victim.at6]);
    const reader = await dualStackPeer(dir, 'reader');
    const chat = await liar.p.createChat('liar’s', 'from the liar', 'liar');
    await victim.p.createChat('victim’s', 'from the victim', 'victim');

    await reader.p.readChat(liar.at4, chat.uuid);
    // The probe went to the victim's IPv6 endpoint and found the victim's key, not the liar's.
    await until(() => reader.sentTo.some((e) => e.host === victim.at6.host && e.port === victim.at6.port));
    await new Promise((r) => setTimeout(r, 500));
    expect(reader.p.pathTo(liar.at4)?.family).not.toBe('ipv6');
    expect(reader.p.keyAt(liar.at4)).toBe(liar.p.identity.publicKey);
    expect(reader.p.keyAt(victim.at6)).toBeUndefined();
    reader.sentTo.length = 0;
    expect((await reader.p.readChat(liar.at4, chat.uuid)).map((m) => m.content)).toEqual(['from the liar']);
    expect(reader.sentTo.some(is6)).toBe(false);
  });

  it('a first challenged ping too small for the whole answer still gets the key proof, without a6', async () => {
    const dir = tempDir();
    // Two long global endpoints: with them, the advertisement would be over 3× a short first ping.
    const long = (n: number) => ({ host: `2001:db8:1234:5678:9abc:def0:1234:567${n}`, port: 65_000 + n });
    const peer = await dualStackPeer(dir, 'peer', () => [long(1), long(2)]);
    const socket = dgram.createSocket('udp4');
    open.push({ close: () => new Promise<void>((r) => socket.close(() => r())) });
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    const answers: Record<string, unknown>[] = [];
    socket.on('message', (msg) => {
      const answer = JSON.parse(Buffer.from(msg.toString('latin1'), 'base64').toString('utf8')) as {
        c: { nance?: Record<string, unknown> };
      };
      answers.push(answer.c.nance ?? {});
    });
    const ping = { m: 'p', z: 'a', k: NO_TOKEN_YET, ch: 'c'.repeat(22) };
    socket.send(Buffer.from(JSON.stringify(ping)).toString('base64'), peer.at4.port, '127.0.0.1');
    await until(() => answers.length === 1);
    expect(answers[0]).toHaveProperty('sig');
    expect(answers[0]?.id).toBe(peer.p.identity.publicKey);
    expect(answers[0]).not.toHaveProperty('a6');
  });

  it('the IPv6 endpoints are named only to pingers that send k: a base ping’s answer has no a6', async () => {
    const dir = tempDir();
    const peer = await dualStackPeer(dir, 'peer');
    const socket = dgram.createSocket('udp4');
    open.push({ close: () => new Promise<void>((r) => socket.close(() => r())) });
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    const answers = new Map<string, Record<string, unknown>>();
    // The base wire: base64 of the JSON object.
    socket.on('message', (msg) => {
      const answer = JSON.parse(Buffer.from(msg.toString('latin1'), 'base64').toString('utf8')) as {
        z: string;
        c: { nance: Record<string, unknown> };
      };
      answers.set(answer.z, answer.c.nance);
    });
    const ask = (ping: object) =>
      socket.send(Buffer.from(JSON.stringify(ping)).toString('base64'), peer.at4.port, '127.0.0.1');
    ask({ m: 'p', z: 'base' });
    // A first Nance ping, with a placeholder k.
    ask({ m: 'p', z: 'nance', k: 'x'.repeat(48) });
    await until(() => answers.size === 2);
    expect(answers.get('base')).not.toHaveProperty('a6');
    expect(answers.get('nance')?.a6).toEqual([{ ip: '::1', port: peer.at6.port }]);
  });
});
