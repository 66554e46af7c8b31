// Port mapping (NAT-PMP, UPnP IGD) against a real miniupnpd: lab.sh with NZLAB_SERVICES including
// miniupnpd adds nz-r-upnp, a port-restricted router running miniupnpd, and its LAN host 10.5.0.10.
// The CLI there maps its port, a public lab host reaches it through the mapping with a Nance ping, and
// after SIGTERM the mapping is gone (miniupnpd's list via `upnpc`, its nft chain, and the ping fails).
// Root only; this file's lab uses its own namespace prefix (nzu-) so it can run beside the others,
// and is always taken down.
import { type ChildProcess, execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB, labSkipReason, ROOT } from './lab-support.js';

const run = promisify(execFile);

const BIN = path.join(ROOT, 'bin', 'nance.js');
const CODEC = path.join(ROOT, 'build', 'src-shared', 'protocol', 'codec.js');
const PORT_MAPPING = path.join(ROOT, 'build', 'src-main', 'nat', 'port-mapping.js');
const LAB_DIR = path.join(os.tmpdir(), 'nance-natlab-portmap');
const P = 'nzu-';
const ENV = { ...process.env, NZLAB_DIR: LAB_DIR, NZLAB_PREFIX: P, NZLAB_SERVICES: 'stund nance miniupnpd' };

const HOST_NS = `${P}h-upnp`;
const ROUTER_NS = `${P}r-upnp`;
const OUTSIDE_NS = `${P}h-open`;
const ROUTER_WAN = '198.51.100.25';
const IGD_URL = 'http://10.5.0.1:5000/rootDesc.xml';
const STUND = '198.51.100.10:3478';

const skipReason = labSkipReason(ENV, () =>
  spawnSync('sh', ['-c', 'command -v upnpc'], { stdio: 'ignore' }).status === 0
    ? undefined
    : 'upnpc missing (apt-get install miniupnpc)',
);

const reason = skipReason;
const suite = reason ? describe.skip : describe;

/** miniupnpd's own list of mappings (UPnP GetGenericPortMappingEntry, NAT-PMP ones included). */
async function listed(): Promise<string[]> {
  const r = await run('ip', ['netns', 'exec', HOST_NS, 'upnpc', '-u', IGD_URL, '-l'], {
    timeout: 10_000,
  }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  return r.stdout
    .split('\n')
    .filter((l) => /^\s*\d+\s+(UDP|TCP)\s/.test(l))
    .map((l) => l.trim());
}

/** The DNAT rules miniupnpd put in the router's nftables. */
async function natRules(): Promise<string> {
  const { stdout } = await run('ip', [
    'netns',
    'exec',
    ROUTER_NS,
    'nft',
    'list',
    'chain',
    'inet',
    'miniupnpd',
    'prerouting_miniupnpd',
  ]);
  return stdout;
}

const PING = `
import dgram from 'node:dgram';
const { encodeRequest, decodeDatagram } = await import(process.argv[1]);
const [host, port] = [process.argv[2], Number(process.argv[3])];
const s = dgram.createSocket('udp4');
s.on('message', (m, r) => {
  console.log(JSON.stringify({ from: r.address + ':' + r.port, reply: decodeDatagram(m) }));
  process.exit(0);
});
const send = () => s.send(encodeRequest({ type: 'ping' }), port, host);
send(); setTimeout(send, 300); setTimeout(send, 700);
setTimeout(() => { console.log('null'); process.exit(0); }, 1500);
`;

/** A Nance ping from the public lab host; the answer (decoded) or null. */
async function pingFromOutside(
  host: string,
  port: number,
): Promise<{ from: string; reply: { kind: string } } | null> {
  const { stdout } = await run(
    'ip',
    [
      'netns',
      'exec',
      OUTSIDE_NS,
      process.execPath,
      '--input-type=module',
      '-e',
      PING,
      CODEC,
      host,
      String(port),
    ],
    { timeout: 10_000 },
  );
  return JSON.parse(stdout.trim()) as { from: string; reply: { kind: string } } | null;
}

interface Peer {
  child: ChildProcess;
  ready: Record<string, unknown>;
  exited: Promise<number | null>;
}

async function startPeer(port: number, extra: string[] = []): Promise<Peer> {
  const dataDir = mkdtempSync(path.join(LAB_DIR, 'peer-'));
  // `ip netns exec` execs node: the child is the peer itself, so a signal reaches it.
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      HOST_NS,
      process.execPath,
      BIN,
      '--port',
      String(port),
      '--data-dir',
      dataDir,
      '--stun',
      STUND,
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ready line in 15 s: ${stderr}`)), 15_000);
    lines.on('line', (line) => {
      const o = JSON.parse(line) as Record<string, unknown>;
      if (o.event === 'ready') {
        clearTimeout(t);
        resolve(o);
      }
    });
    void exited.then((code) => reject(new Error(`peer exited (${code}) before ready: ${stderr}`)));
  });
  return { child, ready, exited };
}

suite(`NAT lab: port mapping through miniupnpd${reason ? ` [skipped: ${reason}]` : ''}`, () => {
  const labDown = () => execFileSync('bash', [LAB, 'down'], { env: ENV, stdio: 'ignore', timeout: 60_000 });
  const peers: Peer[] = [];
  beforeAll(() => {
    process.once('exit', labDown);
    execFileSync('bash', [LAB, 'up'], { env: ENV, stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  }, 90_000);
  afterAll(() => {
    for (const p of peers) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    process.off('exit', labDown);
    labDown();
  }, 90_000);

  it('the CLI maps its port with NAT-PMP, is reached from outside through it, and removes it on SIGTERM', async () => {
    expect(await pingFromOutside(ROUTER_WAN, 40_000), 'nothing mapped yet: the NAT filters').toBeNull();
    const peer = await startPeer(40_000);
    peers.push(peer);
    expect(peer.ready).toMatchObject({
      natType: 'Full Cone',
      publicAddress: { host: ROUTER_WAN, port: 40_000 },
      path: 'mapped',
      portMapping: {
        method: 'nat-pmp',
        external: { host: ROUTER_WAN, port: 40_000 },
        internal: { host: '10.5.0.10', port: 40_000 },
        leaseSeconds: 3600,
      },
    });
    expect((await listed()).join('\n')).toMatch(/UDP 40000->10\.5\.0\.10:40000/);
    expect(await natRules()).toMatch(/dport 40000 dnat ip to 10\.5\.0\.10:40000/);

    const answer = await pingFromOutside(ROUTER_WAN, 40_000);
    expect(answer?.from).toBe(`${ROUTER_WAN}:40000`);
    expect(answer?.reply.kind).toBe('response');

    peer.child.kill('SIGTERM');
    expect(await peer.exited).toBe(0);
    expect(await listed()).toEqual([]);
    expect(await natRules()).not.toMatch(/dport 40000/);
    // (conntrack remembers the flow the answered ping made; a new source must find the port closed)
    expect(await pingFromOutside(ROUTER_WAN, 40_000)).toBeNull();
  }, 60_000);

  it('--no-port-mapping: nothing mapped, the NAT detected as it is', async () => {
    const peer = await startPeer(40_001, ['--no-port-mapping']);
    peers.push(peer);
    expect(peer.ready.path).toBeUndefined();
    expect(peer.ready.natType).toBe('Port Restricted Cone');
    expect(await listed()).toEqual([]);
    expect(await pingFromOutside(ROUTER_WAN, 40_001)).toBeNull();
    peer.child.kill('SIGTERM');
    expect(await peer.exited).toBe(0);
  }, 60_000);

  it('UPnP IGD (found by unicast M-SEARCH to the gateway): mapped, listed, deleted on close', async () => {
    const script = `
      const { PortMapping } = await import(process.argv[1]);
      const { execFileSync } = await import('node:child_process');
      const m = await PortMapping.start({ internalPort: 41000, methods: ['upnp'] });
      const during = execFileSync('upnpc', ['-u', '${IGD_URL}', '-l'], { encoding: 'utf8' });
      await m?.close();
      console.log(JSON.stringify({ result: m?.result ?? null, during }));
    `;
    const { stdout } = await run(
      'ip',
      ['netns', 'exec', HOST_NS, process.execPath, '--input-type=module', '-e', script, PORT_MAPPING],
      { timeout: 20_000 },
    );
    const { result, during } = JSON.parse(stdout.trim()) as { result: unknown; during: string };
    expect(result).toEqual({
      method: 'upnp',
      external: { host: ROUTER_WAN, port: 41_000 },
      internal: { host: '10.5.0.10', port: 41_000 },
      gateway: '10.5.0.1',
      leaseSeconds: 3600,
    });
    expect(during).toMatch(/UDP 41000->10\.5\.0\.10:41000/);
    expect(await listed()).toEqual([]);
  }, 60_000);

  it('renews at half the lease (NAT-PMP, a 6 s lease: still ~4 s left after 5 s)', async () => {
    const script = `
      const { PortMapping } = await import(process.argv[1]);
      const { execFileSync } = await import('node:child_process');
      const m = await PortMapping.start({ internalPort: 42000, methods: ['nat-pmp'], leaseSeconds: 6 });
      await new Promise((r) => setTimeout(r, 5000));
      const later = execFileSync('upnpc', ['-u', '${IGD_URL}', '-l'], { encoding: 'utf8' });
      await m?.close();
      console.log(JSON.stringify({ method: m?.result.method ?? null, later }));
    `;
    const { stdout } = await run(
      'ip',
      ['netns', 'exec', HOST_NS, process.execPath, '--input-type=module', '-e', script, PORT_MAPPING],
      { timeout: 20_000 },
    );
    const { method, later } = JSON.parse(stdout.trim()) as { method: string | null; later: string };
    expect(method).toBe('nat-pmp');
    // "0 UDP 42000->10.5.0.10:42000 'NAT-PMP 42000 udp' '' <seconds left>"
    const left = Number(/UDP 42000->10\.5\.0\.10:42000 .* (\d+)\s*$/m.exec(later)?.[1]);
    expect(left, later).toBeGreaterThan(2);
    expect(await listed()).toEqual([]);
  }, 60_000);
});
