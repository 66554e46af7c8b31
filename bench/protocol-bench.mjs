#!/usr/bin/env node
// Protocol benchmark on loopback: our headless peer (the CLI build, a real SQLite file with the
// default durability: WAL + synchronous FULL + group commit) against a bare node:dgram echo server
// driven with the very same datagrams. Closed loop: each of N slots sends its next request when
// the answer to its last one (matched by z) arrives. See bench/README.md and docs/benchmarks.md.
//
//   node bench/protocol-bench.mjs [--quick] [--duration S] [--warmup S] [--timeout MS]
//                                 [--concurrency 1,32] [--burst 256] [--ops ping,gc,gm,sm]
//                                 [--json FILE] [--strict] [--tmp DIR] [--keep] [--cpu-prof DIR]
//                                 [--signed]
//
// Env: BENCH_DURATION, BENCH_WARMUP (seconds), BENCH_TIMEOUT (ms), BENCH_QUICK=1, BENCH_TMP.
// The same file, run as `protocol-bench.mjs --echo-server`, is the bare echo child.
import { execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '..');
const CLI = path.join(ROOT, 'bin', 'nance.js');
const CLI_ENTRY = path.join(ROOT, 'build', 'src-main', 'host', 'cli', 'main.js');
const HOST = '127.0.0.1';
const SOCKET_BUFFER_BYTES = 8 * 1024 * 1024; // the kernel caps it at net.core.rmem_max / wmem_max

// ------------------------------------------------------------------------------------ echo child

function runEchoServer() {
  const sock = dgram.createSocket('udp4');
  sock.on('error', (err) => {
    process.stderr.write(`echo: ${err.message}\n`);
    process.exit(1);
  });
  sock.on('message', (msg, rinfo) => sock.send(msg, rinfo.port, rinfo.address));
  sock.bind(0, HOST, () => {
    setBuffers(sock);
    process.stdout.write(`${JSON.stringify({ event: 'ready', udp: sock.address(), pid: process.pid })}\n`);
  });
  // Dies with its parent: the parent holds our stdin open for as long as it lives.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
  process.on('SIGTERM', () => process.exit(0));
}

function setBuffers(sock) {
  try {
    sock.setRecvBufferSize(SOCKET_BUFFER_BYTES);
  } catch {}
  try {
    sock.setSendBufferSize(SOCKET_BUFFER_BYTES);
  } catch {}
}

// ------------------------------------------------------------------------------------ options

function parseArgs(argv) {
  const env = process.env;
  const quick = argv.includes('--quick') || env.BENCH_QUICK === '1';
  const o = {
    quick,
    durationMs: 1000 * Number(env.BENCH_DURATION ?? (quick ? 0.5 : 2)),
    warmupMs: 1000 * Number(env.BENCH_WARMUP ?? (quick ? 0.1 : 0.3)),
    timeoutMs: Number(env.BENCH_TIMEOUT ?? 2000),
    repeat: Math.max(1, Math.trunc(Number(env.BENCH_REPEAT ?? 1))),
    concurrency: [1, 32],
    burst: 256,
    ops: ['ping', 'gc', 'gm', 'sm'],
    json: undefined,
    strict: false,
    tmp: env.BENCH_TMP ?? os.tmpdir(),
    keep: false,
    cpuProf: undefined,
    quietWaitMs: 1000 * Number(env.BENCH_QUIET_WAIT ?? 0),
    pin: true,
    guard: false,
    peerArgs: [],
  };
  const usage = () => {
    process.stdout.write(`${readUsage()}\n`);
    process.exit(0);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) die(`${a} needs a value`);
      return v;
    };
    const num = (v, what) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) die(`${what} must be a non-negative number, got ${v}`);
      return n;
    };
    switch (a) {
      case '--quick':
        break;
      case '--duration':
        o.durationMs = 1000 * num(next(), '--duration');
        break;
      case '--warmup':
        o.warmupMs = 1000 * num(next(), '--warmup');
        break;
      case '--timeout':
        o.timeoutMs = num(next(), '--timeout');
        break;
      case '--concurrency':
        o.concurrency = next()
          .split(',')
          .map((s) => Math.trunc(num(s, '--concurrency')))
          .filter((n) => n > 0);
        break;
      case '--repeat':
        o.repeat = Math.max(1, Math.trunc(num(next(), '--repeat')));
        break;
      case '--burst':
        o.burst = Math.trunc(num(next(), '--burst'));
        break;
      case '--ops':
        o.ops = next().split(',');
        for (const op of o.ops) if (!OPS[op]) die(`unknown op ${op} (known: ${Object.keys(OPS).join(',')})`);
        break;
      case '--json':
        o.json = next();
        break;
      case '--strict':
        o.strict = true;
        break;
      case '--tmp':
        o.tmp = next();
        break;
      case '--quiet-wait':
        o.quietWaitMs = 1000 * num(next(), '--quiet-wait');
        break;
      case '--guard':
        o.guard = true;
        break;
      case '--peer-arg':
        o.peerArgs.push(next());
        break;
      case '--no-pin':
        o.pin = false;
        break;
      case '--keep':
        o.keep = true;
        break;
      case '--signed':
        o.signed = true;
        break;
      case '--cpu-prof':
        o.cpuProf = path.resolve(next());
        break;
      case '-h':
      case '--help':
        usage();
        break;
      default:
        die(`unknown argument ${a} (try --help)`);
    }
  }
  if (!(o.durationMs > 0)) die('--duration must be > 0');
  if (!(o.timeoutMs > 0)) die('--timeout must be > 0');
  return o;
}

function readUsage() {
  return [
    'usage: node bench/protocol-bench.mjs [options]',
    '  --quick              short cells (0.5 s + 0.1 s warm-up), for CI (or BENCH_QUICK=1)',
    '  --duration S         measured seconds per cell (default 2; BENCH_DURATION)',
    '  --warmup S           warm-up seconds per cell, not measured (default 0.3; BENCH_WARMUP)',
    '  --timeout MS         client-side timeout per request, counted as an error (default 2000)',
    '  --concurrency LIST   requests in flight for the ours-vs-bare cells (default 1,32)',
    '  --repeat N           run every cell N times, interleaved; report medians (default 1)',
    '  --burst N            in-flight count of the burst cells (default 256; 0 = skip)',
    '  --ops LIST           subset of ping,gc,gm,sm (default all)',
    '  --json FILE          also write the results as JSON',
    '  --signed             s/m posts signed by an author key (issue 12), as our clients send them',
    '  --strict             exit 1 if a target is missed',
    '  --tmp DIR            where the temporary data dir goes (default the OS temp dir)',
    '  --keep               keep the temporary data dir',
    "  --guard              keep the peer's abuse limits (rate limits, anti-amplification) on;",
    '                       by default the peer runs with --no-abuse-limits',
    '  --peer-arg ARG       one more command-line argument for the peer (repeatable)',
    '  --no-pin             do not put client and server on one CPU for the 1-in-flight cells',
    '  --quiet-wait S       before each cell, wait up to S s for the rest of the machine to go idle',
    '  --cpu-prof DIR       run the measured peer under node --cpu-prof, profiles into DIR',
  ].join('\n');
}

function die(message) {
  process.stderr.write(`protocol-bench: ${message}\n`);
  cleanup();
  process.exit(2);
}

// ------------------------------------------------------------------------------------ children

const children = new Set();

function cleanup() {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {}
  }
  children.clear();
}

/** Kills the children however the bench ends (the echo child also dies when our stdin pipe closes). */
function installCleanup() {
  process.on('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      process.stderr.write(`protocol-bench: ${signal}, stopping children\n`);
      cleanup();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (err) => {
    process.stderr.write(`protocol-bench: ${err?.stack ?? err}\n`);
    cleanup();
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    process.stderr.write(`protocol-bench: ${err?.stack ?? err}\n`);
    cleanup();
    process.exit(1);
  });
}

/** Spawns a node child that prints a {"event":"ready"} line; resolves with it and a line-RPC helper. */
function startChild(args, label) {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const pending = new Map();
  let nextId = 1;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      for (const p of pending.values()) p.reject(new Error(`${label} exited (${code ?? signal})`));
      pending.clear();
      resolve({ code, signal });
    });
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${label} did not become ready in 20 s; stderr:\n${stderr}`));
    }, 20_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${label} could not start: ${err.message}`));
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited (${code ?? signal}) before it was ready; stderr:\n${stderr}`));
    });
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (line) => {
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      if (msg.event === 'ready') {
        clearTimeout(timer);
        resolve(handle(msg));
        return;
      }
      if (msg.id !== undefined && pending.has(msg.id)) {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.ok) p.resolve(msg.result);
        else p.reject(new Error(`${label}: ${p.cmd} failed: ${JSON.stringify(msg.error)}`));
      }
    });
  });

  function handle(ready) {
    return {
      ready,
      port: ready.udp.port,
      pid: child.pid,
      /** One stdio command (the child must run with --stdio). */
      call(cmd, args) {
        const id = nextId++;
        return new Promise((resolve, reject) => {
          pending.set(id, { resolve, reject, cmd });
          child.stdin.write(`${JSON.stringify({ id, cmd, args })}\n`);
        });
      },
      /** SIGTERM (the peer closes its store cleanly), SIGKILL after 10 s. */
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        const { code, signal } = await exited;
        clearTimeout(t);
        if (code !== 0 && signal !== 'SIGTERM') {
          throw new Error(`${label} exited with ${code ?? signal}; stderr:\n${stderr}`);
        }
      },
    };
  }
}

function startPeer(dataDir, { stdio = false, nodeArgs = [], guard = false, peerArgs = [] } = {}) {
  const args = [
    ...nodeArgs,
    CLI,
    ...(guard ? [] : ['--no-abuse-limits']),
    '--host',
    HOST,
    '--port',
    '0',
    '--no-stun',
    '--data-dir',
    dataDir,
    ...peerArgs,
  ];
  if (stdio) args.push('--stdio');
  return startChild(args, stdio ? 'nance peer (setup, --stdio)' : 'nance peer');
}

function startEcho() {
  return startChild([SELF, '--echo-server'], 'echo server');
}

// ------------------------------------------------------------------------------------ datagrams

const b64 = (json) => Buffer.from(Buffer.from(json, 'utf8').toString('base64'), 'latin1');
const decode = (msg) => JSON.parse(Buffer.from(msg.toString('latin1'), 'base64').toString('utf8'));

/** 100 bytes of printable ASCII, different for each n (so rows are not all alike). */
function content100(n) {
  const head = `bench message ${n} `;
  return (head + 'lorem ipsum dolor sit amet consectetur adipiscing elit '.repeat(3)).slice(0, 100);
}

/**
 * The operations. Each builds its request datagram from a z (both targets get identical bytes for
 * the same z) and checks one answer from our peer.
 */
const OPS = {
  ping: {
    label: 'ping',
    request: () => (z) => b64(`{"m":"p","z":"${z}"}`),
    check: (res) => res.m === 'R' && res.r === 0,
  },
  gc: {
    label: 'g/c (10 chats)',
    request: () => (z) => b64(`{"m":"r","t":"g","d":"c","a":{"maxChatsLength":100},"z":"${z}"}`),
    check: (res, ctx) => res.m === 'R' && res.r === 0 && res.c?.chats?.length === ctx.chatCount,
  },
  gm: {
    label: 'g/m (50 msgs)',
    request: (ctx) => (z) => b64(`{"m":"r","t":"g","d":"m","a":{"chatUuid":"${ctx.gmChat}"},"z":"${z}"}`),
    check: (res) => res.m === 'R' && res.r === 0 && res.c?.messages?.length === 50,
  },
  sm: {
    label: 's/m (durable)',
    request: (ctx) => {
      return (z) => {
        // Like a conversation: fill one chat (to 90% of the cap), then the next.
        const n = ctx.posted++;
        const chat = ctx.smChats[Math.floor(n / ctx.postsPerChat)];
        if (chat === undefined) throw new Error(`s/m ran past the ${ctx.smChats.length} chats made for it`);
        return b64(
          JSON.stringify({
            m: 'r',
            t: 's',
            d: 'm',
            a: {
              chatUuid: chat,
              name: 'bench',
              content: content100(n),
              ...signature(ctx, chat, content100(n), z),
            },
            z,
          }),
        );
      };
    },
    check: (res) => res.m === 'R' && res.r === 0,
  },
};

/** With --signed: the `author` of a post (docs/protocol.md, "sig"), signed for the peer's key. */
function signature(ctx, chatUuid, content, z) {
  if (!ctx.signing) return {};
  const { signPost, author, hostKey } = ctx.signing;
  return { author: signPost(author, { hostKey, chatUuid, name: 'bench', content, z }, Date.now()) };
}

/** The key a peer advertises in its ping answer (`c.nance.id`). */
async function advertisedKey(port) {
  const socket = dgram.createSocket('udp4');
  try {
    const answer = new Promise((resolve) => socket.on('message', (msg) => resolve(decode(msg))));
    socket.send(b64('{"m":"p","z":"id"}'), port, HOST);
    const res = await Promise.race([answer, new Promise((r) => setTimeout(() => r(undefined), 2000))]);
    const id = res?.c?.nance?.id;
    if (typeof id !== 'string') die('--signed: the peer advertised no key (id)');
    return id;
  } finally {
    socket.close();
  }
}

// ------------------------------------------------------------------------------------ one cell

let cellSeq = 0;

/**
 * Closed loop at `conc` in flight on one fresh connected socket for warm-up + duration. Throughput
 * and latency count the answers received in the measured window; errors (timeouts, wrong answers)
 * count over the whole cell.
 */
async function runCell({ port, conc, makeRequest, check, warmupMs, durationMs, timeoutMs, serverPid, pids }) {
  const sock = dgram.createSocket('udp4');
  await new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, HOST, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  setBuffers(sock);
  await new Promise((resolve) => sock.connect(port, HOST, resolve));
  const rcvbuf = sock.getRecvBufferSize();

  const prefix = `b${process.pid.toString(36)}-${(cellSeq++).toString(36)}-`;
  const inflight = new Map(); // z -> send time (ms)
  let seq = 0;
  let phase = 'warmup';
  let sent = 0;
  let completed = 0;
  let timeouts = 0;
  let badAnswers = 0;
  let badExample;
  let late = 0;
  let pingsAnswered = 0;
  let sendErrors = 0;
  let lat = new Float64Array(1 << 16);
  let nLat = 0;

  const sendOne = () => {
    const z = prefix + (seq++).toString(36);
    const buf = makeRequest(z);
    inflight.set(z, performance.now());
    sent++;
    sock.send(buf, (err) => {
      if (err) sendErrors++;
    });
  };

  sock.on('error', () => {
    sendErrors++;
  });
  sock.on('message', (msg) => {
    const t = performance.now();
    let res;
    try {
      res = decode(msg);
    } catch {
      badAnswers++;
      return;
    }
    const t0 = inflight.get(res?.z);
    if (t0 === undefined) {
      if (res?.m === 'p') {
        // A ping from the server (the peer validating our address): answer it as any peer would.
        const answer = res.z === undefined ? { m: 'R', r: 0, c: {} } : { m: 'R', r: 0, c: {}, z: res.z };
        sock.send(b64(JSON.stringify(answer)));
        pingsAnswered++;
        return;
      }
      late++; // answered after its timeout, or a duplicate
      return;
    }
    inflight.delete(res.z);
    if (!check(res)) {
      badAnswers++;
      badExample ??= JSON.stringify(res).slice(0, 200);
    }
    if (phase === 'measure') {
      completed++;
      if (nLat === lat.length) {
        const bigger = new Float64Array(lat.length * 2);
        bigger.set(lat);
        lat = bigger;
      }
      lat[nLat++] = (t - t0) * 1000;
    }
    if (phase !== 'drain') sendOne();
  });

  const sweep = setInterval(
    () => {
      const now = performance.now();
      for (const [z, t0] of inflight) {
        if (now - t0 < timeoutMs) break; // Map keeps send order: the rest are younger
        inflight.delete(z);
        timeouts++;
        if (phase !== 'drain') sendOne();
      }
    },
    Math.min(100, timeoutMs / 4),
  );

  for (let i = 0; i < conc; i++) sendOne();
  await sleep(warmupMs);
  phase = 'measure';
  const cpu0 = cpuSnapshot(serverPid, pids);
  const t0 = performance.now();
  await sleep(durationMs);
  const elapsedMs = performance.now() - t0;
  const cpu = cpuUsed(cpu0, cpuSnapshot(serverPid, pids), elapsedMs / 1000);
  phase = 'drain';
  const drainUntil = performance.now() + timeoutMs + 200;
  while (inflight.size > 0 && performance.now() < drainUntil) await sleep(10);
  clearInterval(sweep);
  sock.close();

  const sorted = lat.subarray(0, nLat).sort();
  const pct = (p) => (nLat === 0 ? null : sorted[Math.min(nLat - 1, Math.floor((p / 100) * nLat))]);
  return {
    conc,
    seconds: elapsedMs / 1000,
    sent,
    completed,
    rps: completed / (elapsedMs / 1000),
    p50us: pct(50),
    p99us: pct(99),
    p999us: pct(99.9),
    meanUs: nLat === 0 ? null : sorted.reduce((a, b) => a + b, 0) / nLat,
    maxUs: nLat === 0 ? null : sorted[nLat - 1],
    errors: timeouts + badAnswers + sendErrors,
    timeouts,
    badAnswers,
    sendErrors,
    late,
    pingsAnswered,
    badExample,
    rcvbuf,
    cpu,
  };
}

// CPU time in the measured window, in cores (1.0 = one core busy the whole time), from /proc:
// the server child's, this client's, and everything else's (other work on the machine skews a cell).
const CLOCK_TICK_S = 0.01; // USER_HZ is 100 on Linux

function procTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return undefined;
  }
}

function cpuSnapshot(serverPid, pids = []) {
  let busy;
  let kernel;
  let stolen;
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // Process time only: irq/softirq time is mostly our own loopback traffic, and steal (the
    // hypervisor running someone else) is reported on its own.
    const [user, nice, system, , , irq, softirq, steal] = line;
    busy = user + nice + system;
    kernel = irq + softirq;
    stolen = steal ?? 0;
  } catch {
    return undefined;
  }
  const u = process.cpuUsage();
  return {
    busy,
    kernel,
    stolen,
    client: (u.user + u.system) / 1e6,
    server: serverPid === undefined ? 0 : (procTicks(serverPid) ?? 0),
    mine: pids.reduce((sum, pid) => sum + (procTicks(pid) ?? 0), 0),
  };
}

function cpuUsed(a, b, seconds) {
  if (!a || !b || seconds <= 0) return undefined;
  const server = ((b.server - a.server) * CLOCK_TICK_S) / seconds;
  const client = (b.client - a.client) / seconds;
  const busy = ((b.busy - a.busy) * CLOCK_TICK_S) / seconds;
  const mine = ((b.mine - a.mine) * CLOCK_TICK_S) / seconds; // our children, server included
  const other = Math.max(0, busy - mine - client);
  const irq = ((b.kernel - a.kernel) * CLOCK_TICK_S) / seconds;
  const steal = ((b.stolen - a.stolen) * CLOCK_TICK_S) / seconds;
  const r = (x) => Math.round(x * 100) / 100;
  return { server: r(server), client: r(client), other: r(other), irq: r(irq), steal: r(steal) };
}

/** Waits (up to maxMs) until the machine, bench idle, is below 0.2 busy cores over 0.5 s. */
async function waitQuiet(maxMs) {
  if (!(maxMs > 0)) return true;
  const deadline = performance.now() + maxMs;
  for (;;) {
    const a = cpuSnapshot();
    await sleep(500);
    const b = cpuSnapshot();
    if (!a || !b) return true;
    const busy = ((b.busy - a.busy + b.stolen - a.stolen) * CLOCK_TICK_S) / 0.5;
    if (busy <= 0.2) return true;
    if (performance.now() > deadline) return false;
  }
}

// ---- CPU pinning of the 1-in-flight cells (Linux, with taskset)
//
// At 1 in flight only one of client and server runs at any time. Left to the scheduler they land
// on the same CPU in some cells (a round trip is two context switches) and on different CPUs in
// others (every answer also needs a cross-CPU wake-up, ~70 µs more on a VM), which made these
// cells flip between two speeds at random. Pinning both to one CPU removes that noise; ours and
// bare are pinned alike.

function readAffinity(pid) {
  try {
    const out = execFileSync('taskset', ['-p', String(pid)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.trim().split(':').pop().trim();
  } catch {
    return undefined;
  }
}

function setAffinity(pids, mask) {
  for (const pid of pids) {
    execFileSync('taskset', ['-a', '-p', mask, String(pid)], { stdio: 'ignore' });
  }
}

/** Runs fn with `pids` on one CPU (the lowest we may use); returns undefined pinning info if it cannot. */
async function pinnedToOneCpu(pids, fn) {
  const original = pids.map(readAffinity);
  if (original.some((m) => m === undefined || !/^[0-9a-f,]+$/i.test(m)))
    return { result: await fn(), pinned: false };
  const mine = BigInt(`0x${original[0].replaceAll(',', '')}`);
  const one = (mine & -mine).toString(16);
  try {
    setAffinity(pids, one);
  } catch {
    return { result: await fn(), pinned: false };
  }
  try {
    return { result: await fn(), pinned: true, cpuMask: one };
  } finally {
    pids.forEach((pid, i) => {
      try {
        setAffinity([pid], original[i]);
      } catch {}
    });
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ------------------------------------------------------------------------------------ setup

/** JSON bytes one stored message adds to a chat's size (see ChatHost / SqliteStore), plus its comma. */
function storedMessageBytes(name, content) {
  const wire = {
    uuid: '00000000-0000-4000-8000-000000000000',
    name,
    content,
    timestamp: '1732412345.123456',
  };
  return Buffer.byteLength(JSON.stringify(wire)) + 1;
}

/** Largest list size (bytes, without brackets) under the 819,200-byte base64 cap, as chat-host.ts. */
function maxListBytes(capBytes = 819_200) {
  let n = Math.floor((capBytes * 3) / 4);
  while (n > 0 && 4 * Math.ceil((n + 2) / 3) >= capBytes) n--;
  return n;
}

async function setupReadChats(dataDir, peerOpts) {
  const peer = await startPeer(dataDir, { ...peerOpts, stdio: true });
  try {
    const chats = [];
    for (let i = 0; i < 10; i++) {
      chats.push(await peer.call('createChat', { name: `bench-${i}`, message: 'first', author: 'bench' }));
    }
    const gmChat = chats[0].uuid;
    for (let n = 1; n < 50; n++) {
      await peer.call('postMessage', { host: null, chatUuid: gmChat, name: 'bench', content: content100(n) });
    }
    const { messages: read } = await peer.call('readChat', { host: null, chatUuid: gmChat });
    if (read.length !== 50) throw new Error(`g/m chat has ${read.length} messages, expected 50`);
    return { gmChat, chatCount: chats.length };
  } finally {
    await peer.stop();
  }
}

async function setupPostChats(dataDir, count, peerOpts) {
  const peer = await startPeer(dataDir, { ...peerOpts, stdio: true });
  try {
    const made = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        peer.call('createChat', { name: `bench-post-${i}`, message: 'first', author: 'bench' }),
      ),
    );
    return made.map((c) => c.uuid);
  } finally {
    await peer.stop();
  }
}

/** Commits/s of one-row transactions in WAL + synchronous FULL on the data dir's disk. */
function fsyncProbe(dir, ms = 1000) {
  let Database;
  try {
    Database = createRequire(path.join(ROOT, 'package.json'))('better-sqlite3');
  } catch {
    return undefined;
  }
  const file = path.join(dir, 'fsync-probe.db');
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const ins = db.prepare('INSERT INTO t (v) VALUES (?)');
    const v = 'x'.repeat(200);
    for (let i = 0; i < 20; i++) ins.run(v);
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      ins.run(v);
      n++;
    }
    const secs = (performance.now() - t0) / 1000;
    return { commitsPerSec: n / secs, msPerCommit: (secs * 1000) / n };
  } finally {
    db.close();
    for (const f of ['', '-wal', '-shm']) rmSync(file + f, { force: true });
  }
}

// ------------------------------------------------------------------------------------ main

async function main() {
  installCleanup();
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(CLI_ENTRY)) {
    die(`the peer is not built (${path.relative(ROOT, CLI_ENTRY)} is missing): run \`npm run build\` first`);
  }
  const dataDir = mkdtempSync(path.join(opts.tmp, 'nance-bench-'));
  const removeDataDir = () => {
    if (!opts.keep) rmSync(dataDir, { recursive: true, force: true });
  };
  process.on('exit', removeDataDir);

  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    durationMs: opts.durationMs,
    warmupMs: opts.warmupMs,
    timeoutMs: opts.timeoutMs,
    concurrency: opts.concurrency,
    burst: opts.burst,
    repeat: opts.repeat,
    pinOneInFlight: opts.pin,
    peer: opts.guard ? 'bin/nance.js (abuse limits on)' : 'bin/nance.js --no-abuse-limits',
    peerArgs: opts.peerArgs,
    dataDir: opts.keep ? dataDir : path.dirname(dataDir),
    rmemMax: readSysctl('/proc/sys/net/core/rmem_max'),
  };
  log(`nance protocol bench: node ${meta.node}, ${meta.cpus} CPUs (${meta.cpuModel}), ${meta.platform}`);
  log(
    `cells: ${opts.warmupMs / 1000} s warm-up + ${opts.durationMs / 1000} s measured, ` +
      `concurrency ${opts.concurrency.join(',')} (+ burst ${opts.burst}), timeout ${opts.timeoutMs} ms`,
  );
  log(`peer: ${meta.peer}${opts.peerArgs.length > 0 ? ` ${opts.peerArgs.join(' ')}` : ''}`);
  meta.fsync = fsyncProbe(dataDir);
  if (meta.fsync) {
    log(
      `fsync probe (${meta.dataDir}): ${meta.fsync.commitsPerSec.toFixed(0)} one-row WAL/FULL commits/s ` +
        `(${meta.fsync.msPerCommit.toFixed(3)} ms each)`,
    );
  }

  const echo = await startEcho();
  const runs = [];
  const ctx = { gmChat: undefined, chatCount: 0, smChats: [], postsPerChat: 1, posted: 0 };
  const nodeArgs = opts.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProf] : [];
  const peerOpts = { guard: opts.guard, peerArgs: opts.peerArgs };

  const readOps = opts.ops.filter((op) => op !== 'sm');
  const wantsPost = opts.ops.includes('sm');
  if (readOps.length > 0) {
    log('setup: 10 chats, one of them with 50 messages of 100-byte content');
    Object.assign(ctx, await setupReadChats(dataDir, peerOpts));
    const peer = await startPeer(dataDir, { ...peerOpts, nodeArgs });
    try {
      for (const op of readOps) await benchOp(op, peer, echo, ctx, opts, runs);
    } finally {
      await peer.stop();
    }
  }
  if (wantsPost) {
    // Posts fill one fresh chat after another to 90% of the size cap; the chat count assumes s/m
    // could go as fast as 1.2x the fastest ping cell seen (60k/s without ping cells) in every cell.
    const perChat = Math.floor(
      (maxListBytes() - storedMessageBytes('bench', 'first')) / storedMessageBytes('bench', content100(1e6)),
    );
    ctx.postsPerChat = Math.floor(perChat * 0.9);
    const pings = runs.filter((r) => r.op === 'ping').map((r) => r.rps * 1.2);
    const fastest = pings.length > 0 ? Math.max(...pings) : 60_000;
    const cells = (opts.concurrency.length + (opts.burst > 0 ? 1 : 0)) * opts.repeat;
    const worst = fastest * ((opts.warmupMs + opts.durationMs) / 1000 + 0.2) * cells;
    const count = Math.ceil(worst / ctx.postsPerChat);
    log(`setup: ${count} chats for s/m (${ctx.postsPerChat} posts of 100 bytes go to each before the next)`);
    ctx.smChats = await setupPostChats(dataDir, count, peerOpts);
    const peer = await startPeer(dataDir, { ...peerOpts, nodeArgs });
    if (opts.signed) {
      const built = (p) => import(pathToFileURL(path.join(ROOT, 'build', p)).href);
      const { KeyPair } = await built('src-main/core/identity/keys.js');
      const { signPost } = await built('src-main/core/identity/post-signature.js');
      ctx.signing = { signPost, author: KeyPair.generate(), hostKey: await advertisedKey(peer.port) };
      OPS.sm.label = 's/m (signed)';
    }
    try {
      await benchOp('sm', peer, echo, ctx, opts, runs);
    } finally {
      await peer.stop();
    }
    meta.smChats = count;
    meta.smPosted = ctx.posted;
  }
  await echo.stop();

  const results = summarise(runs);
  const targets = evaluateTargets(results, opts, meta);
  printTable(results, opts);
  printTargets(targets);
  if (opts.json) {
    writeFileSync(opts.json, `${JSON.stringify({ meta, results, targets, runs }, null, 2)}\n`);
    log(`wrote ${opts.json}`);
  }
  if (opts.cpuProf) log(`CPU profiles of the measured peer in ${opts.cpuProf}`);
  const missed = targets.some((t) => !t.pass && !t.informational);
  process.exitCode = opts.strict && missed ? 1 : 0;
}

async function benchOp(op, peer, echo, ctx, opts, runs) {
  const spec = OPS[op];
  const pids = [peer.pid, echo.pid];
  const base = { warmupMs: opts.warmupMs, durationMs: opts.durationMs, timeoutMs: opts.timeoutMs, pids };
  const cell = async (params, serverPid) => {
    if (!(opts.pin && params.conc === 1)) return runCell(params);
    const { result, pinned, cpuMask } = await pinnedToOneCpu([process.pid, serverPid], () => runCell(params));
    return { ...result, pinned, ...(cpuMask ? { cpuMask } : {}) };
  };
  const ours = (conc) =>
    cell(
      {
        ...base,
        port: peer.port,
        serverPid: peer.pid,
        conc,
        makeRequest: spec.request(ctx),
        check: (res) => spec.check(res, ctx),
      },
      peer.pid,
    );
  const bare = async (conc) => {
    // The echo gets the very same datagrams: s/m replays the first posts' bodies.
    const saved = ctx.posted;
    ctx.posted = 0;
    try {
      return await cell(
        {
          ...base,
          port: echo.port,
          serverPid: echo.pid,
          conc,
          makeRequest: spec.request(ctx),
          check: () => true,
        },
        echo.pid,
      );
    } finally {
      ctx.posted = saved;
    }
  };
  const tag = (r) => `${spec.label.padEnd(15)} c=${String(r.conc).padStart(3)}`;
  const detail = (r) =>
    `${fmtRate(r.rps)} req/s p50 ${fmtUs(r.p50us)} p99 ${fmtUs(r.p99us)} err ${r.errors}` +
    (r.cpu ? ` [cpu server ${r.cpu.server} client ${r.cpu.client} other ${r.cpu.other}]` : '');
  const quiet = async () => {
    if (!(await waitQuiet(opts.quietWaitMs)))
      log(`  (machine still busy after ${opts.quietWaitMs / 1000} s; going on)`);
  };
  for (let rep = 1; rep <= opts.repeat; rep++) {
    const repTag = opts.repeat > 1 ? ` (run ${rep}/${opts.repeat})` : '';
    for (const conc of opts.concurrency) {
      await quiet();
      const o = await ours(conc);
      const b = await bare(conc);
      const ratio = b.rps > 0 ? o.rps / b.rps : null;
      runs.push({ op, label: spec.label, target: 'ours', rep, ...o, ratio });
      runs.push({ op, label: spec.label, target: 'bare', rep, ...b });
      log(`${tag(o)}  ours ${detail(o)} | bare ${detail(b)} | ratio ${fmtRatio(ratio)}${repTag}`);
      if (o.badExample) log(`    first bad answer: ${o.badExample}`);
    }
    if (opts.burst > 0) {
      await quiet();
      const o = await ours(opts.burst);
      runs.push({ op, label: spec.label, target: 'ours', burst: true, rep, ...o, ratio: null });
      log(
        `${tag(o)}  ours ${detail(o)} (timeouts ${o.timeouts}, bad ${o.badAnswers}, late ${o.late})${repTag}`,
      );
      if (o.badExample) log(`    first bad answer: ${o.badExample}`);
    }
  }
}

/** A run is clean when the rest of the machine used at most this many cores meanwhile. */
const CLEAN_OTHER_CPU = 0.25;
const isClean = (r) => !r.cpu || r.cpu.other <= CLEAN_OTHER_CPU;

/**
 * One row per (op, in flight, target): the run with the median req/s among the clean runs (all
 * runs if none is clean); errors add up over all runs. The ratio is the median over (ours, bare)
 * pairs run back to back, clean pairs first, so drifts of the machine cancel out.
 */
function summarise(runs) {
  const groups = new Map();
  for (const r of runs) {
    const key = `${r.op}|${r.conc}|${r.target}|${r.burst ? 1 : 0}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const pick = (rs) => (rs.some(isClean) ? rs.filter(isClean) : rs);
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length === 0 ? null : s[Math.floor((s.length - 1) / 2)];
  };
  return [...groups.values()].map((rs) => {
    const used = pick(rs);
    const sorted = [...used].sort((a, b) => a.rps - b.rps);
    const mid = sorted[Math.floor((sorted.length - 1) / 2)];
    const row = {
      ...mid,
      runs: rs.length,
      cleanRuns: rs.filter(isClean).length,
      errors: rs.reduce((n, r) => n + r.errors, 0),
      timeouts: rs.reduce((n, r) => n + r.timeouts, 0),
      badAnswers: rs.reduce((n, r) => n + r.badAnswers, 0),
      rpsAll: rs.map((r) => Math.round(r.rps)),
    };
    delete row.rep;
    if (row.target === 'ours' && !row.burst) {
      const pairs = rs.map((o) => ({
        ratio: o.ratio,
        clean:
          isClean(o) &&
          isClean(
            runs.find((b) => b.target === 'bare' && b.op === o.op && b.conc === o.conc && b.rep === o.rep) ??
              {},
          ),
      }));
      const usedPairs = pairs.some((p) => p.clean) ? pairs.filter((p) => p.clean) : pairs;
      row.ratio = median(usedPairs.map((p) => p.ratio).filter((x) => x !== null));
      row.ratioPairs = usedPairs.length;
    }
    return row;
  });
}

// ------------------------------------------------------------------------------------ report

/**
 * ping ≥ 0.5× bare at every concurrency. s/m ≥ 0.25× bare where group commit can work (more than
 * one request in flight); at 1 in flight every post waits for its own fsync, which no durable
 * store can beat, so that cell is reported as information against the disk's fsync bound.
 */
function evaluateTargets(results, opts, meta) {
  const targets = [];
  const ratioTarget = (op, min, what, informational = () => false) => {
    for (const r of results.filter((x) => x.op === op && x.target === 'ours' && !x.burst)) {
      const info = informational(r);
      targets.push({
        name: `${what} @${r.conc} in flight ≥ ${min}× bare echo`,
        value: r.ratio,
        min,
        pass: r.ratio !== null && r.ratio >= min && r.errors === 0,
        ...(info ? { informational: info } : {}),
      });
    }
  };
  ratioTarget('ping', 0.5, 'ping');
  ratioTarget('sm', 0.25, 's/m (durable)', (r) => {
    if (r.conc > 1) return undefined;
    const bound = meta.fsync
      ? `; one fsync'd commit each: the disk's bound is ≈${fmtRate(meta.fsync.commitsPerSec)}/s`
      : '';
    return `1 in flight cannot share commits${bound}; got ${fmtRate(r.rps)}/s`;
  });
  if (opts.burst > 0) {
    for (const r of results.filter((x) => x.burst)) {
      targets.push({
        name: `${r.label}: zero errors at ${r.conc} in flight`,
        value: r.errors,
        max: 0,
        pass: r.errors === 0,
      });
    }
  }
  return targets;
}

function printTable(results, opts) {
  const header = [
    'operation',
    'in flight',
    'target',
    'req/s',
    'p50 µs',
    'p99 µs',
    'errors',
    'ours/bare',
    'server CPU',
    'other CPU',
    ...(results.some((r) => r.runs > 1) ? ['clean'] : []),
  ];
  const rows = results.map((r) => [
    r.label,
    String(r.conc),
    r.target === 'ours' ? 'ours' : 'bare echo',
    fmtRate(r.rps),
    fmtUs(r.p50us),
    fmtUs(r.p99us),
    String(r.errors),
    r.target === 'ours' && r.ratio !== null && r.ratio !== undefined ? fmtRatio(r.ratio) : '',
    r.cpu ? r.cpu.server.toFixed(2) : '-',
    r.cpu ? r.cpu.other.toFixed(2) : '-',
    ...(r.runs > 1 ? [`${r.cleanRuns}/${r.runs}`] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  out('');
  out(
    `Results (${opts.durationMs / 1000} s per cell after ${opts.warmupMs / 1000} s warm-up, loopback ${HOST}):`,
  );
  out('');
  out(line(header));
  out(`|${widths.map((w, i) => (i < 3 ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`);
  for (const row of rows) out(line(row));
  out('');
  out('server CPU / other CPU: cores busy in the measured window in the server child / in processes');
  out('that are not part of the bench (non-zero means the machine was shared and the cell is skewed).');
  if (results.some((r) => r.pinned)) {
    out('1-in-flight cells: client and server pinned to one CPU (see --no-pin).');
  }
  if (results.some((r) => r.runs > 1)) {
    out(`Each row: the median of ${results[0].runs} interleaved runs, counting only runs with other CPU`);
    out(
      `≤ ${CLEAN_OTHER_CPU} when there are any (runs used: column "clean"); errors are summed over all runs.`,
    );
  }
}

function printTargets(targets) {
  out('');
  out('Targets:');
  for (const t of targets) {
    const value = t.max === undefined ? `${fmtRatio(t.value)}` : `${t.value} errors`;
    const verdict = t.pass ? 'PASS' : t.informational ? 'info' : 'MISS';
    out(`  ${verdict}  ${t.name} (got ${value})${t.informational ? ` — ${t.informational}` : ''}`);
  }
  out('');
}

function fmtRate(n) {
  return n === null || n === undefined ? '-' : Math.round(n).toLocaleString('en-US');
}
function fmtUs(n) {
  return n === null || n === undefined ? '-' : Math.round(n).toLocaleString('en-US');
}
function fmtRatio(n) {
  return n === null || n === undefined ? '-' : `${n.toFixed(2)}×`;
}
function out(s) {
  process.stdout.write(`${s}\n`);
}
function log(s) {
  process.stderr.write(`${s}\n`);
}
function readSysctl(file) {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------------------------ entry

if (process.argv.includes('--echo-server')) {
  runEchoServer();
} else {
  await main();
}
