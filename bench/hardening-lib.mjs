// Shared by bench/hardening-bench.mjs, bench/fuzz.mjs and test/hardening/*: drive real
// `node bin/nance.js` processes (optionally inside a network namespace), read their RSS, throw
// fuzzed datagrams at them, and build lossy links between namespaces with nftables.
// Safety: sends only to 127.0.0.0/8 or to addresses inside namespaces made here.
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mulberry32 } from '../test/support/prng.mjs';
import { isBuilt, spawnCli } from '../test/support/spawn-cli.mjs';

export { isBuilt };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Loads the compiled codec (needs `npm run build` / `tsc -p tsconfig.build.json`). */
export async function codec() {
  return import(new URL('../build/src-shared/protocol/index.js', import.meta.url).href);
}

// ------------------------------------------------------------------ processes

/**
 * Starts `node bin/nance.js --stdio` with `args`, inside `netns` if given; resolves once the
 * ready line is printed. Returns { pid, ready, call, stop, kill, exited, stderr() }.
 */
export async function startNance({
  args = [],
  netns,
  host = '127.0.0.1',
  port = 0,
  dataDir: givenDir,
  readyTimeoutMs = 15_000,
} = {}) {
  const dataDir = givenDir ?? mkdtempSync(path.join(os.tmpdir(), 'nance-hardening-'));
  const full = [
    '--host',
    host,
    '--port',
    String(port),
    '--no-stun',
    '--stdio',
    '--data-dir',
    dataDir,
    ...args,
  ];
  const cli = await spawnCli({ args: full, netns, readyTimeoutMs });
  const call = (cmd, cmdArgs = {}, timeoutMs = 120_000) => cli.call(cmd, cmdArgs, timeoutMs);
  const ok = (cmd, cmdArgs, timeoutMs = 120_000) => cli.ok(cmd, cmdArgs, timeoutMs);
  const stop = async (signal = 'SIGTERM', keepData = givenDir !== undefined) => {
    await cli.stop(signal, 5000);
    if (!keepData) rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    // With `ip netns exec`, the child is the ip process until it execs node: it execs, so same pid.
    pid: cli.ready.pid ?? cli.child.pid,
    ready: cli.ready,
    udp: cli.ready.udp,
    dataDir,
    call,
    ok,
    stop,
    exited: cli.exited,
    get hasExited() {
      return cli.hasExited;
    },
    stderr: () => cli.stderr,
  };
}

/** Resident set size of a process in KiB, from /proc (undefined if gone). */
export function rssKb(pid) {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------ sockets

export async function openSocket(host = '127.0.0.1') {
  const socket = dgram.createSocket('udp4');
  await new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  try {
    socket.setRecvBufferSize(4 * 1024 * 1024);
  } catch {}
  socket.on('error', () => {});
  return socket;
}

const b64 = (obj) => Buffer.from(Buffer.from(JSON.stringify(obj), 'utf8').toString('base64'), 'latin1');

function assertLoopback(host) {
  if (!host.startsWith('127.')) throw new Error(`fuzz sends to 127.0.0.0/8 only, not ${host}`);
}

// ------------------------------------------------------------------ fuzzing

function randomValue(rnd, depth = 0) {
  const k = Math.floor(rnd() * 14);
  switch (k) {
    case 0:
      return null;
    case 1:
      return rnd() < 0.5;
    case 2:
      return Math.floor(rnd() * 2 ** 53) * (rnd() < 0.5 ? -1 : 1);
    case 3:
      return rnd() * 1e308;
    case 4:
      return '';
    case 5:
      return 'x'.repeat(Math.floor(rnd() * 5000));
    case 6:
      return String.fromCharCode(
        ...Array.from({ length: 1 + Math.floor(rnd() * 30) }, () => Math.floor(rnd() * 0xffff)),
      );
    case 7:
      return depth > 3
        ? []
        : Array.from({ length: Math.floor(rnd() * 5) }, () => randomValue(rnd, depth + 1));
    case 8:
      return depth > 3 ? {} : { [randomKey(rnd)]: randomValue(rnd, depth + 1) };
    case 9:
      return String(Math.floor(rnd() * 100) - 10);
    case 10:
      return '1e400';
    case 11:
      return 0;
    case 12:
      return -1;
    default:
      return ['p', 'r', 'R', 'g', 's', 'c', 'm', 'i', 'Full Cone', '__proto__', 'constructor'][
        Math.floor(rnd() * 11)
      ];
  }
}

function randomKey(rnd) {
  return [
    'm',
    't',
    'd',
    'a',
    'z',
    'c',
    'r',
    'chatUuid',
    'after',
    'limit',
    'maxBytes',
    'maxChatsLength',
    'maxPeersLength',
    'natConeType',
    'name',
    'content',
    '__proto__',
    'constructor',
    'toString',
  ][Math.floor(rnd() * 19)];
}

function templates(rnd, chatUuid) {
  const z = rnd() < 0.8 ? `${Math.floor(rnd() * 1e9)}-${'f'.repeat(28)}` : randomValue(rnd);
  const uuid = rnd() < 0.7 ? chatUuid : randomValue(rnd);
  const all = [
    { m: 'p' },
    { m: 'p', z },
    { m: 'r', t: 'g', d: 'c', a: { maxChatsLength: 10 }, z },
    { m: 'r', t: 'g', d: 'm', a: { chatUuid: uuid }, z },
    { m: 'r', t: 'g', d: 'm', a: { chatUuid: uuid, after: 0, limit: 5, maxBytes: 1200 }, z },
    { m: 'r', t: 'g', d: 'i', a: { maxPeersLength: 5 }, z },
    { m: 'g', t: 'r', d: 'i', a: { maxPeersLength: 5 }, z },
    { m: 'r', t: 's', d: 'm', a: { chatUuid: uuid, name: 'fuzz', content: 'hello' }, z },
    { m: 'R', r: 0, c: {}, z },
  ];
  // Registrations make the peer ping us back (3 pings each): rarer.
  if (rnd() < 0.02) return { m: 'r', t: 'r', d: 'i', a: { natConeType: 'Full Cone' }, z };
  return all[Math.floor(rnd() * all.length)];
}

function mutateObject(rnd, obj) {
  const o = structuredClone(obj);
  const n = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < n; i++) {
    const target = o.a && typeof o.a === 'object' && rnd() < 0.5 ? o.a : o;
    const keys = Object.keys(target);
    const r = rnd();
    if (r < 0.4 && keys.length) target[keys[Math.floor(rnd() * keys.length)]] = randomValue(rnd);
    else if (r < 0.6 && keys.length) delete target[keys[Math.floor(rnd() * keys.length)]];
    else target[randomKey(rnd)] = randomValue(rnd);
  }
  return o;
}

function mutateBytes(rnd, bytes) {
  const out = Buffer.from(bytes);
  const n = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < n && out.length > 0; i++) out[Math.floor(rnd() * out.length)] = Math.floor(rnd() * 256);
  if (rnd() < 0.3) return out.subarray(0, Math.floor(rnd() * out.length));
  return out;
}

/** One fuzzed datagram. */
export function fuzzDatagram(rnd, chatUuid) {
  const r = rnd();
  if (r < 0.1) {
    // random bytes, sometimes large
    const len = rnd() < 0.02 ? Math.floor(rnd() * 65_507) : Math.floor(rnd() * 300);
    const b = Buffer.alloc(len);
    for (let i = 0; i < len; i++) b[i] = Math.floor(rnd() * 256);
    return b;
  }
  if (r < 0.2) {
    // base64 of random bytes (not UTF-8 / not JSON)
    const b = Buffer.alloc(Math.floor(rnd() * 200));
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256);
    return Buffer.from(b.toString('base64'), 'latin1');
  }
  if (r < 0.25) {
    // deep nesting, JSON scalars, arrays
    const depth = Math.floor(rnd() * 4000);
    const text =
      rnd() < 0.5
        ? `${'['.repeat(depth)}${']'.repeat(depth)}`
        : `{"m":"r","a":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    return Buffer.from(Buffer.from(text).toString('base64'), 'latin1');
  }
  const base = templates(rnd, chatUuid);
  if (r < 0.45) return b64(base); // valid
  if (r < 0.75) return b64(mutateObject(rnd, base));
  if (r < 0.88) {
    // JSON text mutated, then encoded properly
    const text = Buffer.from(JSON.stringify(base));
    return Buffer.from(mutateBytes(rnd, text).toString('base64'), 'latin1');
  }
  return mutateBytes(rnd, b64(base)); // base64 mutated
}

/**
 * Throws `count` fuzzed datagrams at `target` (loopback only) from `sources` sockets at `rate`
 * datagrams/s, while a monitor socket pings every 100 ms. Checks every datagram that comes back.
 */
export async function runFuzz({
  target,
  count,
  rate = 4000,
  sources = 32,
  seed = 1,
  chatUuid = '00000000-0000-4000-8000-000000000000',
  pid,
  onProgress,
}) {
  assertLoopback(target.host);
  const { decodeDatagram, WIRE_CODES } = await codec();
  const rnd = mulberry32(seed);
  const sockets = await Promise.all(Array.from({ length: sources }, () => openSocket()));
  const stats = {
    sent: 0,
    bytesSent: 0,
    received: 0,
    bytesReceived: 0,
    responsesByCode: {},
    pingsFromPeer: 0,
    invalid: 0,
    invalidSamples: [],
    monitorSent: 0,
    monitorAnswered: 0,
    monitorMaxMs: 0,
    monitorLongestGapMs: 0,
    rssBeforeKb: undefined,
    /** After the first 10 % of the datagrams: caches and the heap have grown to their working size. */
    rssWarmKb: undefined,
    rssAfterKb: undefined,
    rssPeakKb: 0,
    elapsedMs: 0,
  };
  for (const s of sockets) {
    s.on('message', (msg) => {
      stats.received++;
      stats.bytesReceived += msg.length;
      const d = decodeDatagram(new Uint8Array(msg));
      if (d.kind === 'response' && WIRE_CODES.has(d.response.r)) {
        stats.responsesByCode[d.response.r] = (stats.responsesByCode[d.response.r] ?? 0) + 1;
      } else if (d.kind === 'request' && d.request.type === 'ping') {
        stats.pingsFromPeer++;
      } else {
        stats.invalid++;
        if (stats.invalidSamples.length < 5) stats.invalidSamples.push(msg.toString('latin1').slice(0, 200));
      }
    });
  }
  // Monitor: a well-behaved client that must keep getting answers.
  const monitor = await openSocket();
  const sentAt = new Map();
  let lastAnswer = Date.now();
  monitor.on('message', (msg) => {
    const d = decodeDatagram(new Uint8Array(msg));
    if (d.kind !== 'response' || d.z === undefined || !sentAt.has(d.z)) return;
    const ms = Date.now() - sentAt.get(d.z);
    sentAt.delete(d.z);
    stats.monitorAnswered++;
    stats.monitorMaxMs = Math.max(stats.monitorMaxMs, ms);
    stats.monitorLongestGapMs = Math.max(stats.monitorLongestGapMs, Date.now() - lastAnswer);
    lastAnswer = Date.now();
  });
  const monitorTimer = setInterval(() => {
    const z = `monitor-${stats.monitorSent++}-${'0'.repeat(24)}`;
    sentAt.set(z, Date.now());
    monitor.send(b64({ m: 'p', z }), target.port, target.host);
  }, 100);
  if (pid) stats.rssBeforeKb = rssKb(pid);
  const start = Date.now();
  const tickMs = 10;
  try {
    while (stats.sent < count) {
      const due = Math.min(count, Math.floor(((Date.now() - start + tickMs) * rate) / 1000));
      while (stats.sent < due) {
        const dg = fuzzDatagram(rnd, chatUuid);
        sockets[stats.sent % sources].send(dg, target.port, target.host);
        stats.sent++;
        stats.bytesSent += dg.length;
      }
      if (pid && stats.rssWarmKb === undefined && stats.sent >= count / 10) stats.rssWarmKb = rssKb(pid);
      if (pid && stats.sent % 10_000 < rate / 100)
        stats.rssPeakKb = Math.max(stats.rssPeakKb, rssKb(pid) ?? 0);
      onProgress?.(stats);
      await sleep(tickMs);
    }
    await sleep(1500); // late answers, and the monitor after the storm
  } finally {
    clearInterval(monitorTimer);
    stats.elapsedMs = Date.now() - start;
    if (pid) stats.rssAfterKb = rssKb(pid);
    stats.monitorLongestGapMs = Math.max(stats.monitorLongestGapMs, Date.now() - lastAnswer);
    await Promise.all([...sockets, monitor].map((s) => new Promise((r) => s.close(r))));
  }
  return stats;
}

// ------------------------------------------------------------------ namespaces

export function canUseNetns() {
  if (process.getuid?.() !== 0) return 'not root';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch (err) {
    return `ip netns / nft unavailable (${String(err).slice(0, 80)})`;
  }
}

const run = (...args) => execFileSync(args[0], args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });

/**
 * Two namespaces joined by a veth (10.77.N.1 ↔ 10.77.N.2), each dropping `lossPercent` % of
 * incoming UDP at random (nftables numgen), so loss hits both directions.
 */
export function makeLossyLink(lossPercent, tag = String(process.pid % 100_000)) {
  const n = 1 + (Number(tag) % 250);
  const a = `nh-a-${tag}`;
  const b = `nh-b-${tag}`;
  const link = {
    a,
    b,
    ipA: `10.77.${n}.1`,
    ipB: `10.77.${n}.2`,
    cleanup() {
      for (const ns of [a, b]) {
        try {
          run('ip', 'netns', 'del', ns);
        } catch {}
      }
    },
    setLoss(percent) {
      for (const ns of [a, b]) {
        try {
          run('ip', 'netns', 'exec', ns, 'nft', 'delete', 'table', 'inet', 'nhloss');
        } catch {}
        if (percent <= 0) continue;
        const threshold = Math.round(percent * 100); // of 10,000
        const rules = [
          'table inet nhloss {',
          '  chain in { type filter hook input priority 0; policy accept;',
          `    meta l4proto udp numgen random mod 10000 < ${threshold} drop`,
          '  }',
          '}',
        ].join('\n');
        execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: rules });
      }
    },
  };
  link.cleanup();
  try {
    run('ip', 'netns', 'add', a);
    run('ip', 'netns', 'add', b);
    run(
      'ip',
      'link',
      'add',
      `nha${tag}`,
      'netns',
      a,
      'type',
      'veth',
      'peer',
      'name',
      `nhb${tag}`,
      'netns',
      b,
    );
    run('ip', '-n', a, 'addr', 'add', `${link.ipA}/24`, 'dev', `nha${tag}`);
    run('ip', '-n', b, 'addr', 'add', `${link.ipB}/24`, 'dev', `nhb${tag}`);
    for (const [ns, dev] of [
      [a, `nha${tag}`],
      [b, `nhb${tag}`],
    ]) {
      run('ip', '-n', ns, 'link', 'set', dev, 'up');
      run('ip', '-n', ns, 'link', 'set', 'lo', 'up');
    }
    link.setLoss(lossPercent);
  } catch (err) {
    link.cleanup();
    throw err;
  }
  return link;
}

/**
 * Over a lossy link: a host in namespace a, a client in b. Posts `posts` messages (in flight
 * `concurrency` at a time), then fills the chat to the cap and has the client read it whole.
 * Returns counts for the caller to assert on.
 */
export async function lossRun({ lossPercent, posts = 200, concurrency = 8, fillChat = true, tag }) {
  const link = makeLossyLink(0, tag);
  let host;
  let client;
  try {
    host = await startNance({ netns: link.a, host: link.ipA, args: ['--log-level', 'warn'] });
    client = await startNance({ netns: link.b, host: link.ipB, args: ['--log-level', 'warn'] });
    const chat = await host.ok('createChat', { name: 'loss', message: 'start', author: 'host' });
    const hostRef = { host: link.ipA, port: host.udp.port };
    link.setLoss(lossPercent);
    // Acknowledged by the host; accepted into the client's outbox (the host did not answer in time:
    // resent, same z, until it does); refused.
    const acked = [];
    const pending = [];
    const failed = [];
    let next = 0;
    const postStart = Date.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < posts) {
          const content = `post ${next++}`;
          const reply = await client.call('postMessage', {
            host: hostRef,
            chatUuid: chat.uuid,
            name: 'client',
            content,
          });
          (!reply.ok ? failed : reply.result === null ? acked : pending).push(content);
        }
      }),
    );
    const postMs = Date.now() - postStart;
    // Posts still in the outbox go out in its next rounds (the link stays lossy meanwhile).
    const drainStart = Date.now();
    while ((await client.ok('listOutbox', {})).length > 0 && Date.now() - drainStart < 60_000) {
      await new Promise((r) => setTimeout(r, 250));
    }
    const outboxLeft = (await client.ok('listOutbox', {})).length;
    link.setLoss(0);
    const stored = (await host.ok('readChat', { host: null, chatUuid: chat.uuid })).messages.map(
      (m) => m.content,
    );
    const counts = new Map();
    for (const c of stored) counts.set(c, (counts.get(c) ?? 0) + 1);
    const duplicates = [...counts.values()].filter((n) => n > 1).length;
    const missingAcked = [...acked, ...pending].filter((c) => !counts.has(c)).length;
    const result = {
      lossPercent,
      posts,
      acked: acked.length,
      pending: pending.length,
      outboxLeft,
      failed: failed.length,
      storedPosts: stored.length - 1,
      duplicates,
      missingAcked,
      postMs,
    };
    if (fillChat) {
      // Fill the chat to the 819,200-byte cap from the host side (no loss), then read it over the lossy link.
      let count = stored.length;
      const filler = 'z'.repeat(700);
      for (let i = 0; i < 5000; i++) {
        const reply = await host.call('postMessage', {
          host: null,
          chatUuid: chat.uuid,
          name: 'filler',
          content: `${i} ${filler}`,
        });
        if (!reply.ok) {
          result.fillStoppedWith = reply.error?.code;
          break;
        }
        count++;
      }
      link.setLoss(lossPercent);
      const loadStart = Date.now();
      const read = await client.call('readChat', { host: hostRef, chatUuid: chat.uuid }, 300_000);
      result.chatMessages = count;
      result.loadMs = Date.now() - loadStart;
      result.loadedMessages = read.ok ? read.result.messages.length : 0;
      result.loadError = read.ok ? undefined : read.error;
      link.setLoss(0);
      const bytes = Buffer.from(
        Buffer.from(
          JSON.stringify(
            (await host.ok('readChat', { host: null, chatUuid: chat.uuid })).messages.map((m) => ({
              uuid: m.uuid,
              name: m.name,
              content: m.content,
              timestamp: (m.createdAt / 1000).toFixed(6),
            })),
          ),
        ).toString('base64'),
      ).length;
      result.chatBase64Bytes = bytes;
    }
    return result;
  } finally {
    await client?.stop();
    await host?.stop();
    link.cleanup();
  }
}
