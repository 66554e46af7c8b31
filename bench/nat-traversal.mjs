#!/usr/bin/env node
// NAT traversal benchmark (root; uses test/natlab/lab.sh with NZLAB_TWINS=1 in a lab of its own,
// prefix nzb-, dir $TMPDIR/nance-natlab-bench-traversal; always taken down, also on SIGINT/SIGTERM).
// Four pairs, a host behind X and a client behind Y on another router (the twin sites):
//
//   direct    host open (no NAT)        client port-restricted (nzb-h-port2)
//   punched   host port-restricted      client port-restricted (nzb-h-port2)
//   prflx     host symmetric            client full cone (nzb-h-full2): punched to a peer-reflexive address
//   relayed   host symmetric            client port-restricted (nzb-h-port2): relayed by the bootstrap
//
// By default every pair runs alone, in a lab brought up for it (the bootstrap would otherwise hand
// out the dead peers of the previous pair, and a client that learns several hosts in one sync round
// lists none of their chats before the slowest is reached: see --together). Host and client are
// started at once (CLI build, `--stdio --bootstrap-peer 198.51.100.10:3490 --no-port-mapping
// --sync-interval 1000`), and the bench measures:
//
//   1. time to a path: from the peers' start (all spawned at once) until the client's listChats
//      shows the host's chat with a non-null path; also from the moment the client first lists the
//      host in listPeers (so discovery is out of it), and the path. No refreshChats: the periodic
//      sync (every --sync-interval ms) does the work; listChats/listPeers are polled every 100 ms.
//   2. relay cost: each host fills its chat (host:null posts of 3,000 characters) to ~--chat-kb KB
//      of content; the client then reads each chat once, in full (its first read, so no incremental
//      cache), one pair after the other: read time and throughput (KB of message content per s).
//   3. post round trip: 1 warm-up, then --posts sequential postMessage calls per pair: median.
//
// --together: all four pairs in one lab at once, one client process (port2) serving the direct,
// punched and relayed hosts, a second (full2) the prflx one: shows the head-of-line effect above.
// Ratios are against the direct pair of the same run (the bare baseline). Prints a markdown table
// (median, min–max over the runs) and, as the last stdout line, one JSON object.
//
//   node bench/nat-traversal.mjs [--runs 3] [--sync-interval 1000] [--chat-kb 300] [--posts 20]
//        [--list-timeout 40] [--json FILE] [--together]
//
// Needs `npm run build`. Environment: NZLAB_PREFIX (default nzb-), NZLAB_DIR, NODE.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findHost, Peer, pathOf } from '../test/natlab/matrix.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LAB = path.join(ROOT, 'test', 'natlab', 'lab.sh');
const P = process.env.NZLAB_PREFIX || 'nzb-';
const LAB_DIR = process.env.NZLAB_DIR || path.join(os.tmpdir(), 'nance-natlab-bench-traversal');
const LAB_ENV = {
  ...process.env,
  NZLAB_PREFIX: P,
  NZLAB_DIR: LAB_DIR,
  NZLAB_TWINS: '1',
  NZLAB_SERVICES: 'stund nance',
};
const MSG_CHARS = 3000;

const PAIRS = [
  { key: 'direct', host: 'open', client: 'port2', label: 'host open ← client port-restricted' },
  { key: 'punched', host: 'port', client: 'port2', label: 'host port-restricted ← client port-restricted' },
  { key: 'prflx', host: 'sym', client: 'full2', label: 'host symmetric ← client full cone' },
  { key: 'relayed', host: 'sym', client: 'port2', label: 'host symmetric ← client port-restricted' },
];

const log = (msg) =>
  process.stderr.write(`[nat-traversal ${new Date().toISOString().slice(11, 23)}] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const short = (err) =>
  String(err?.message ?? err)
    .split('\n')[0]
    .slice(0, 300);

function parseArgs(argv) {
  const o = {
    runs: 3,
    syncMs: 1000,
    chatKb: 300,
    posts: 20,
    listTimeoutS: 40,
    json: undefined,
    together: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
      return v;
    };
    if (a === '--runs') o.runs = num();
    else if (a === '--sync-interval') o.syncMs = num();
    else if (a === '--chat-kb') o.chatKb = num();
    else if (a === '--posts') o.posts = num();
    else if (a === '--list-timeout') o.listTimeoutS = num();
    else if (a === '--json') o.json = argv[++i];
    else if (a === '--together') o.together = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'node bench/nat-traversal.mjs [--runs 3] [--sync-interval 1000] [--chat-kb 300] [--posts 20] [--list-timeout 40] [--json FILE] [--together]\n',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const stats = (xs) => {
  const s = xs.filter(Number.isFinite);
  return {
    median: median(s),
    min: s.length ? Math.min(...s) : Number.NaN,
    max: s.length ? Math.max(...s) : Number.NaN,
    n: s.length,
  };
};

// ------------------------------------------------------------------ lab
const labUp = () => {
  execFileSync('bash', [LAB, 'up'], {
    env: LAB_ENV,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 120_000,
  });
};
const labDown = () => {
  try {
    execFileSync('bash', [LAB, 'down'], {
      env: LAB_ENV,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 60_000,
    });
  } catch (err) {
    log(`lab down failed: ${short(err)}`);
  }
};

// ------------------------------------------------------------------ one run
function filler(i) {
  const head = `message ${i} `;
  let s = head;
  while (s.length < MSG_CHARS) s += 'lorem ipsum dolor sit amet consectetur adipiscing elit ';
  return s.slice(0, MSG_CHARS);
}

async function oneRun(opts, state, runIndex, pairs) {
  const dir = mkdtempSync(path.join(LAB_DIR, 'bench', `run${runIndex}-`));
  const at0 = Date.now();
  const peers = new Map();
  const mk = (role, kind) => {
    const name = `${role}-${kind}`;
    const peer = new Peer(name, `${P}h-${kind}`, path.join(dir, name), { syncIntervalMs: opts.syncMs });
    mkdirSync(peer.dataDir);
    peers.set(name, peer);
    state.peers.push(peer);
    return peer;
  };
  const hostKinds = [...new Set(pairs.map((p) => p.host))];
  const clientKinds = [...new Set(pairs.map((p) => p.client))];
  const hosts = hostKinds.map((k) => mk('host', k));
  const clients = clientKinds.map((k) => mk('client', k));
  const run = { run: runIndex, peers: {}, pairs: {} };
  try {
    // All five spawned at once: t0 is the spawn of every peer (the Peer sets its t0 at spawn).
    const t0 = Date.now();
    const chats = new Map();
    await Promise.all([
      ...hosts.map(async (h) => {
        await h.start();
        const chat = await h.call('createChat', {
          name: `bench ${h.name}`,
          message: `hello from ${h.name}`,
          author: h.name,
        });
        chats.set(h.name, { uuid: chat.uuid, createdMs: Date.now() - t0 });
      }),
      ...clients.map((c) => c.start()),
    ]);
    for (const p of peers.values())
      run.peers[p.name] = {
        readyMs: p.readyMs,
        natType: p.ready.natType,
        publicAddress: p.ready.publicAddress,
      };

    // 1) time to a path
    const pending = new Map(
      pairs.map((pair) => {
        const host = peers.get(`host-${pair.host}`);
        return [
          pair.key,
          {
            pair,
            hostIp: host.ready.publicAddress?.host,
            chat: chats.get(host.name),
            knownMs: null,
          },
        ];
      }),
    );
    const deadline = t0 + opts.listTimeoutS * 1000;
    while (pending.size && Date.now() < deadline && !state.aborted) {
      for (const c of clients) {
        const mine = [...pending.values()].filter((x) => `client-${x.pair.client}` === c.name);
        if (!mine.length) continue;
        const [list, known] = await Promise.all([c.call('listChats', {}), c.call('listPeers', {})]);
        const now = Date.now() - t0;
        for (const x of mine) {
          if (x.knownMs === null && known.some((k) => k.host === x.hostIp)) x.knownMs = now;
          const entry = findHost(list, x.chat.uuid);
          if (entry?.path) {
            run.pairs[x.pair.key] = {
              hostReadyMs: peers.get(`host-${x.pair.host}`).readyMs,
              clientReadyMs: peers.get(`client-${x.pair.client}`).readyMs,
              // from the later ready line of the two (NAT detection is done; the first sync round starts)
              sinceReadyMs:
                now -
                Math.max(
                  peers.get(`host-${x.pair.host}`).readyMs,
                  peers.get(`client-${x.pair.client}`).readyMs,
                ),
              chatCreatedMs: x.chat.createdMs,
              peerKnownMs: x.knownMs, // null: the host never showed up in listPeers
              listedMs: now,
              sinceKnownMs: x.knownMs === null ? null : now - x.knownMs,
              pathAtListing: pathOf(entry),
              actualAtListing: entry.path.actual,
              endpoint: entry.host,
            };
            pending.delete(x.pair.key);
          } else if (entry && !x.listedNoPathMs) x.listedNoPathMs = now;
        }
      }
      await sleep(100);
    }
    for (const x of pending.values()) {
      run.pairs[x.pair.key] = {
        error: `not listed with a path within ${opts.listTimeoutS} s (peer known: ${x.knownMs ?? 'no'})`,
      };
      log(`run ${runIndex} ${x.pair.key}: ${run.pairs[x.pair.key].error}`);
    }

    // 2) fill every host's chat to ~chatKb KB of content (host:null posts), then read each once
    const target = opts.chatKb * 1000;
    await Promise.all(
      hosts.map(async (h) => {
        const uuid = chats.get(h.name).uuid;
        let bytes = `hello from ${h.name}`.length;
        for (let i = 1; bytes < target; i++) {
          const content = filler(i);
          await h.call('postMessage', { host: null, chatUuid: uuid, name: h.name, content }, 20_000);
          bytes += content.length;
        }
        const { messages: all } = await h.call('readChat', { host: null, chatUuid: uuid }, 20_000);
        chats.get(h.name).messages = all.length;
        chats.get(h.name).bytes = all.reduce((s, m) => s + Buffer.byteLength(m.content), 0);
      }),
    );
    for (const pair of pairs) {
      const r = run.pairs[pair.key];
      if (r.error) continue;
      const client = peers.get(`client-${pair.client}`);
      const chat = chats.get(`host-${pair.host}`);
      const ref = { host: r.endpoint, chatUuid: chat.uuid };
      try {
        const t = performance.now();
        const { messages } = await client.call('readChat', ref, 120_000);
        r.readMs = performance.now() - t;
        const bytes = messages.reduce((s, m) => s + Buffer.byteLength(m.content), 0);
        if (messages.length !== chat.messages || bytes !== chat.bytes)
          throw new Error(
            `read ${messages.length} messages / ${bytes} B, the host has ${chat.messages} / ${chat.bytes}`,
          );
        r.readBytes = bytes;
        r.readMessages = messages.length;
        r.readKBps = bytes / 1000 / (r.readMs / 1000);
      } catch (err) {
        r.readError = short(err);
        log(`run ${runIndex} ${pair.key}: read failed: ${r.readError}`);
      }
      r.pathAfterRead = pathOf(findHost(await client.call('listChats', {}), chat.uuid));
    }

    // 3) post round trip
    for (const pair of pairs) {
      const r = run.pairs[pair.key];
      if (r.error) continue;
      const client = peers.get(`client-${pair.client}`);
      const ref = { host: r.endpoint, chatUuid: chats.get(`host-${pair.host}`).uuid };
      const rtts = [];
      try {
        for (let i = 0; i <= opts.posts; i++) {
          const content = `post ${i} from ${client.name} over ${pair.key} (${Date.now()})`;
          const t = performance.now();
          await client.call('postMessage', { ...ref, name: client.name, content }, 20_000);
          if (i > 0) rtts.push(performance.now() - t); // post 0 is the warm-up
        }
      } catch (err) {
        r.postError = short(err);
        log(`run ${runIndex} ${pair.key}: post failed: ${r.postError}`);
      }
      r.postRtts = rtts;
      r.postMedianMs = median(rtts);
      r.pathAfterPosts = pathOf(findHost(await client.call('listChats', {}), ref.chatUuid));
    }
  } catch (err) {
    run.fatal = short(err);
    log(`run ${runIndex} failed: ${run.fatal}`);
  } finally {
    await Promise.all([...peers.values()].map((p) => p.stop().catch(() => {})));
    for (const p of peers.values())
      if (p.exit && !p.stopping)
        run.peers[p.name] = { ...run.peers[p.name], exitedEarly: p.exit, stderr: p.stderr.slice(-600) };
    rmSync(dir, { recursive: true, force: true });
  }
  run.durationMs = Date.now() - at0;
  return run;
}

/** Ratios against the direct pair of the same run. */
function addRatios(run) {
  const d = run.pairs.direct;
  for (const pair of PAIRS) {
    const r = run.pairs[pair.key];
    if (!r || r.error) continue;
    if (d && Number.isFinite(d.readMs) && Number.isFinite(r.readMs)) r.readRatio = r.readMs / d.readMs;
    if (d && Number.isFinite(d.postMedianMs) && Number.isFinite(r.postMedianMs))
      r.postRatio = r.postMedianMs / d.postMedianMs;
  }
}

// ------------------------------------------------------------------ main
const fmt = (s, digits = 0) =>
  Number.isFinite(s.median)
    ? s.n > 1
      ? `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`
      : s.median.toFixed(digits)
    : '-';

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`nat-traversal.mjs: ${err.message}\n`);
    process.exit(2);
  }
  const state = { peers: [], aborted: false };
  let labIsUp = false;
  const killPeers = () => {
    for (const p of state.peers)
      if (p.child && !p.exit) {
        p.stopping = true;
        p.child.kill('SIGKILL');
      }
  };
  const onSignal = (sig) => {
    log(`${sig}: tearing down`);
    state.aborted = true;
    killPeers();
    if (labIsUp) labDown();
    labIsUp = false;
    rmSync(path.join(LAB_DIR, 'bench'), { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', () => {
    killPeers();
    if (labIsUp) labDown();
  });

  const started = Date.now();
  const runs = [];
  // Isolated (default): one pair per lab, so a slow pair cannot hold up another's listing.
  // --together: all pairs in one lab, one client serving three hosts (see the header).
  const groups = opts.together ? [PAIRS] : PAIRS.map((p) => [p]);
  for (let i = 1; i <= opts.runs && !state.aborted; i++) {
    const run = { run: i, peers: {}, pairs: {}, fatal: undefined };
    for (const group of groups) {
      log(`run ${i}/${opts.runs} ${group.map((p) => p.key).join('+')}: lab up (prefix ${P}, twins)`);
      labIsUp = true;
      labUp();
      mkdirSync(path.join(LAB_DIR, 'bench'), { recursive: true });
      const part = await oneRun(opts, state, i, group);
      state.peers = [];
      const tag = opts.together ? '' : `${group[0].key}/`;
      for (const [k, v] of Object.entries(part.peers)) run.peers[`${tag}${k}`] = v;
      Object.assign(run.pairs, part.pairs);
      if (part.fatal) run.fatal = `${run.fatal ? `${run.fatal}; ` : ''}${tag}${part.fatal}`;
      labDown();
      labIsUp = false;
    }
    addRatios(run);
    runs.push(run);
    log(
      `run ${i}: ${PAIRS.map((p) => {
        const r = run.pairs[p.key] ?? {};
        return `${p.key} ${r.pathAtListing ?? '✗'} @${r.listedMs ?? '-'} ms, read ${Math.round(r.readMs) || '-'} ms, post ${r.postMedianMs?.toFixed(1) ?? '-'} ms`;
      }).join('; ')}`,
    );
  }
  rmSync(path.join(LAB_DIR, 'bench'), { recursive: true, force: true });

  const summary = PAIRS.map((pair) => {
    const rs = runs.map((r) => r.pairs[pair.key] ?? { error: r.fatal ?? 'no result' });
    const ok = rs.filter((r) => !r.error);
    const count = (field) => {
      const c = {};
      for (const r of ok) c[r[field]] = (c[r[field]] ?? 0) + 1;
      return Object.entries(c)
        .map(([k, n]) => `${k}${n > 1 ? ` ×${n}` : ''}`)
        .join(', ');
    };
    return {
      key: pair.key,
      label: pair.label,
      ok: ok.length,
      errors: rs
        .filter((r) => r.error || r.readError || r.postError)
        .map((r) => r.error ?? r.readError ?? r.postError),
      paths: count('pathAtListing'),
      pathsAfterRead: count('pathAfterRead'),
      prflxActual: ok.filter((r) => r.actualAtListing).length,
      listedMs: stats(ok.map((r) => r.listedMs)),
      peerKnownMs: stats(ok.map((r) => r.peerKnownMs)),
      sinceKnownMs: stats(ok.map((r) => r.sinceKnownMs)),
      sinceReadyMs: stats(ok.map((r) => r.sinceReadyMs)),
      readMs: stats(ok.map((r) => r.readMs)),
      readKBps: stats(ok.map((r) => r.readKBps)),
      readRatio: stats(ok.map((r) => r.readRatio)),
      postMs: stats(ok.map((r) => r.postMedianMs)),
      postRatio: stats(ok.map((r) => r.postRatio)),
      chatBytes: median(ok.map((r) => r.readBytes)),
      chatMessages: median(ok.map((r) => r.readMessages)),
    };
  });

  const lines = [
    `NAT traversal in the lab (bootstrap 198.51.100.10:3490 as rendezvous and relay; --sync-interval ${opts.syncMs}; ${opts.runs} runs, ${opts.together ? 'all pairs together in one lab per run' : 'each pair alone in a fresh lab'}: median (min–max))`,
    `Time in ms from the start of the peers (all spawned at once); "after both ready" from the later of the two ready lines (NAT detection done); "after known" from the client's first listPeers entry of the host. Read: one full read of a ~${opts.chatKb} KB chat (content bytes). Post: median of ${opts.posts} sequential postMessage calls per run. Ratios against the direct pair of the same run.`,
    '',
    '| pair | path at listing | host known | listed with path | after both ready | after known | read ms | read KB/s | read ×direct | post RTT ms | post ×direct |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of summary) {
    lines.push(
      `| ${s.key}: ${s.label} | ${s.paths || '✗'}${s.prflxActual ? ` (actual≠announced ×${s.prflxActual})` : ''} | ${fmt(s.peerKnownMs)} | ${fmt(s.listedMs)} | ${fmt(s.sinceReadyMs)} | ${fmt(s.sinceKnownMs)} | ${fmt(s.readMs)} | ${fmt(s.readKBps)} | ${fmt(s.readRatio, 2)} | ${fmt(s.postMs, 1)} | ${fmt(s.postRatio, 2)} |`,
    );
  }
  const chat = summary.find((s) => Number.isFinite(s.chatBytes));
  if (chat) lines.push('', `Chat read: ${chat.chatMessages} messages, ${chat.chatBytes} bytes of content.`);
  for (const s of summary) for (const e of s.errors) lines.push(`- ${s.key}: ${e}`);
  const pathChanges = summary.filter((s) => s.pathsAfterRead && s.pathsAfterRead !== s.paths);
  for (const s of pathChanges)
    lines.push(`- ${s.key}: path at listing ${s.paths}, after the read ${s.pathsAfterRead}`);
  process.stdout.write(`${lines.join('\n')}\n`);

  const out = {
    bench: 'nance-nat-traversal',
    at: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    options: opts,
    summary,
    runs: runs.map((r) => ({
      ...r,
      pairs: Object.fromEntries(
        Object.entries(r.pairs).map(([k, v]) => [
          k,
          { ...v, postRtts: v.postRtts?.map((x) => Math.round(x * 100) / 100) },
        ]),
      ),
    })),
  };
  const json = JSON.stringify(out);
  if (opts.json) writeFileSync(opts.json, `${json}\n`);
  process.stdout.write(`${json}\n`);
  process.exitCode = summary.every((s) => s.ok === opts.runs && !s.errors.length) ? 0 : 1;
}

main().catch((err) => {
  process.stderr.write(`nat-traversal: ${err.stack ?? err}\n`);
  process.exit(1);
});
