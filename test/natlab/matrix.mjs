#!/usr/bin/env node
// The pair matrix (root; uses test/natlab/lab.sh with NZLAB_TWINS=1 and
// NZLAB_SERVICES="stund nance miniupnpd"): can every pair of NAT behaviours chat? For X in {open,
// full, addr, port, sym, upnp} and Y in {open, full, addr, port, sym}: a host behind X hosts a chat
// and a client behind Y (on a DIFFERENT router of kind Y: the twin sites) lists it, reads it and
// posts to it, and the host then sees the post. 30 ordered pairs, all run at once over 11 CLI peers:
//
//   hosts    nzm-h-open  nzm-h-full  nzm-h-addr  nzm-h-port  nzm-h-sym  nzm-h-upnp  (one chat each)
//   clients  nzm-h-open2 nzm-h-full2 nzm-h-addr2 nzm-h-port2 nzm-h-sym2             (list/read/post all 6)
//
// Every peer runs with --no-port-mapping except the upnp host: it sits behind nzm-r-upnp (a
// port-restricted masquerade running miniupnpd), maps its port by NAT-PMP/UPnP, and so is reached like
// a full cone at the mapped address (path `mapped`). When the lab cannot run miniupnpd here (`lab.sh
// check` with it says why, e.g. not installed), the upnp row is skipped with that one reason
// (`skipped` in the pairs and at the top of the JSON) and the other 25 pairs run as before.
//
// With --reach (lab.sh NZLAB_REACH=1, issue 15) also the reach sites, one peer each that hosts a chat
// and reads everyone's: cgn (double NAT: CGNAT + home router), t30 (router forgetting idle UDP
// flows after 30 s), port6 and sym6 (dual-stack, IPv6 routed through a stateful firewall): each
// against the five textbook kinds both ways (and the upnp host) and against the other reach sites,
// 86 pairs in all.
//
// Per pair: ok or the step that failed (start, create, list, read, post, seen) with its error, the
// path of the host as the client's listChats reports it (`hosts[].path.kind`: direct, punched,
// mapped, relayed; "?" when the build has no `path` field, "none" when it is null) and its `family`,
// read right after the post (the path the pair chatted over); `settled`: the same read once every
// pair is done, at least 15 s into the round (an IPv6 path may come up after the post; an idle path
// may have been dropped: "none"); and the time from the start of the round to the first listing.
// Prints a markdown table (rows: host behind X, columns: client behind Y; a cell is the path after
// the post, or "direct IPv6" when the pair settled there; a skipped pair is `skipped`, a pair not
// run `–`) and, as the last stdout line, one JSON object with everything.
//
//   node test/natlab/matrix.mjs [--reach] [--pairs port:sym,sym:sym] [--keep] [--no-lab]
//        [--json FILE] [--list-timeout 40] [--timeout 150]
//
//   --reach        add the reach sites (above)
//   --pairs        HOST:CLIENT kinds to run (default: all); HOST also upnp, e.g. upnp:port
//   --keep         leave the lab (and the peers' data dirs) up for debugging; `lab.sh down` later with
//                  NZLAB_PREFIX=nzm- NZLAB_DIR=$TMPDIR/nance-natlab-matrix
//   --no-lab       use a lab that is already up (same prefix/dir) and leave it up
//   --json FILE    also write the JSON object to FILE
//   --list-timeout seconds a client waits for a host's chat to be listed (default 40)
//   --timeout      hard limit for the whole round, seconds (default 150)
//
// Environment: NZLAB_PREFIX (default nzm-), NZLAB_DIR (default $TMPDIR/nance-natlab-matrix), NODE.
// Needs `npm run build`. Exit status: 0 all pairs ok (skipped ones aside), 1 some failed, 2 could not
// run.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LAB = path.join(ROOT, 'test', 'natlab', 'lab.sh');
const BIN = path.join(ROOT, 'bin', 'nance.js');
const BUILT = path.join(ROOT, 'build', 'src-main', 'host', 'cli', 'main.js');
/** When build/ was last written (the peers run whatever build/ holds when they start). */
const buildTime = () => {
  try {
    return statSync(BUILT).mtime.toISOString();
  } catch {
    return null;
  }
};
const NODE = process.env.NODE || process.execPath;
const BOOTSTRAP = '198.51.100.10:3490';
const SYNC_INTERVAL_MS = 2000;
const POLL_MS = 1000;
/** The settled paths are read no earlier than this into the round (reach-v6.test.ts allows 20 s). */
const SETTLE_MS = 15_000;
/** A peer's ready line: 15 peers start at once, ~1 s each alone, 13–19 s seen on a loaded machine. */
const START_WAIT_MS = 45_000;
/** How long the round waits for every peer to join its bootstrap. */
const JOIN_WAIT_MS = 20_000;

/** The NAT kinds: every one has a host (row) and a client (column). */
export const KINDS = ['open', 'full', 'addr', 'port', 'sym'];
/** The host rows: the kinds plus `upnp`, a host that maps its port through miniupnpd. */
export const HOST_KINDS = [...KINDS, 'upnp'];
/**
 * The reach sites (`--reach`, lab.sh NZLAB_REACH=1, issue 15): a double NAT, a router that forgets
 * idle flows after 30 s, and dual-stack port-restricted and symmetric sites. Each runs ONE peer that
 * both hosts a chat (a row) and reads everyone's (a column).
 */
export const REACH_KINDS = ['cgn', 't30', 'port6', 'sym6'];
/** The plain bootstrap's IPv6 side (lab.sh, NZLAB_REACH): the dual-stack peers measure IPv6 there. */
const STUN6 = '[2001:db8::10]:3500';
const LABELS = {
  open: 'open (no NAT)',
  full: 'full cone',
  addr: 'addr-restricted',
  port: 'port-restricted',
  sym: 'symmetric',
  upnp: 'upnp (port mapped)',
  cgn: 'double NAT (CGNAT + home)',
  t30: '30 s router',
  port6: 'port-restricted, dual-stack',
  sym6: 'symmetric, dual-stack',
};

const P = process.env.NZLAB_PREFIX || 'nzm-';
const LAB_DIR = process.env.NZLAB_DIR || path.join(os.tmpdir(), 'nance-natlab-matrix');
const BASE_SERVICES = 'stund nance';
const UPNP_SERVICES = 'stund nance miniupnpd';
/**
 * The lab's environment; `upnp`: with miniupnpd (the router nzm-r-upnp and its host nzm-h-upnp);
 * `reach`: with the reach sites and IPv6.
 */
const labEnv = (upnp, reach) => ({
  ...process.env,
  NZLAB_PREFIX: P,
  NZLAB_DIR: LAB_DIR,
  NZLAB_TWINS: '1',
  NZLAB_REACH: reach ? '1' : '0',
  NZLAB_SERVICES: upnp ? UPNP_SERVICES : BASE_SERVICES,
});

/**
 * Why the upnp row cannot run here (`lab.sh check` with miniupnpd: its one reason line), or null.
 * Also used by matrix.test.ts, so the test knows beforehand whether the row runs.
 */
export function upnpSkipReason(env = process.env) {
  const r = spawnSync('bash', [LAB, 'check'], {
    encoding: 'utf8',
    env: { ...env, NZLAB_SERVICES: UPNP_SERVICES },
    timeout: 30_000,
  });
  if (r.status === 0) return null;
  return (r.stdout || r.stderr || 'lab.sh check failed').trim().split('\n')[0];
}

/** miniupnpd's last words in the lab's log (why `lab.sh up` with it failed), or "". */
function miniupnpdFailure() {
  try {
    const lines = readFileSync(path.join(LAB_DIR, 'logs', 'miniupnpd.log'), 'utf8')
      .trim()
      .split('\n');
    const bad = lines.filter((l) => /already running|error|fail|exit/i.test(l));
    return (bad.at(-1) ?? lines.at(-1) ?? '').replace(/^miniupnpd\[\d+\]: /, '').slice(0, 200);
  } catch {
    return '';
  }
}
/**
 * How long to keep trying `lab.sh up` while another lab's miniupnpd holds /var/run/miniupnpd.pid
 * before skipping the upnp row, seconds (a failed try takes ~12 s: lab.sh waits 10 s for miniupnpd).
 */
const UPNP_WAIT_S = 45;

const isReach = (kind) => REACH_KINDS.includes(kind);
/** The peer that hosts kind's chat, and the one that reads as kind: one peer for a reach site. */
const hostName = (kind) => (isReach(kind) ? `reach-${kind}` : `host-${kind}`);
const clientName = (kind) => (isReach(kind) ? `reach-${kind}` : `client-${kind}`);
const hostNs = (kind) => `${P}h-${kind}`;
const clientNs = (kind) =>
  isReach(kind) ? hostNs(kind) : kind === 'open' ? `${P}h-open2` : `${P}h-${kind}2`;

/**
 * Every ordered pair the matrix runs: the 30 textbook pairs, and with `reach` every reach site
 * against every textbook site both ways (the upnp host too) and against each other site.
 */
export function allPairs(reach = false) {
  const pairs = HOST_KINDS.flatMap((h) => KINDS.map((c) => ({ host: h, client: c })));
  if (!reach) return pairs;
  for (const r of REACH_KINDS) {
    for (const c of KINDS) pairs.push({ host: r, client: c });
    for (const h of HOST_KINDS) pairs.push({ host: h, client: r });
    for (const o of REACH_KINDS) if (o !== r) pairs.push({ host: r, client: o });
  }
  return pairs;
}

const log = (msg) => process.stderr.write(`[matrix ${new Date().toISOString().slice(11, 23)}] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function parseArgs(argv) {
  const o = {
    keep: false,
    lab: true,
    reach: false,
    json: undefined,
    pairs: undefined,
    listTimeoutS: 40,
    timeoutS: 150,
  };
  let pairsArg;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--keep') o.keep = true;
    else if (a === '--reach') o.reach = true;
    else if (a === '--no-lab') o.lab = false;
    else if (a === '--json') o.json = value();
    else if (a === '--list-timeout') o.listTimeoutS = Number(value());
    else if (a === '--timeout') o.timeoutS = Number(value());
    else if (a === '--pairs') pairsArg = value();
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'node test/natlab/matrix.mjs [--reach] [--pairs port:sym,...] [--keep] [--no-lab] [--json FILE] [--list-timeout 40] [--timeout 150]\n',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  const known = allPairs(o.reach);
  o.pairs = pairsArg
    ? pairsArg
        .split(',')
        .filter(Boolean)
        .map((p) => {
          const [h, c] = p.split(':');
          if (!known.some((k) => k.host === h && k.client === c))
            throw new Error(
              `bad pair "${p}": HOST:CLIENT, HOST one of ${HOST_KINDS.join(', ')}, CLIENT one of ${KINDS.join(', ')}${o.reach ? `; with --reach also ${REACH_KINDS.join(', ')} on either side (not against itself)` : ' (--reach adds more)'}`,
            );
          return { host: h, client: c };
        })
    : known;
  return o;
}

// ------------------------------------------------------------------ one CLI peer in a namespace
/**
 * One CLI peer (`--stdio`) in a namespace. Also used by bench/nat-traversal.mjs; `opts` (optional):
 * `syncIntervalMs` (default 2000), `extraArgs` (appended to the CLI arguments), `portMapping`
 * (default false: the peer runs with `--no-port-mapping`; true: it maps its port through its gateway,
 * NAT-PMP then UPnP, as the CLI does by default), `bootstrap` (HOST:PORT, default the lab's; null: none).
 */
export class Peer {
  constructor(name, ns, dataDir, opts = {}) {
    this.name = name;
    this.ns = ns;
    this.dataDir = dataDir;
    this.syncIntervalMs = opts.syncIntervalMs ?? SYNC_INTERVAL_MS;
    this.extraArgs = opts.extraArgs ?? [];
    this.portMapping = opts.portMapping ?? false;
    this.bootstrap = opts.bootstrap === undefined ? BOOTSTRAP : opts.bootstrap; // null: none
    this.stderr = '';
    this.nextId = 1;
    this.pending = new Map();
    this.exit = undefined;
    this.ready = undefined;
  }

  start(timeoutMs = 20_000) {
    const args = [
      'netns',
      'exec',
      this.ns,
      NODE,
      BIN,
      '--stdio',
      ...(this.bootstrap === null ? [] : ['--bootstrap-peer', this.bootstrap]),
      '--data-dir',
      this.dataDir,
      ...(this.portMapping ? [] : ['--no-port-mapping']),
      '--sync-interval',
      String(this.syncIntervalMs),
      '--log-level',
      'warn',
      ...this.extraArgs,
    ];
    this.t0 = Date.now();
    // `ip netns exec` execs node: the child's PID is the peer's.
    this.child = spawn('ip', args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT });
    this.child.stdin.on('error', () => {});
    this.child.stderr.setEncoding('utf8').on('data', (d) => {
      this.stderr = (this.stderr + d).slice(-4000);
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = signal ? `signal ${signal}` : `code ${code}`;
        if (!this.stopping) log(`${this.name} exited by itself (${this.exit})${this.tail()}`);
        for (const [, call] of this.pending) {
          clearTimeout(call.timer);
          call.reject(new Error(`${this.name} exited (${this.exit})`));
        }
        this.pending.clear();
        resolve();
      });
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ready line within ${timeoutMs} ms${this.tail()}`)),
        timeoutMs,
      );
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`exited (${this.exit}) before ready${this.tail()}`));
      });
      createInterface({ input: this.child.stdout }).on('line', (line) => {
        let msg;
        try {
          msg = JSON.parse(line);
        } catch {
          return;
        }
        if (!this.ready && msg.event === 'ready') {
          this.ready = msg;
          this.readyMs = Date.now() - this.t0;
          clearTimeout(timer);
          resolve(msg);
          return;
        }
        if (typeof msg.ok === 'boolean' && typeof msg.id === 'number') {
          const call = this.pending.get(msg.id);
          if (!call) return;
          this.pending.delete(msg.id);
          clearTimeout(call.timer);
          call.resolve(msg);
        }
      });
    });
  }

  tail() {
    const t = this.stderr.trim();
    return t ? `; stderr: ${t.slice(-600)}` : '';
  }

  /** Resolves with the result; a failed reply, a timeout or an exit rejects. */
  call(cmd, args = {}, timeoutMs = 15_000) {
    if (this.exit) return Promise.reject(new Error(`${this.name} already exited (${this.exit})`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no reply to ${cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        timer,
        reject,
        resolve: (msg) =>
          msg.ok
            ? resolve(msg.result)
            : reject(new Error(`${cmd}: ${msg.error?.kind}: ${msg.error?.message ?? ''}`.trim())),
      });
      this.child.stdin.write(`${JSON.stringify({ id, cmd, args })}\n`);
    });
  }

  async stop() {
    if (!this.child || this.exit) return;
    this.stopping = true;
    this.child.kill('SIGTERM');
    const late = sleep(3000).then(() => 'late');
    if ((await Promise.race([this.exited, late])) === 'late') {
      this.child.kill('SIGKILL');
      await Promise.race([this.exited, sleep(2000)]);
    }
  }
}

// ------------------------------------------------------------------ the round
/** `path.kind` of a hosts[] entry: "?" when the build has no such field, "none" when null. */
export function pathOf(entry) {
  if (!entry || !('path' in entry)) return '?';
  if (entry.path === null) return 'none';
  return String(entry.path.kind ?? '?');
}

export function findHost(list, chatUuid) {
  return list?.hosts?.find((h) => h.chats?.some((c) => c.uuid === chatUuid));
}

const short = (err) =>
  String(err?.message ?? err)
    .split('\n')[0]
    .slice(0, 300);

/**
 * Runs the selected pairs on a lab that is up; resolves with the per-pair results. Never rejects:
 * every failure is recorded against the pairs it affects.
 */
export function newPairs(selected, skipped = {}) {
  return selected.map((p) => ({
    key: `${p.host}:${p.client}`,
    host: p.host,
    client: p.client,
    ok: false,
    skipped: skipped[p.host] ?? null,
    step: skipped[p.host] ? 'skipped' : 'start',
    error: null,
    path: '?',
    family: null,
    pathAtListing: null,
    settled: null,
    listedMs: null,
    totalMs: null,
  }));
}

async function runRound(allPairs, opts, peers, abort) {
  const pairs = allPairs.filter((p) => !p.skipped);
  const hostKinds = [...new Set(pairs.map((p) => p.host))];
  const clientKinds = [...new Set(pairs.map((p) => p.client))];

  // 1) start every peer needed, all at once (a reach site's one peer once)
  const started = new Map();
  const starting = new Map();
  for (const k of hostKinds) starting.set(hostName(k), [k, hostNs(k)]);
  for (const k of clientKinds) starting.set(clientName(k), [k, clientNs(k)]);
  await Promise.all(
    [...starting].map(async ([name, [kind, ns]]) => {
      const dataDir = mkdtempSync(path.join(LAB_DIR, 'matrix', `${name}-`));
      // Only the upnp host maps its port (that is the point of its row); everyone else does not.
      // The dual-stack sites also measure their IPv6 side.
      const peer = new Peer(name, ns, dataDir, {
        portMapping: name === 'host-upnp',
        extraArgs: kind === 'port6' || kind === 'sym6' ? ['--stun', STUN6] : [],
      });
      peers.push(peer);
      try {
        await peer.start(START_WAIT_MS);
        started.set(name, peer);
        log(
          `${name} ready in ${peer.readyMs} ms (${ns}, natType ${peer.ready.natType}, public ${JSON.stringify(peer.ready.publicAddress)}${peer.ready.portMapping ? `, mapped ${JSON.stringify(peer.ready.portMapping)}` : ''})`,
        );
      } catch (err) {
        log(`${name} failed to start: ${short(err)}`);
        for (const p of pairs)
          if (hostName(p.host) === name || clientName(p.client) === name)
            p.error ??= `${name}: ${short(err)}`;
      }
    }),
  );

  // 1b) the round starts once every peer has joined its bootstrap: under load a peer's registration
  // can come seconds after its ready line, and a relay cannot carry a pair before the target
  // registered with it (a reach begun earlier fails, and the read that joined it with it).
  const joinedBy = Date.now() + JOIN_WAIT_MS;
  await Promise.all(
    [...started.values()].map(async (peer) => {
      while (Date.now() < joinedBy && !abort.aborted) {
        const st = await peer.call('getStatus', {}, 5000).catch(() => undefined);
        if (st?.bootstraps?.every((b) => b.state === 'registered' || b.state === 'client-only')) return;
        await sleep(250);
      }
      log(`${peer.name} has not joined its bootstrap after ${JOIN_WAIT_MS} ms; the round starts anyway`);
    }),
  );

  // 2) every host creates its chat
  const chats = new Map();
  await Promise.all(
    hostKinds.map(async (k) => {
      const host = started.get(hostName(k));
      if (!host) return;
      try {
        const chat = await host.call('createChat', {
          name: `matrix chat behind ${k}`,
          message: `hello from the host behind ${k}`,
          author: `host-${k}`,
        });
        chats.set(k, chat.uuid);
      } catch (err) {
        for (const p of pairs) if (p.host === k) Object.assign(p, { step: 'create', error: short(err) });
      }
    }),
  );

  // 3) per client: one poll loop (refreshChats every second) that hands each newly listed host chat
  // to its pair; the pairs then read, post and check concurrently.
  const t0 = Date.now();
  const listDeadline = t0 + opts.listTimeoutS * 1000;
  const runnable = pairs.filter(
    (p) => started.has(hostName(p.host)) && started.has(clientName(p.client)) && chats.has(p.host),
  );
  for (const p of runnable) p.step = 'list';
  const byClient = new Map();
  for (const p of runnable) byClient.set(p.client, [...(byClient.get(p.client) ?? []), p]);

  const finishPair = async (p, client, entry) => {
    const host = started.get(hostName(p.host));
    const chatUuid = chats.get(p.host);
    const ref = { host: { host: entry.host.host, port: entry.host.port }, chatUuid };
    p.hostEndpoint = `${entry.host.host}:${entry.host.port}`;
    try {
      p.step = 'read';
      const { messages } = await client.call('readChat', ref, 20_000);
      if (!messages.some((m) => m.content === `hello from the host behind ${p.host}`))
        throw new Error(`read ${messages.length} messages, not the host's first one`);
      p.step = 'post';
      const content = `hi from the client behind ${p.client} to ${p.host} (${Date.now()})`;
      await client.call('postMessage', { ...ref, name: `client-${p.client}`, content }, 20_000);
      p.step = 'seen';
      const seenDeadline = Date.now() + 15_000;
      for (;;) {
        const { messages: mine } = await host.call('readChat', { host: null, chatUuid }, 10_000);
        if (mine.some((m) => m.content === content)) break;
        if (Date.now() > seenDeadline) throw new Error('the host does not have the post after 15 s');
        await sleep(500);
      }
      p.ok = true;
      p.step = 'done';
    } catch (err) {
      p.error = short(err);
    }
    p.totalMs = Date.now() - t0;
    try {
      const entry2 = findHost(await client.call('listChats', {}, 10_000), chatUuid);
      if (entry2) {
        p.path = pathOf(entry2);
        p.family = entry2.path?.family ?? null;
      }
    } catch {}
  };

  await Promise.all(
    [...byClient].map(async ([kind, waiting]) => {
      const client = started.get(clientName(kind));
      const left = new Set(waiting);
      const work = [];
      // refreshChats syncs now and can take seconds (it waits on hosts that do not answer): it runs
      // back to back in the background, and the cheap listChats is what is polled every second.
      let refreshing = true;
      let refreshError = null;
      const refresher = (async () => {
        while (refreshing && !client.exit && !abort.aborted) {
          try {
            await client.call('refreshChats', {}, 30_000);
            refreshError = null;
          } catch (err) {
            refreshError = `refreshChats: ${short(err)}`;
          }
          await sleep(200);
        }
      })();
      while (left.size && !abort.aborted) {
        let list;
        try {
          list = await client.call('listChats', {}, 10_000);
        } catch (err) {
          for (const p of left) p.error = `listChats: ${short(err)}`;
          if (client.exit) break;
        }
        for (const p of [...left]) {
          const entry = findHost(list, chats.get(p.host));
          if (!entry) continue;
          left.delete(p);
          p.error = null;
          p.listedMs = Date.now() - t0;
          p.pathAtListing = pathOf(entry);
          p.path = p.pathAtListing;
          log(`${p.key}: listed after ${p.listedMs} ms (path ${p.path})`);
          work.push(finishPair(p, client, entry));
        }
        if (!left.size || Date.now() > listDeadline) break;
        await sleep(POLL_MS);
      }
      refreshing = false;
      for (const p of left) {
        p.error ??= `not listed within ${opts.listTimeoutS} s${refreshError ? ` (last ${refreshError})` : ''}`;
        // What the client does know of that host, if anything (an entry with an error, no chat).
        try {
          const list = await client.call('listChats', {}, 5000);
          const h = started.get(hostName(p.host))?.ready?.publicAddress;
          const entry = h && list.hosts?.find((e) => e.host.host === h.host && e.host.port === h.port);
          if (entry) {
            p.path = pathOf(entry);
            p.error += ` (client knows the host: error ${entry.error}, ${entry.chats.length} chats)`;
          }
        } catch {}
      }
      void refresher; // ends by itself once `refreshing` is false (or the peer is stopped)
      await Promise.all(work);
    }),
  );
  for (const p of pairs) {
    if (!p.ok && !p.error) p.error = abort.aborted ? 'aborted (hard timeout)' : 'unknown';
  }
  // The path each pair settled on, once every pair is done and at least SETTLE_MS into the round: a
  // path can still change after the post (an IPv6 path needs both sides to have probed).
  if (!abort.aborted) await sleep(Math.max(0, t0 + SETTLE_MS - Date.now()));
  await Promise.all(
    [...new Set(pairs.filter((p) => p.ok).map((p) => p.client))].map(async (kind) => {
      try {
        const list = await started.get(clientName(kind)).call('listChats', {}, 10_000);
        for (const p of pairs.filter((x) => x.ok && x.client === kind)) {
          const entry = findHost(list, chats.get(p.host));
          if (!entry) continue;
          p.settled = { path: pathOf(entry), family: entry.path?.family ?? null };
        }
      } catch {}
    }),
  );
  // For the record (why a pair failed): every peer's status and the peers it knows, at the end.
  await Promise.all(
    [...started.values()].map(async (peer) => {
      try {
        const st = await peer.call('getStatus', {}, 5000);
        const known = await peer.call('listPeers', {}, 5000);
        peer.final = {
          natType: st.natType,
          publicAddress: st.publicAddress,
          bootstraps: st.bootstraps,
          peerCount: st.peerCount,
          knownPeers: known.map((k) => `${k.host}:${k.port}/${k.role}/${k.natType}`),
        };
      } catch (err) {
        peer.final = { error: short(err) };
      }
    }),
  );
  return allPairs;
}

export function cell(p) {
  if (!p) return '–';
  if (p.skipped) return 'skipped';
  if (p.ok && p.settled?.path === 'direct' && p.settled.family === 'ipv6') return 'direct IPv6 ✓';
  if (p.ok) return `${p.path}${p.family === 'ipv6' ? ' IPv6' : ''} ✓`;
  return `✗ ${p.step}${p.path && p.path !== '?' && p.path !== 'none' ? ` (${p.path})` : ''}`;
}

/** Rows: host kinds; columns: client kinds; the reach sites' rows and columns when they ran. */
export function table(pairs) {
  const get = (h, c) => pairs.find((p) => p.host === h && p.client === c);
  const reach = REACH_KINDS.filter((k) => pairs.some((p) => p.host === k || p.client === k));
  const cols = [...KINDS, ...reach];
  const lines = [
    `| host behind ↓ \\ client behind → | ${cols.map((k) => LABELS[k]).join(' | ')} |`,
    `|---|${cols.map(() => '---').join('|')}|`,
  ];
  for (const h of [...HOST_KINDS, ...reach])
    lines.push(`| ${LABELS[h]} | ${cols.map((c) => cell(get(h, c))).join(' | ')} |`);
  return lines.join('\n');
}

// ------------------------------------------------------------------ main
async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`matrix.mjs: ${err.message}\n`);
    process.exit(2);
  }
  // The upnp row needs miniupnpd in the lab; without it (here) the row is skipped with one reason.
  const skipped = {};
  const wantUpnp = opts.pairs.some((p) => p.host === 'upnp');
  if (wantUpnp && opts.lab) {
    const why = upnpSkipReason();
    if (why) {
      skipped.upnp = why;
      log(`upnp row skipped: ${why}`);
    }
  }
  let LAB_ENV = labEnv(wantUpnp && !skipped.upnp, opts.reach);
  const peers = [];
  const abort = { aborted: false };
  let labIsUp = false;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await Promise.all(peers.map((p) => p.stop().catch(() => {})));
    if (opts.lab && !opts.keep && labIsUp) {
      try {
        execFileSync('bash', [LAB, 'down'], {
          env: LAB_ENV,
          stdio: ['ignore', 'ignore', 'inherit'],
          timeout: 60_000,
        });
      } catch (err) {
        log(`lab down failed: ${short(err)}`);
      }
    }
    if (!opts.keep) rmSync(path.join(LAB_DIR, 'matrix'), { recursive: true, force: true });
  };
  const onSignal = (sig) => {
    log(`${sig}: tearing down`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Last resort (an exception past everything): kill the peers, take the lab down, synchronously.
  process.once('exit', () => {
    if (cleaned) return;
    for (const p of peers) if (!p.exit) p.child?.kill('SIGKILL');
    if (opts.lab && !opts.keep && labIsUp) {
      try {
        execFileSync('bash', [LAB, 'down'], { env: LAB_ENV, stdio: 'ignore', timeout: 60_000 });
      } catch {}
    }
  });

  const t0 = Date.now();
  const buildAtStart = buildTime();
  if (!buildAtStart) {
    process.stderr.write('matrix.mjs: build/ missing (npm run build)\n');
    process.exit(2);
  }
  let pairs = [];
  let fatal = null;
  const labUp = () =>
    execFileSync('bash', [LAB, 'up'], {
      env: LAB_ENV,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 90_000,
    });
  try {
    if (opts.lab) {
      log(
        `lab up (prefix ${P}, dir ${LAB_DIR}, twins${opts.reach ? ', reach sites' : ''}, services "${LAB_ENV.NZLAB_SERVICES}")`,
      );
      labIsUp = true; // a failed `up` tears down by itself; `down` is harmless anyway
      const upnpDeadline = Date.now() + UPNP_WAIT_S * 1000;
      for (;;) {
        try {
          labUp();
          break;
        } catch (err) {
          if (LAB_ENV.NZLAB_SERVICES !== UPNP_SERVICES) throw err;
          // miniupnpd is installed but the lab could not start it. Its usual reason: another lab's
          // miniupnpd is running (they share /var/run/miniupnpd.pid): wait for it a while.
          const why = miniupnpdFailure();
          if (/already running/i.test(why) && Date.now() < upnpDeadline) {
            log(`miniupnpd: "${why}" (another lab's?): lab up again in 5 s`);
            await sleep(5000);
            continue;
          }
          // Run the rest without it.
          skipped.upnp = `lab up with miniupnpd failed: ${why || short(err)}`;
          log(`upnp row skipped: ${skipped.upnp}; lab up again without miniupnpd`);
          LAB_ENV = labEnv(false, opts.reach);
          labUp();
          break;
        }
      }
    }
    pairs = newPairs(opts.pairs, skipped);
    mkdirSync(path.join(LAB_DIR, 'matrix'), { recursive: true });
    const hard = setTimeout(() => {
      abort.aborted = true;
      log(`hard timeout (${opts.timeoutS} s): killing the peers`);
      for (const p of peers) {
        p.stopping = true;
        p.child?.kill('SIGKILL');
      }
    }, opts.timeoutS * 1000);
    try {
      pairs = await runRound(pairs, opts, peers, abort);
    } finally {
      clearTimeout(hard);
    }
  } catch (err) {
    fatal = short(err);
    log(`could not run: ${fatal}`);
  }
  const ran = pairs.filter((p) => !p.skipped);
  const peerInfo = peers.map((p) => ({
    name: p.name,
    ns: p.ns,
    natType: p.ready?.natType ?? null,
    publicAddress: p.ready?.publicAddress ?? null,
    ipv6: p.ready?.ipv6 ?? null,
    readyMs: p.readyMs ?? null,
    exit: p.exit ?? null,
    final: p.final ?? null,
    stderrTail: p.stderr.trim().slice(-800),
  }));
  await cleanup();
  const out = {
    matrix: 'nance-nat-pairs',
    at: new Date(t0).toISOString(),
    durationMs: Date.now() - t0,
    prefix: P,
    reach: opts.reach,
    build: buildAtStart,
    // build/ rewritten while the round ran: some peers may have run another build.
    buildChanged: buildTime() !== buildAtStart,
    fatal,
    // Skipped pairs (the upnp row without miniupnpd) count neither way; nothing run is not ok.
    ok: !fatal && ran.length > 0 && ran.every((p) => p.ok),
    okCount: ran.filter((p) => p.ok).length,
    ranCount: ran.length,
    // Rows that did not run, with the one reason: { upnp: "miniupnpd is not installed (…)" }.
    skipped,
    pairs,
    peers: peerInfo,
  };
  if (pairs.length) {
    process.stdout.write(`\n${table(pairs)}\n\n`);
    for (const [row, why] of Object.entries(skipped)) process.stdout.write(`- ${row} row skipped: ${why}\n`);
    for (const p of ran.filter((x) => !x.ok)) process.stdout.write(`- ${p.key} ✗ ${p.step}: ${p.error}\n`);
    process.stdout.write(
      `\n${out.okCount}/${ran.length} pairs ok${pairs.length > ran.length ? ` (${pairs.length - ran.length} skipped)` : ''} in ${(out.durationMs / 1000).toFixed(1)} s (build of ${out.build}${out.buildChanged ? ', REBUILT during the run' : ''})\n`,
    );
  }
  const json = JSON.stringify(out);
  if (opts.json) writeFileSync(opts.json, `${json}\n`);
  process.stdout.write(`${json}\n`);
  process.exitCode = fatal ? 2 : out.ok ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
