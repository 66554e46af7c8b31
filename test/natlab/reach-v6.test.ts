// IPv6 in the NAT lab (issue 15): two dual-stack hosts, one behind a port-restricted NAT
// (nv6-h-port) and one behind a symmetric NAT (nv6-h-sym). IPv4 between them needs a relay; IPv6
// is routed, not NATed, through each router's stateful firewall (established/related only from the
// WAN). Each measures both families at start (the bootstrap serves STUN over IPv6 too), and they
// chat over direct IPv6 paths both ways, read back from the CLI's own listChats path (family ipv6).
// First, the lab itself: every public link (router WANs, public hosts) has a routed IPv6 address.
// Its own lab (prefix nv6-, NZLAB_REACH=1: another file owns nv-), always taken down. Root only;
// skipped with one line.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB, labSkipReason, ROOT } from './lab-support.js';
import { Peer } from './matrix.mjs';

const run = promisify(execFile);
const LAB_DIR = path.join(os.tmpdir(), 'nance-natlab-reach-v6-test');
const ENV = { ...process.env, NZLAB_DIR: LAB_DIR, NZLAB_PREFIX: 'nv6-', NZLAB_REACH: '1' };
/** The plain bootstrap's IPv6 side (lab.sh: nz-stun, --host6): STUN per family. */
const STUN6 = '[2001:db8::10]:3500';
/** The same for discover.mjs, which splits host and port at the last colon. */
const STUN6_SERVER = '2001:db8::10:3500';
const DISCOVER = path.join(ROOT, 'test', 'natlab', 'discover.mjs');

const reason = labSkipReason(ENV);
const suite = reason ? describe.skip : describe;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface AddrInfo {
  family: string;
  local: string;
  scope: string;
}
interface PathSeen {
  kind: string;
  family: string;
  via?: unknown;
}
interface HostEntry {
  host: { host: string; port: number };
  chats?: { uuid: string }[];
  path?: PathSeen | null;
}

/** The listing's entry for the chat's host by its IPv4 name (peers are named by IPv4). */
function hostEntry(list: { hosts?: HostEntry[] } | undefined, uuid: string): HostEntry | undefined {
  return list?.hosts?.find((h) => !h.host.host.includes(':') && h.chats?.some((c) => c.uuid === uuid));
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
      const entry = hostEntry(await p.call('listChats', {}, 10_000), uuid);
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
    hostEntry(await p.call('listChats', {}, 10_000), uuid)?.path ?? null;

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

  it('every public link has a global IPv6 address, and the bootstrap answers STUN over IPv6 on each router WAN', async () => {
    // A public link: an interface with an address on the lab's internet (the two TEST-NET ranges).
    const { stdout: list } = await run('ip', ['netns', 'list']);
    const namespaces = list
      .split('\n')
      .map((l) => l.split(' ')[0] as string)
      .filter((ns) => ns.startsWith('nv6-') && ns !== 'nv6-inet');
    const links: { ns: string; dev: string; v6: string[] }[] = [];
    for (const ns of namespaces) {
      const { stdout } = await run('ip', ['-j', '-n', ns, 'addr', 'show']);
      for (const dev of JSON.parse(stdout) as { ifname: string; addr_info: AddrInfo[] }[]) {
        const v4 = dev.addr_info.filter(
          (a) => a.family === 'inet' && /^(198\.51\.100|203\.0\.113)\./.test(a.local),
        );
        if (v4.length === 0) continue;
        const v6 = dev.addr_info
          .filter((a) => a.family === 'inet6' && a.scope === 'global')
          .map((a) => a.local);
        links.push({ ns, dev: dev.ifname, v6 });
      }
    }
    const routers = links.filter((l) => l.ns.startsWith('nv6-r-'));
    // The textbook routers and the reach sites' outer links, and the public hosts.
    expect(routers.map((l) => l.ns).sort()).toEqual(
      ['addr', 'cgn', 'full', 'port', 'port6', 'sym', 'sym6', 't30'].map((r) => `nv6-r-${r}`),
    );
    expect(links.length).toBe(routers.length + 3); // stun, pub, h-open
    const without = links.filter((l) => !l.v6.some((a) => a.startsWith('2001:db8::')));
    expect(without.map((l) => `${l.ns} ${l.dev}`)).toEqual([]);
    // Routed, not just configured: from each router's WAN the bootstrap's STUN sees its own address.
    const seen = await Promise.all(
      routers.map(async (l) => {
        const { stdout } = await run(
          'ip',
          ['netns', 'exec', l.ns, process.execPath, DISCOVER, '--server', STUN6_SERVER],
          { timeout: 30_000 },
        );
        return `${l.ns} ${JSON.parse(stdout.trim().split('\n').pop() as string).publicEndpoint?.host}`;
      }),
    );
    expect(seen).toEqual(routers.map((l) => `${l.ns} ${l.v6[0]}`));
  }, 60_000);

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

  it('they chat over direct IPv6 paths both ways through both stateful firewalls (IPv4 needs a relay)', async () => {
    // Each reads the other's chat, so each pings the other (over IPv4: relayed), learns its `a6`
    // and probes it. The first probe only opens its own firewall; the second crosses both, and the
    // side it reaches probes back at once (its peer's firewall is open now): both get the path.
    const symAt = await read(port, chats.sym as string);
    const portAt = await read(sym, chats.port as string);
    expect([symAt.host, portAt.host]).toEqual(['198.51.100.24', '198.51.100.23']);
    const deadline = Date.now() + 20_000;
    let symToPort: PathSeen | null = null;
    let portToSym: PathSeen | null = null;
    for (;;) {
      symToPort = await pathTo(sym, chats.port as string);
      portToSym = await pathTo(port, chats.sym as string);
      if ((symToPort?.family === 'ipv6' && portToSym?.family === 'ipv6') || Date.now() > deadline) break;
      await sleep(500);
    }
    console.log(`sym -> port: ${JSON.stringify(symToPort)}\nport -> sym: ${JSON.stringify(portToSym)}`);
    expect(symToPort).toMatchObject({ kind: 'direct', family: 'ipv6' });
    expect(portToSym).toMatchObject({ kind: 'direct', family: 'ipv6' });
    // Each lists the other once, by its IPv4 name (never again under its IPv6 source).
    const v6Hosts = async (p: Peer) =>
      ((await p.call('listChats', {}, 10_000)).hosts as HostEntry[])
        .filter((h) => h.host.host.includes(':'))
        .map((h) => h.host.host);
    expect([await v6Hosts(port), await v6Hosts(sym)]).toEqual([[], []]);
    // Each posts over its IPv6 path, and the post lands.
    for (const [from, to, at, uuid] of [
      [sym, port, portAt, chats.port],
      [port, sym, symAt, chats.sym],
    ] as const) {
      const content = `over v6 from ${from.name}`;
      await from.call('postMessage', { host: at, chatUuid: uuid, name: from.name, content }, 20_000);
      const landBy = Date.now() + 15_000;
      for (;;) {
        const { messages } = await to.call('readChat', { host: null, chatUuid: uuid }, 10_000);
        if (messages.some((m: { content: string }) => m.content === content)) break;
        if (Date.now() > landBy) throw new Error(`the post from ${from.name} over IPv6 did not land in 15 s`);
        await sleep(250);
      }
      expect(await pathTo(from, uuid as string)).toMatchObject({ kind: 'direct', family: 'ipv6' });
    }
  }, 150_000);
});
