// The pair matrix: every ordered pair of NAT behaviours chats — the host behind X (open, full, addr,
// port, sym, or upnp: behind a port-restricted router running miniupnpd, mapping its port) hosts a
// chat, a client behind Y (open, full, addr, port, sym; a second router of kind Y) lists it, reads
// it, posts to it, and the host sees the post. With `--reach` (issue 15) also the reach sites —
// double NAT (cgn), 30 s router (t30), dual-stack port-restricted (port6) and symmetric (sym6) —
// against every textbook site both ways and against each other. test/natlab/matrix.mjs does the
// work (its own lab, prefix nzx-, with NZLAB_TWINS=1, NZLAB_REACH=1 and NZLAB_SERVICES="stund nance
// miniupnpd", always taken down); this file runs it once and checks its JSON:
//   - all 86 pairs ok,
//   - every pair reports a path (direct, punched, mapped, relayed),
//   - a pair without a symmetric side is not relayed,
//   - the upnp row's path is exactly `mapped`,
//   - a dual-stack client takes direct IPv6 to a dual-stack host it can probe: the public host (no
//     firewall), or the other dual-stack site, which reads it too (both probe: docs/nat.md "Limits"),
//   - the double-NAT peer is port-restricted at the carrier-grade NAT's address.
// Root only; skipped with one reason line otherwise. Without miniupnpd (`lab.sh check` with it says
// why) only the upnp row is skipped, with that reason, and the other 25 pairs are checked. Hard
// limits: the script kills its peers after 150 s (and waits at most ~60 s for another lab's
// miniupnpd), this test kills the script after 260 s: a failure is a per-pair message, never a hang.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { labSkipReason, ROOT } from './lab-support.js';
import { allPairs } from './matrix.mjs';

const MATRIX = path.join(ROOT, 'test', 'natlab', 'matrix.mjs');
const LAB_DIR = path.join(os.tmpdir(), 'nance-natlab-matrix-test');
// Not matrix.mjs's default (nzm-): a manual run of the script can go on beside the test.
const P = 'nzx-';
const ENV = { ...process.env, NZLAB_DIR: LAB_DIR, NZLAB_PREFIX: P, NZLAB_TWINS: '1', NZLAB_REACH: '1' };
const JSON_OUT = path.join(os.tmpdir(), `nance-matrix-${process.pid}.json`);

const KINDS = ['open', 'full', 'addr', 'port', 'sym'] as const;
const REACH = ['cgn', 't30', 'port6', 'sym6'] as const;
type Kind = (typeof KINDS)[number] | (typeof REACH)[number];
type HostKind = Kind | 'upnp';
const PATHS = ['direct', 'punched', 'mapped', 'relayed'];
const SYMMETRIC: readonly string[] = ['sym', 'sym6'];
/** Dual-stack client and a host it reaches over IPv6 whatever the host does (see the top). */
const IPV6_PAIRS = ['open:port6', 'open:sym6', 'port6:sym6', 'sym6:port6'];

interface PairResult {
  key: string;
  host: HostKind;
  client: Kind;
  ok: boolean;
  skipped: string | null;
  step: string;
  error: string | null;
  path: string;
  family: string | null;
  /** The path once every pair was done (an IPv6 path may come up after the post). */
  settled: { path: string; family: string | null } | null;
  listedMs: number | null;
}

interface PeerInfo {
  name: string;
  natType: string | null;
  publicAddress: { host: string; port: number } | null;
}

interface MatrixResult {
  fatal: string | null;
  pairs: PairResult[];
  skipped: Record<string, string>;
  durationMs: number;
  peers: PeerInfo[];
}

const skipReason = labSkipReason(ENV);
// The upnp row needs miniupnpd in the lab: the same check matrix.mjs makes before it runs the row.
const upnpReason = skipReason
  ? undefined
  : labSkipReason({ ...ENV, NZLAB_SERVICES: 'stund nance miniupnpd' });

const reason = skipReason;
const suite = reason ? describe.skip : describe;

let result: MatrixResult | undefined;
let runError = '';

suite(`NAT lab: every pair of NAT behaviours chats${reason ? ` [skipped: ${reason}]` : ''}`, () => {
  beforeAll(async () => {
    rmSync(JSON_OUT, { force: true });
    // matrix.mjs brings its lab up and always down (also on SIGTERM, which a timeout sends).
    const out = await new Promise<{ stdout: string; stderr: string; err: Error | null }>((resolve) => {
      execFile(
        process.execPath,
        [MATRIX, '--reach', '--json', JSON_OUT, '--list-timeout', '40', '--timeout', '150'],
        { env: ENV, timeout: 260_000, killSignal: 'SIGTERM', maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => resolve({ stdout, stderr, err }),
      );
    });
    console.log(
      out.stdout
        .split('\n')
        .filter((l) => !l.startsWith('{'))
        .join('\n'),
    );
    if (existsSync(JSON_OUT)) {
      result = JSON.parse(readFileSync(JSON_OUT, 'utf8')) as MatrixResult;
      rmSync(JSON_OUT, { force: true });
    } else {
      runError = `matrix.mjs wrote no result (${out.err?.message ?? 'no error'})\n${out.stderr.slice(-3000)}`;
    }
  }, 300_000);

  it('the matrix ran', () => {
    expect(runError, runError).toBe('');
    expect(result?.fatal ?? null, 'matrix.mjs could not run').toBeNull();
    const keys = result?.pairs.map((p) => p.key).sort();
    expect(keys).toEqual(
      allPairs(true)
        .map((p) => `${p.host}:${p.client}`)
        .sort(),
    );
    // 30 textbook pairs; per reach site 5 rows, 6 columns (upnp too), and 3 other reach sites.
    expect(keys).toHaveLength(30 + REACH.length * (5 + 6 + REACH.length - 1));
  });

  it(`the upnp row ran${upnpReason ? ' (or was skipped: miniupnpd cannot run here)' : ''}`, () => {
    const upnp = result?.pairs.filter((p) => p.host === 'upnp') ?? [];
    if (upnpReason) {
      // Skipped for the reason found here, and nothing else skipped.
      expect(result?.skipped, 'the upnp row should be skipped').toEqual({ upnp: upnpReason });
      for (const p of upnp) expect(p.skipped, `${p.key} is not skipped`).toBe(upnpReason);
    } else {
      // miniupnpd can run here: the row must have run (e.g. not skipped because `lab.sh up` failed).
      expect(result?.skipped, `rows skipped: ${JSON.stringify(result?.skipped)}`).toEqual({});
    }
    for (const p of result?.pairs ?? [])
      if (p.host !== 'upnp') expect(p.skipped, `${p.key} skipped`).toBeNull();
  });

  const pair = (h: HostKind, c: Kind) => result?.pairs.find((p) => p.host === h && p.client === c);

  const checkPair = (h: HostKind, c: Kind) => {
    const p = pair(h, c);
    expect(p, `no result for ${h}:${c} (${runError || 'see the matrix output'})`).toBeDefined();
    if (!p) return;
    expect(p.skipped, `${h}:${c} skipped: ${p.skipped}`).toBeNull();
    expect(p.ok, `${h}:${c} failed at "${p.step}": ${p.error}`).toBe(true);
    expect(PATHS, `${h}:${c} reports path "${p.path}"`).toContain(p.path);
    if (!SYMMETRIC.includes(h) && !SYMMETRIC.includes(c)) {
      expect(p.path, `${h}:${c} has no symmetric side but is relayed`).not.toBe('relayed');
    }
    // A host that mapped its port is reached at the mapping, from behind any NAT.
    if (h === 'upnp') expect(p.path, `${h}:${c}: the host mapped its port`).toBe('mapped');
  };

  describe.each(KINDS)('host behind %s', (h) => {
    it.each(KINDS)(`client behind %s: lists, reads, posts; the host sees it`, (c) => checkPair(h, c));
    it.each(REACH)(`reach client behind %s: lists, reads, posts; the host sees it`, (c) => checkPair(h, c));
  });

  describe.each(REACH)('reach host behind %s', (h) => {
    it.each(KINDS)(`client behind %s: lists, reads, posts; the host sees it`, (c) => checkPair(h, c));
    it.each(REACH.filter((c) => c !== h))(`reach client behind %s: lists, reads, posts`, (c) =>
      checkPair(h, c),
    );
  });

  it.each(IPV6_PAIRS)('dual-stack pair %s (HOST:CLIENT) ends on direct IPv6', (key) => {
    const p = result?.pairs.find((x) => x.key === key);
    expect(p?.ok, `${key} did not chat: ${p?.error}`).toBe(true);
    const settled = `${p?.settled?.path} ${p?.settled?.family}`;
    expect(settled, `${key}: the path once the round was done`).toBe('direct ipv6');
  });

  it('the double-NAT peer is port-restricted at the carrier-grade NAT; the 30 s router is port-restricted', () => {
    const peer = (name: string) => result?.peers.find((p) => p.name === name);
    expect(peer('reach-cgn')?.natType).toBe('Port Restricted Cone');
    expect(peer('reach-cgn')?.publicAddress?.host).toBe('198.51.100.27');
    expect(peer('reach-t30')?.natType).toBe('Port Restricted Cone');
    expect(peer('reach-t30')?.publicAddress?.host).toBe('198.51.100.26');
  });

  const upnpSuite = upnpReason ? describe.skip : describe;
  upnpSuite(`host behind upnp (port mapped)${upnpReason ? ` [skipped: ${upnpReason}]` : ''}`, () => {
    it.each([...KINDS, ...REACH])(
      `client behind %s: reaches the host at its mapped port (path mapped)`,
      (c) => checkPair('upnp', c),
    );
  });
});
