// Direct IPv6 paths over real sockets (127.0.0.1 beside ::1): peers named by their IPv4 address
// learn each other's IPv6 endpoint (`a6`), take it once it proves the same key, and send there;
// a peer naming someone else's IPv6 endpoint gains nothing; a base peer's ping answer is unchanged.
// Requests over the path carry the token given to our IPv6 source; a prober is never listed twice;
// through two stateful firewalls (modelled on each socket) the first prober is probed back.
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { datagramToObject, ResultCode } from '../../src-shared/protocol/index.js';
import { NO_TOKEN_YET } from '../core/given-tokens.js';
import { announceChat } from '../core/gossip/chat-announcement.js';
import { KeyPair } from '../core/identity/keys.js';
import { NancePeer } from '../core/peer.js';
import type { PeerClient } from '../core/peer-client.js';
import type { Endpoint, Transport } from '../core/ports.js';
import type { Connector } from '../core/traversal/connector.js';
import type { PathTable } from '../core/traversal/path-table.js';
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
  /** Every datagram sent, with its destination. */
  sent: { to: Endpoint; data: Uint8Array }[];
}

interface PeerOptions {
  advertise?: (own6: Endpoint) => Endpoint[];
  /** A home router's stateful IPv6 firewall: IPv6 comes in only from addresses we sent to. */
  firewall?: boolean;
  /** IPv6 requests lost on the way in after passing the firewall (the first this many). */
  loseRequests6?: number;
}

async function dualStackPeer(dir: string, name: string, options: PeerOptions = {}) {
  const { advertise, firewall = false } = options;
  let toLose = options.loseRequests6 ?? 0;
  const inner = await UdpTransport.bind({ host: '127.0.0.1', host6: '::1' });
  const sentTo: Endpoint[] = [];
  const sent: { to: Endpoint; data: Uint8Array }[] = [];
  const opened = new Set<string>();
  const transport: Transport = {
    send: (data, to) => {
      sentTo.push({ ...to });
      sent.push({ to: { ...to }, data });
      if (is6(to)) opened.add(`${to.host}:${to.port}`);
      inner.send(data, to);
    },
    onDatagram: (h) =>
      inner.onDatagram((data, from) => {
        if (firewall && is6(from) && !opened.has(`${from.host}:${from.port}`)) return;
        if (toLose > 0 && is6(from)) {
          const d = datagramToObject(data);
          if (d.ok && d.object.m !== 'R') {
            toLose--;
            return;
          }
        }
        h(data, from);
      }),
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
  return { p, at4: inner.localEndpoint(), at6, sentTo, sent } satisfies TestPeer;
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
const same = (a: Endpoint, b: Endpoint) => a.host === b.host && a.port === b.port;
const clientOf = (p: NancePeer) => (p as unknown as { client: PeerClient }).client;
const pathsOf = (p: NancePeer) => (p as unknown as { paths: PathTable }).paths;
const connectorOf = (p: NancePeer) =>
  (p as unknown as { traversal: { connector: Connector } }).traversal.connector;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The z of each request (not answer) datagram sent to `to`. */
const requestIds = (peer: TestPeer, to: Endpoint) =>
  peer.sent
    .filter((d) => same(d.to, to))
    .map((d) => datagramToObject(d.data))
    .flatMap((d) => (d.ok && d.object.m !== 'R' ? [String(d.object.z)] : []));

/**
 * A reader that read a chat of a host behind a stateful IPv6 firewall: the firewall drops the
 * reader's probe, so the reader knows the host's IPv6 endpoint (a6) but has no IPv6 path to it,
 * and datagrams from it are not mapped to the host's name.
 */
async function readerOfFirewalledHost() {
  const dir = tempDir();
  const host = await dualStackPeer(dir, 'host', { firewall: true });
  const reader = await dualStackPeer(dir, 'reader');
  const first = await host.p.createChat('first', 'first', 'host');
  await reader.p.readChat(host.at4, first.uuid);
  await until(() => reader.sentTo.some((e) => same(e, host.at6)));
  return { host, reader };
}

/** A's probe to B's IPv6 endpoint goes first and B's firewall drops it; then B probes A. */
async function probedFirstThroughFirewalls(dir: string, b6Lost = 0) {
  const a = await dualStackPeer(dir, 'a', { firewall: true });
  const b = await dualStackPeer(dir, 'b', { firewall: true, loseRequests6: b6Lost });
  const chatA = await a.p.createChat('a’s', 'from a', 'a');
  const chatB = await b.p.createChat('b’s', 'from b', 'b');
  await a.p.readChat(b.at4, chatB.uuid);
  // A's probe (two sends, ~1 s then ~2 s) is dropped at B's firewall; wait until it gave up.
  await until(() => a.sentTo.filter((e) => same(e, b.at6)).length >= 2);
  await sleep(2_600);
  expect(a.p.pathTo(b.at4)?.family).not.toBe('ipv6');
  // B's probe gets in: A's own probe opened A's firewall to B's IPv6 endpoint.
  await b.p.readChat(a.at4, chatA.uuid);
  await until(() => b.p.pathTo(a.at4)?.family === 'ipv6');
  return { a, b, chatA, chatB };
}

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

  it('a reach that finds an IPv4 route keeps the IPv6 path proven while it ran', async () => {
    // In the lab a relayed reach ended after the IPv6 probe had proven its path, and replaced it.
    const dir = tempDir();
    const host = await dualStackPeer(dir, 'host');
    const reader = await dualStackPeer(dir, 'reader');
    const chat = await host.p.createChat('dual stack', 'first', 'host');
    await reader.p.readChat(host.at4, chat.uuid);
    await until(() => reader.p.pathTo(host.at4)?.family === 'ipv6');
    const paths = pathsOf(reader.p);
    const ipv6Route = paths.get(host.at4);
    if (ipv6Route === undefined) throw new Error('no route');
    const connector = connectorOf(reader.p);

    // A reach starts with no route (its ping goes out over IPv4); the IPv6 path is proven meanwhile.
    paths.delete(host.at4);
    const reached = connector.reach(host.at4);
    paths.set(host.at4, ipv6Route);
    await reached;
    expect(reader.p.pathTo(host.at4)).toMatchObject({ kind: 'direct', actual: host.at6, family: 'ipv6' });

    // A punched route to be proven (an n/p's) does not replace it either: the IPv6 path is proven instead.
    await connector.proveRoute(host.at4, { kind: 'punched', actual: host.at4, since: Date.now() });
    expect(reader.p.pathTo(host.at4)).toMatchObject({ kind: 'direct', actual: host.at6, family: 'ipv6' });
  });

  it('a chat a host announces over IPv6 is listed under its IPv4 name (the one that named that IPv6 source)', async () => {
    const { host, reader } = await readerOfFirewalledHost();
    // The host announces its next chat straight from its IPv6 endpoint (hop 0: no address in it),
    // with no ping first (a ping from a named endpoint would be probed back, and map it).
    const chat = await host.p.createChat('news', 'hello', 'host');
    await clientOf(host.p).announce(reader.at6, [announceChat(host.p.identity, chat)]);
    await until(() => reader.p.remoteChats().some((e) => e.chats.some((c) => c.uuid === chat.uuid)));
    const entry = reader.p.remoteChats().find((e) => e.chats.some((c) => c.uuid === chat.uuid));
    expect(entry?.host).toEqual(host.at4);
    expect((await reader.p.readChat(host.at4, chat.uuid)).map((m) => m.content)).toEqual(['hello']);
  });

  it('a chat of another key announced from that IPv6 source is listed nowhere (the source names only its own key)', async () => {
    const { host, reader } = await readerOfFirewalledHost();
    const other = KeyPair.generate();
    const forged = announceChat(other, {
      uuid: 'c0ffee00-0000-4000-8000-0000000000b1',
      name: 'x',
      createdAt: Date.now(),
    });
    await clientOf(host.p).announce(reader.at6, [forged]);
    await sleep(300);
    expect(reader.p.remoteChats().some((e) => e.chats.some((c) => c.uuid === forged.u))).toBe(false);
  });

  it('a peer naming another peer’s IPv6 endpoint as its own gains no path there', async () => {
    const dir = tempDir();
    const victim = await dualStackPeer(dir, 'victim');
    const liar = await dualStackPeer(dir, 'liar', { advertise: () => [victim.at6] });
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
    const peer = await dualStackPeer(dir, 'peer', { advertise: () => [long(1), long(2)] });
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

  it('requests over a proven IPv6 path carry the token given to our IPv6 source: one datagram each, and a proven-only n/i is served', async () => {
    const dir = tempDir();
    const host = await dualStackPeer(dir, 'host');
    const reader = await dualStackPeer(dir, 'reader');
    // An answer well over three times the request: an unproven asker would get `r: 4` first.
    const chat = await host.p.createChat('big', 'x'.repeat(900), 'host');
    await reader.p.readChat(host.at4, chat.uuid);
    await until(() => reader.p.pathTo(host.at4)?.family === 'ipv6');

    reader.sent.length = 0;
    expect((await reader.p.readChat(host.at4, chat.uuid))[0]?.content).toHaveLength(900);
    const ids = requestIds(reader, host.at6);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length); // no request sent twice (no `r: 4` round trip)

    reader.sent.length = 0;
    await reader.p.postMessage(host.at4, chat.uuid, 'reader', 'y'.repeat(400));
    const postIds = requestIds(reader, host.at6);
    expect(new Set(postIds).size).toBe(postIds.length);

    // `n/i` is served only to a proven asker (else 3, Unreachable): proven, it looks the target up.
    const nobody = { host: '127.0.0.1', port: 9 };
    reader.sentTo.length = 0;
    await expect(clientOf(reader.p).introduce(host.at4, nobody)).rejects.toMatchObject({
      code: ResultCode.NotFound,
    });
    expect(reader.sentTo.filter(is6).length).toBeGreaterThan(0);
    expect(reader.sentTo.some((e) => same(e, host.at4))).toBe(false);
  });

  it('through two stateful firewalls the first prober is probed back at once: both sides get the IPv6 path', async () => {
    const { a, b } = await probedFirstThroughFirewalls(tempDir());
    // Without the probe back, A would wait IPV6_RETRY_MS (5 min) on IPv4.
    await until(() => a.p.pathTo(b.at4)?.family === 'ipv6', 3_000);
    expect(a.p.pathTo(b.at4)).toMatchObject({ kind: 'direct', actual: b.at6 });
    expect(b.p.pathTo(a.at4)).toMatchObject({ kind: 'direct', actual: a.at6 });
  });

  it('a lost probe back is made good by the next ping over the path the other side proved', async () => {
    // In the lab one lost datagram left a pair relayed one way for IPV6_RETRY_MS (5 min).
    const { a, b } = await probedFirstThroughFirewalls(tempDir(), 1);
    await sleep(2_200);
    expect(a.p.pathTo(b.at4)?.family).not.toBe('ipv6'); // its probe back was lost
    // B's next ping to A (a keepalive, a sync) goes over B's IPv6 path: A probes back again.
    await clientOf(b.p).ping(a.at4);
    await until(() => a.p.pathTo(b.at4)?.family === 'ipv6', 3_000);
    expect(a.p.pathTo(b.at4)).toMatchObject({ kind: 'direct', actual: b.at6 });
  });

  it('a peer that registers over IPv6 is listed once, by its IPv4 name, its key not moved', async () => {
    const { a, b } = await probedFirstThroughFirewalls(tempDir());
    // B, whose probe A answered, registers with A: the r/i comes from B's IPv6 source.
    b.sentTo.length = 0;
    await clientOf(b.p).register(a.at4, 'Full Cone');
    expect(b.sentTo.some((e) => same(e, a.at6))).toBe(true);
    const listed = a.p.knownPeers().map((p) => `${p.host}:${p.port}`);
    expect(listed).toEqual([`${b.at4.host}:${b.at4.port}`]);
    expect(a.p.keyAt(b.at4)).toBe(b.p.identity.publicKey);
    expect(a.p.keyAt(b.at6)).toBeUndefined();
  });

  it('a registration over IPv6 from a peer known by no IPv4 name is refused (3): nothing listed under an IPv6 name', async () => {
    const dir = tempDir();
    const a = await dualStackPeer(dir, 'a');
    const b = await dualStackPeer(dir, 'b');
    // B sends its r/i straight to A's IPv6 endpoint: A never heard of B at any IPv4 address.
    await expect(clientOf(b.p).register(a.at6, 'Full Cone')).rejects.toMatchObject({
      code: ResultCode.Unreachable,
    });
    expect(a.p.knownPeers()).toEqual([]);
  });

  it('a v6 source no peer named that proves a v4 peer’s key (a registration’s ping-back) is its path, listed once', async () => {
    const dir = tempDir();
    const a = await dualStackPeer(dir, 'a');
    // B names an address that is not its own: A has no candidate for B's real IPv6 source.
    const decoy = await dualStackPeer(dir, 'decoy');
    const b = await dualStackPeer(dir, 'b', { advertise: () => [decoy.at6] });
    const chatA = await a.p.createChat('a’s', 'from a', 'a');
    const chatB = await b.p.createChat('b’s', 'from b', 'b');
    await a.p.readChat(b.at4, chatB.uuid); // A knows B's key at B's IPv4 address
    await b.p.readChat(a.at4, chatA.uuid);
    await until(() => b.p.pathTo(a.at4)?.family === 'ipv6');
    expect(a.p.pathTo(b.at4)?.family).not.toBe('ipv6');
    await clientOf(b.p).register(a.at4, 'Full Cone'); // from B's IPv6 source
    expect(a.p.knownPeers().map((p) => `${p.host}:${p.port}`)).toEqual([`${b.at4.host}:${b.at4.port}`]);
    expect(a.p.keyAt(b.at4)).toBe(b.p.identity.publicKey);
    expect(a.p.pathTo(b.at4)).toMatchObject({ kind: 'direct', actual: b.at6, family: 'ipv6' });
  });

  it('probes from a named candidate are probed back at most once per gap and three times in all; an unnamed source never', async () => {
    const dir = tempDir();
    const candidate = dgram.createSocket('udp6');
    const stranger = dgram.createSocket('udp6');
    for (const s of [candidate, stranger]) {
      open.push({ close: () => new Promise<void>((r) => s.close(() => r())) });
      await new Promise<void>((r) => s.bind(0, '::1', () => r()));
    }
    const requestsAt = (s: dgram.Socket) => {
      const zs: string[] = [];
      s.on('message', (msg) => {
        const d = datagramToObject(new Uint8Array(msg));
        if (d.ok && d.object.m !== 'R') zs.push(String(d.object.z));
      });
      return zs;
    };
    const atCandidate = requestsAt(candidate);
    const atStranger = requestsAt(stranger);
    const candidate6 = { host: '::1', port: candidate.address().port };
    // B names the (silent) candidate socket as its IPv6 endpoint.
    const b = await dualStackPeer(dir, 'b', { advertise: () => [candidate6] });
    const a = await dualStackPeer(dir, 'a');
    const chat = await b.p.createChat('b’s', 'from b', 'b');
    await a.p.readChat(b.at4, chat.uuid);
    await until(() => atCandidate.length >= 1); // A's own probe (up to two sends)
    const ping = (s: dgram.Socket, i: number) =>
      s.send(
        Buffer.from(JSON.stringify({ m: 'p', z: `spoof-${i}`, k: 'x'.repeat(48) })).toString('base64'),
        a.at6.port,
        '::1',
      );
    const burst = (round: number) => {
      for (let i = 0; i < 5; i++) {
        ping(candidate, round * 5 + i);
        ping(stranger, round * 5 + i);
      }
    };
    burst(0);
    await until(() => atCandidate.length >= 3, 4_000); // two probe sends + one probe back
    await sleep(3_000);
    expect(new Set(atCandidate).size).toBe(2); // the probe's z, and one probe back
    expect(atCandidate).toHaveLength(3);
    // Later bursts: one probe back each, one datagram, until three; then none for the window.
    for (let round = 1; round <= 3; round++) {
      burst(round);
      await sleep(2_100);
    }
    expect(atCandidate).toHaveLength(5);
    expect(new Set(atCandidate).size).toBe(4);
    expect(atStranger).toHaveLength(0);
  });
});
