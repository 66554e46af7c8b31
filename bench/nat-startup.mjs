#!/usr/bin/env node
// NAT start-up benchmark (root; uses test/natlab/lab.sh): for every lab site (no NAT, full cone,
// restricted cone, port-restricted cone, symmetric) starts the CLI build in the LAN host with the lab's
// bootstrap (which serves RFC 5780 STUN on its own socket) and measures, from process start:
//   ready       the ready line (NAT detection ran before it; natType is in it)
//   nat known   the {"event":"nat"} line
//   registered  getStatus (over --stdio) shows the bootstrap as 'registered'
//
//   node bench/nat-startup.mjs [--runs 3] [--no-lab] [--json FILE] [--sites open,full,addr,port,sym]
//
// --no-lab uses a lab that is already up (and leaves it up); otherwise the lab is brought up first and
// always taken down at the end. Needs `npm run build`.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LAB = path.join(ROOT, 'test', 'natlab', 'lab.sh');
const BIN = path.join(ROOT, 'bin', 'nance.js');
const BOOTSTRAP = '198.51.100.10:3490';
const SITES = {
  open: { ns: 'nz-h-open', label: 'none (public)' },
  full: { ns: 'nz-h-full', label: 'full cone' },
  addr: { ns: 'nz-h-addr', label: 'address-restricted cone' },
  port: { ns: 'nz-h-port', label: 'port-restricted cone' },
  sym: { ns: 'nz-h-sym', label: 'symmetric' },
};

function parseArgs(argv) {
  const o = { runs: 3, lab: true, json: undefined, sites: Object.keys(SITES) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') o.runs = Number(argv[++i]);
    else if (a === '--no-lab') o.lab = false;
    else if (a === '--json') o.json = argv[++i];
    else if (a === '--sites') o.sites = argv[++i].split(',');
    else if (a === '--help') {
      process.stdout.write(`${readHeader()}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

function readHeader() {
  return 'node bench/nat-startup.mjs [--runs 3] [--no-lab] [--json FILE] [--sites open,full,addr,port,sym]';
}

/** One start of the CLI in a namespace; resolves with the timings. */
function startOnce(ns) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nance-nat-bench-'));
  const t0 = performance.now();
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      ns,
      process.execPath,
      BIN,
      '--stdio',
      '--no-port-mapping', // this bench measures detection; the lab's plain routers map nothing
      '--data-dir',
      dataDir,
      '--bootstrap-peer',
      BOOTSTRAP,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  child.stdin.on('error', () => {});
  const out = { ns };
  return new Promise((resolve, reject) => {
    let poll;
    const finish = (err) => {
      clearTimeout(deadline);
      clearInterval(poll);
      child.once('exit', () => {
        rmSync(dataDir, { recursive: true, force: true });
        if (err) reject(err);
        else resolve(out);
      });
      child.kill('SIGTERM');
    };
    const deadline = setTimeout(
      () => finish(new Error(`${ns}: not registered within 15 s (${JSON.stringify(out)})\n${stderr}`)),
      15_000,
    );
    child.once('exit', (code) => {
      if (out.registeredMs === undefined) {
        clearTimeout(deadline);
        clearInterval(poll);
        rmSync(dataDir, { recursive: true, force: true });
        reject(new Error(`${ns}: nance exited (${code}) early\n${stderr}`));
      }
    });
    let nextId = 1;
    createInterface({ input: child.stdout }).on('line', (line) => {
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      const at = performance.now() - t0;
      if (msg.event === 'ready') {
        out.readyMs = at;
        out.natType = msg.natType;
        out.publicAddress = msg.publicAddress;
        const ask = () =>
          child.stdin.write(`${JSON.stringify({ id: nextId++, cmd: 'getStatus', args: {} })}\n`);
        ask();
        poll = setInterval(ask, 10);
      } else if (msg.event === 'nat') {
        out.natKnownMs = at;
        out.detectionMs = msg.durationMs;
        out.mapping = msg.mapping;
        out.filtering = msg.filtering;
      } else if (msg.ok && msg.result?.bootstraps && out.registeredMs === undefined) {
        const b = msg.result.bootstraps.find((x) => x.address === BOOTSTRAP);
        if (b?.state === 'registered') {
          out.registeredMs = at;
          finish();
        }
      }
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : Number.NaN;
};
const ms = (x) => (Number.isFinite(x) ? `${Math.round(x)}` : '-');

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const labUp = () => execFileSync('bash', [LAB, 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const labDown = () => {
    try {
      execFileSync('bash', [LAB, 'down'], { stdio: ['ignore', 'ignore', 'inherit'] });
    } catch {}
  };
  if (opts.lab) {
    for (const sig of ['SIGINT', 'SIGTERM']) {
      process.on(sig, () => {
        labDown();
        process.exit(130);
      });
    }
    labUp();
  }
  const rows = [];
  try {
    for (const site of opts.sites) {
      const spec = SITES[site];
      if (!spec) throw new Error(`unknown site ${site}`);
      const runs = [];
      for (let i = 0; i < opts.runs; i++) runs.push(await startOnce(spec.ns));
      rows.push({ site, router: spec.label, runs });
    }
  } finally {
    if (opts.lab) labDown();
  }

  const lines = [
    `NAT start-up in the lab (bootstrap ${BOOTSTRAP}, RFC 5780 STUN on its socket; median of ${opts.runs}; ms from process start)`,
    '',
    '| router | natType | detection | ready line | NAT known | registered |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const types = [...new Set(r.runs.map((x) => x.natType))].join(' / ');
    lines.push(
      `| ${r.router} | ${types} | ${ms(median(r.runs.map((x) => x.detectionMs)))} | ${ms(median(r.runs.map((x) => x.readyMs)))} | ${ms(median(r.runs.map((x) => x.natKnownMs)))} | ${ms(median(r.runs.map((x) => x.registeredMs)))} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify(rows, null, 2)}\n`);
}

main().catch((err) => {
  process.stderr.write(`nat-startup: ${err.stack ?? err}\n`);
  process.exit(1);
});
