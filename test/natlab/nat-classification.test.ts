// NAT classification on real kernel NATs (nftables in network namespaces, built by lab.sh): for
// every router, our discovery (the build, run in the LAN host) against Debian's stund and against a
// Nance bootstrap's STUN service, compared with Debian's reference client `stun` against stund.
// Then the CLI in every LAN host: NAT known and registered with the bootstrap (bench/nat-startup.mjs).
// Root only; the lab is always taken down, also when a test fails.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatType } from '../../src-shared/protocol/index.js';
import { LAB, labSkipReason, ROOT } from './lab-support.js';

const run = promisify(execFile);

const DISCOVER = path.join(ROOT, 'test', 'natlab', 'discover.mjs');
const BENCH = path.join(ROOT, 'bench', 'nat-startup.mjs');
const LAB_DIR = path.join(os.tmpdir(), 'nance-natlab-test');
const ENV = { ...process.env, NZLAB_DIR: LAB_DIR };

const STUND = '198.51.100.10:3478';
const NANCE_RFC5780 = '198.51.100.10:3490';
const NANCE_PLAIN = ['203.0.113.20:3490', '198.51.100.10:3500'];

interface Site {
  name: string;
  ns: string;
  /** What lab.sh built. */
  designed: NatType;
  /** The address the internet sees. */
  publicIp: string;
}

const SITES: Site[] = [
  { name: 'none (public host)', ns: 'nz-h-open', designed: 'Open Internet', publicIp: '203.0.113.30' },
  { name: 'full cone', ns: 'nz-h-full', designed: 'Full Cone', publicIp: '198.51.100.21' },
  {
    name: 'address-restricted cone',
    ns: 'nz-h-addr',
    designed: 'Restricted Cone',
    publicIp: '198.51.100.22',
  },
  {
    name: 'port-restricted cone',
    ns: 'nz-h-port',
    designed: 'Port Restricted Cone',
    publicIp: '198.51.100.23',
  },
  { name: 'symmetric', ns: 'nz-h-sym', designed: 'Symmetric', publicIp: '198.51.100.24' },
];

/** The reference client's (Debian stun-client 0.97) verdicts, in our six names. */
const REFERENCE_WORDING: Array<[RegExp, NatType]> = [
  [/^Open\b/, 'Open Internet'],
  [/^Independent Mapping, Independent Filter/, 'Full Cone'],
  [/^Independent Mapping, Address Dependent Filter/, 'Restricted Cone'],
  [/^Independent Mapping, Port Dependent Filter/, 'Port Restricted Cone'],
  [/^Dependent Mapping/, 'Symmetric'],
  // No NAT but filtered: the mapping is the identity, the filter restricts like a port-restricted cone.
  [/^Firewall/, 'Port Restricted Cone'],
  [/^Blocked/, 'Blocked'],
];

/**
 * Debian's reference client. Not `stun` from PATH: under npm/vitest, node_modules/.bin comes first
 * and holds the `stun` npm package's CLI, which is a server.
 */
const REFERENCE_CLIENT = (process.env.PATH ?? '')
  .split(path.delimiter)
  .filter((dir) => dir && !dir.includes('node_modules'))
  .map((dir) => path.join(dir, 'stun'))
  .find((file) => existsSync(file));

const skipReason = labSkipReason(ENV, () =>
  REFERENCE_CLIENT ? undefined : 'reference client missing (apt-get install stun-client)',
);

const reason = skipReason;
const suite = reason ? describe.skip : describe;

interface Discovery {
  natType: NatType;
  publicEndpoint: { host: string; port: number } | null;
  mappingBehaviour: string;
  filteringBehaviour: string;
  confidence: string;
  notes: string[];
  durationMs: number;
}

async function discover(ns: string, servers: string[]): Promise<Discovery> {
  const args = ['netns', 'exec', ns, process.execPath, DISCOVER, ...servers.flatMap((s) => ['--server', s])];
  const { stdout } = await run('ip', args, { timeout: 15_000 });
  return JSON.parse(stdout) as Discovery;
}

async function reference(ns: string): Promise<{ line: string; natType: NatType | undefined }> {
  // The client exits with its verdict as status; only its "Primary:" line matters.
  const client = REFERENCE_CLIENT as string;
  const r = await run('ip', ['netns', 'exec', ns, client, STUND], { timeout: 30_000 }).catch(
    (err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }),
  );
  const line = /^Primary:\s*(.*)$/m.exec(r.stdout)?.[1]?.trim() ?? '(no Primary line)';
  return { line, natType: REFERENCE_WORDING.find(([re]) => re.test(line))?.[1] };
}

const results: string[] = [];

suite(`NAT lab: our classification vs the reference client${reason ? ` [skipped: ${reason}]` : ''}`, () => {
  const labDown = () => execFileSync('bash', [LAB, 'down'], { env: ENV, stdio: 'ignore', timeout: 60_000 });
  beforeAll(() => {
    // Should the worker die before afterAll, still take the lab down (a failed `up` tears down by itself).
    process.once('exit', labDown);
    execFileSync('bash', [LAB, 'up'], { env: ENV, stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  }, 90_000);

  afterAll(() => {
    try {
      process.off('exit', labDown);
      labDown();
    } finally {
      if (results.length)
        console.log(
          [
            '',
            '| router | reference (stund) | ours vs stund | ours vs Nance RFC 5780 | ours vs 2 plain Nance |',
            '|---|---|---|---|---|',
            ...results,
          ].join('\n'),
        );
    }
  }, 90_000);

  it.each(SITES)(
    '$name: ours = reference client',
    async (site) => {
      const ref = await reference(site.ns);
      const viaStund = await discover(site.ns, [STUND]);
      const viaNance = await discover(site.ns, [NANCE_RFC5780]);
      const viaPlain = await discover(site.ns, NANCE_PLAIN);
      results.push(
        `| ${site.name} | ${ref.line} → ${ref.natType} | ${viaStund.natType} (${viaStund.durationMs} ms) | ${viaNance.natType} (${viaNance.durationMs} ms) | ${viaPlain.natType} (${viaPlain.confidence}) |`,
      );

      expect(ref.natType, `reference said "${ref.line}"`).toBe(site.designed);
      for (const ours of [viaStund, viaNance]) {
        expect(ours.natType).toBe(ref.natType);
        expect(ours.confidence).toBe('high');
        expect(ours.publicEndpoint?.host).toBe(site.publicIp);
        expect(ours.durationMs).toBeLessThan(2000);
      }
      // Two plain servers tell symmetric from cone, and nothing about filtering.
      expect(viaPlain.natType).toBe(site.designed === 'Symmetric' ? 'Symmetric' : 'Port Restricted Cone');
      if (site.designed !== 'Symmetric') expect(viaPlain.filteringBehaviour).toBe('unknown');
    },
    60_000,
  );

  it('the CLI in every LAN host: NAT known and registered with the bootstrap', async () => {
    const json = path.join(LAB_DIR, 'nat-startup.json');
    const { stdout } = await run(process.execPath, [BENCH, '--no-lab', '--runs', '1', '--json', json], {
      env: ENV,
      timeout: 120_000,
    });
    console.log(stdout);
    const rows = JSON.parse(readFileSync(json, 'utf8')) as Array<{
      site: string;
      runs: Array<{ natType: string; registeredMs?: number; natKnownMs?: number }>;
    }>;
    const designed = Object.fromEntries(SITES.map((s) => [s.ns.replace('nz-h-', ''), s.designed]));
    expect(rows.map((r) => r.site)).toEqual(['open', 'full', 'addr', 'port', 'sym']);
    for (const r of rows) {
      const [one] = r.runs;
      expect(one?.natType, r.site).toBe(designed[r.site]);
      expect(one?.natKnownMs).toBeGreaterThan(0);
      expect(one?.registeredMs).toBeGreaterThan(0);
    }
  }, 150_000);
});
