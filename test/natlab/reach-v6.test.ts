// IPv6 in the NAT lab (issue 15): two dual-stack hosts, one behind a port-restricted NAT
// (nv6-h-port) and one behind a symmetric NAT (nv6-h-sym). IPv4 between them needs a relay; IPv6
// is routed, not NATed, through each router's stateful firewall (established/related only from the
// WAN). Each measures both families at start (the bootstrap serves STUN over IPv6 too), and they
// chat over a direct IPv6 path, read back from the CLI's own listChats path (family ipv6).
// Its own lab (prefix nv6-, NZLAB_REACH=1: another file owns nv-), always taken down. Root only;
// skipped with one line.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB, labSkipReason } from './lab-support.js';
import { findHost, Peer } from './matrix.mjs';

const run = promisify(execFile);
const LAB_DIR = path.join(os.tmpdir(), 'nance-natlab-reach-v6-test');
const ENV = { ...process.env, NZLAB_DIR: LAB_DIR, NZLAB_PREFIX: 'nv6-', NZLAB_REACH: '1' };
/** The bootstrap's IPv6 side (lab.sh: nz-stun, --host6): STUN per family. */
const STUN6 = '[2001:db8::10]:3490';

const reason = labSkipReason(ENV);
const suite = reason ? describe.skip : describe;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface PathSeen {
  kind: string;
  family: string;
  via?: unknown;
}

suite(`NAT lab: dual-stack hosts behind port-restricted and symmetric NATs${reason ? ` [skipped: ${reason}]` : ''}`, () => {
  const peers: Peer[] = [];
  let port: Peer;
  let sym: Peer;
  const chats: Record<string, string> = {};

  const peer = async (name: string, ns: string) => {
    const p = new Peer(name, ns, mkdtempSync(path.join(LAB_DIR, `${name}-`)), {
      extraArgs: ['--stun', STUN6],
    });
    peers.push(p);
    await p.start();
    return p;
  };

  /** Refreshes until `uuid` is listed; the hosts[] entry. */
  const listed = async (p: Peer, uuid: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await p.call('refreshChats', {}, 30_000).catch(() => undefined);
      const entry = findHost(await p.call('listChats', {}, 10_000), uuid);
      if (entry) return entry;
      if (Date.now() > deadline) throw new Error(`chat not listed within ${timeoutMs} ms`);
      await sleep(1000);
    }
  };

  /** Lists and reads the chat `uuid` from `p`; its host's address (IPv4: peers are named by it). */
  const read = async (p: Peer, uuid: string) => {
    const entry = await listed(p, uuid, 40_000);
    const at = { host: entry.host.host, port: entry.host.port };
    const { messages } = await p.call('readChat', { host: at, chatUuid: uuid }, 30_000);
    expect(messages.length).toBeGreaterThan(0);
    return at;
  };

  const pathTo = async (p: Peer, uuid: string): Promise<PathSeen | null> =>
    findHost(await p.call('listChats', {}, 10_000), uuid)?.path ?? null;

  /** Waits (bounded) for the path to `uuid`'s host to become IPv6; the last path seen. */
  const ipv6PathTo = async (p: Peer, uuid: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = await pathTo(p, uuid);
      if (seen?.family === 'ipv6' || Date.now() > deadline) return seen;
      await sleep(500);
    }
  };

  beforeAll(async () => {
    await run('bash', [LAB, 'up'], { env: ENV, timeout: 120_000 });
    [port, sym] = await Promise.all([peer('dual-port', 'nv6-h-port'), peer('dual-sym', 'nv6-h-sym')]);
    for (const [name, p] of [
      ['port', port],
      ['sym', sym],
    ] as const) {
      chats[name] = (await p.call('createChat', { name: `on ${name}`, message: 'hello', author: name })).uuid;
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.all(peers.map((p) => p.stop()));
    await run('bash', [LAB, 'down'], { env: ENV, timeout: 60_000 }).catch(() => undefined);
  }, 90_000);

  it('each host measured both families: NATed IPv4, and its global IPv6 address as-is', () => {
    console.log(`port ready: ${JSON.stringify(port.ready)}\nsym ready: ${JSON.stringify(sym.ready)}`);
    expect(port.ready?.natType).toBe('Port Restricted Cone');
    expect(port.ready?.publicAddress?.host).toBe('198.51.100.23');
    expect(sym.ready?.natType).toBe('Symmetric');
    expect(port.ready?.ipv6).toEqual({
      natType: 'Open Internet',
      publicAddress: { host: '2001:db8:3::10', port: port.ready?.udp.port },
    });
    expect(sym.ready?.ipv6).toEqual({
      natType: 'Open Internet',
      publicAddress: { host: '2001:db8:4::10', port: sym.ready?.udp.port },
    });
  });

  it('they chat over a direct IPv6 path through both stateful firewalls (IPv4 would need a relay)', async () => {
    // Each reads the other's chat: each pings the other (over IPv4, relayed), learns its `a6` and
    // probes it. The first probe opens its own firewall for the answer the second one needs.
    const symAt = await read(port, chats.sym as string);
    const portAt = await read(sym, chats.port as string);
    expect([symAt.host, portAt.host]).toEqual(['198.51.100.24', '198.51.100.23']);
    const symToPort = await ipv6PathTo(sym, chats.port as string, 20_000);
    const portToSym = await ipv6PathTo(port, chats.sym as string, 20_000);
    console.log(`sym -> port: ${JSON.stringify(symToPort)}; port -> sym: ${JSON.stringify(portToSym)}`);
    expect(symToPort).toMatchObject({ kind: 'direct', family: 'ipv6' });
    // A post crosses that path and lands.
    await sym.call(
      'postMessage',
      { host: portAt, chatUuid: chats.port, name: 'sym', content: 'over v6' },
      20_000,
    );
    const deadline = Date.now() + 15_000;
    for (;;) {
      const { messages } = await port.call('readChat', { host: null, chatUuid: chats.port }, 10_000);
      if (messages.some((m: { content: string }) => m.content === 'over v6')) break;
      if (Date.now() > deadline) throw new Error('the post over IPv6 did not land in 15 s');
      await sleep(250);
    }
    expect(await pathTo(sym, chats.port as string)).toMatchObject({ kind: 'direct', family: 'ipv6' });
  }, 150_000);
});
