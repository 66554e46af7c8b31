#!/usr/bin/env node
// One bootstrap (the CLI build, a real process on 127.0.0.1, real SQLite in a temp dir) under
// registrations from many distinct source addresses: sockets bound on 127.x.y.z (all of 127.0.0.0/8
// is loopback on Linux), each sending a base peer's `r/i` and answering the bootstrap's ping-back,
// a batch at a time (a batch's sockets are closed once answered, so the bootstrap's table holds far
// more peers than we hold sockets). At each milestone it measures the bootstrap's RSS, its CPU time
// per registration, `g/i` latency (sequential requests from one client on 127.0.0.1, which, being on
// a private address itself, is listed private peers) both during the registration wave and after it,
// and the store's size on disk. Every registration that failed is counted by why (answered 3: its
// ping-back went unanswered in time; no answer; a socket error), beside the kernel's UDP drop
// counters (/proc/net/snmp, machine-wide) and the load average, so a loss can be told from a
// starved machine. It prints PASS/FAIL per size against the goal (issue 14: 100,000 registered in
// <= 200 MB RSS, g/i p99 <= 5 ms).
//
//   node bench/bootstrap-load.mjs [--sizes 1000,10000,100000] [--batch 1000] [--gi 2000]
//        [--rate 4000] [--no-abuse-limits] [--node-options '--max-old-space-size=128'] [--json FILE]
//        [--probe]
//
// --rate: registrations sent per second at most (default: 4,000 with the abuse limits on, as fast
// as answered with them off). A bootstrap admits 5,000 requests per second in all (the guard's
// global cap, docs/protocol.md "Abuse limits"); a wave faster than that has its excess dropped by
// design, which measures the cap, not what a table of 100,000 costs.
//
// --node-options: V8/Node flags for the bootstrap process only (NODE_OPTIONS of the child). Its live
// heap at 100,000 peers is ~50 MB, but V8 lets garbage pile up to several times that while memory
// is plentiful: RSS depends on the heap limit (docs/scale.md).
//
// --probe: where the after-wave `g/i` time goes. The bootstrap runs with bench/gi-probe.cjs preloaded
// (when each `g/i` reached its JavaScript and when its answer left, its GC pauses and long timer
// callbacks); each round trip is split into waiting to be read / served / waiting in this process,
// and the slowest 1 % are told by what overlapped them (a GC here or there, a long callback there).
//
// Needs `npm run build`. Sends only to 127.0.0.0/8; every send is bounded by the sizes given.
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { spawnCli } from '../test/support/spawn-cli.mjs';

const { values: opt } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,100000' },
    batch: { type: 'string', default: '1000' },
    gi: { type: 'string', default: '2000' },
    rate: { type: 'string' },
    'no-abuse-limits': { type: 'boolean', default: false },
    'node-options': { type: 'string' },
    json: { type: 'string' },
    probe: { type: 'boolean', default: false },
  },
});
const sizes = opt.sizes.split(',').map(Number);
const batchSize = Number(opt.batch);
const giCount = Number(opt.gi);
const limits = !opt['no-abuse-limits'];
/** Registrations sent per second at most (see --rate). */
const ratePerSec = Number(opt.rate ?? (limits ? 4000 : Number.POSITIVE_INFINITY));
const wall = () => performance.timeOrigin + performance.now();
/** --probe: this process's round trips [z, sentAt, gotAt] and GC pauses [startAt, ms] (wall ms). */
const probe = opt.probe ? { trips: [], gcs: [] } : undefined;
if (probe)
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) probe.gcs.push([performance.timeOrigin + e.startTime, e.duration]);
  }).observe({ entryTypes: ['gc'] });

const enc = (o) => Buffer.from(Buffer.from(JSON.stringify(o)).toString('base64'), 'latin1');
const dec = (b) => {
  try {
    return JSON.parse(Buffer.from(b.toString('latin1'), 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
};

/** The i-th source address: 127.1.0.0 onwards (127.0.0.1 is the bootstrap's and the client's). */
const sourceHost = (i) => `127.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;

function procStats(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  return { rssMb: rssKb / 1024, peakRssMb: peakKb / 1024, cpuMs: (ticks * 1000) / 100 };
}

/** A main thread's time on a CPU and waiting runnable for one (ms), and its involuntary switches. */
function schedStats(pid) {
  const [runNs, waitNs] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ').map(Number);
  const status = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
  const preempted = Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { runMs: runNs / 1e6, waitMs: waitNs / 1e6, preempted };
}
const schedDelta = (a, b, n) => ({
  cpuMsPerGi: +((b.runMs - a.runMs) / n).toFixed(3),
  runQueueWaitMsPerGi: +((b.waitMs - a.waitMs) / n).toFixed(3),
  preempted: b.preempted - a.preempted,
});

function dirBytes(dir) {
  return readdirSync(dir)
    .filter((f) => f.startsWith('nance.db'))
    .reduce((sum, f) => sum + statSync(path.join(dir, f)).size, 0);
}

/** The kernel's UDP counters (machine-wide: other processes' drops count too). */
function udpCounters() {
  const lines = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Udp:'));
  const names = lines[0].split(/\s+/);
  const values = lines[1].split(/\s+/).map(Number);
  const get = (n) => values[names.indexOf(n)] ?? 0;
  return { inErrors: get('InErrors'), rcvbufErrors: get('RcvbufErrors') };
}

/** Registers sources [from, to) a batch at a time; counts how many got 0, and why the rest failed. */
async function register(target, from, to) {
  let ok = 0;
  const why = { answered3: 0, noAnswer: 0, socketError: 0 };
  const began = wall();
  for (let start = from; start < to; start += batchSize) {
    const due = began + ((start - from) / ratePerSec) * 1000;
    if (wall() < due) await new Promise((r) => setTimeout(r, due - wall()));
    const end = Math.min(to, start + batchSize);
    const sockets = [];
    const done = [];
    for (let i = start; i < end; i++) {
      const socket = dgram.createSocket('udp4');
      const z = randomUUID();
      done.push(
        new Promise((resolve) => {
          const timer = setTimeout(() => resolve('noAnswer'), 10_000);
          socket.on('message', (msg) => {
            const o = dec(msg);
            if (o?.m === 'p')
              socket.send(
                enc({ m: 'R', r: 0, c: {}, ...(o.z === undefined ? {} : { z: o.z }) }),
                target.port,
                target.host,
              );
            else if (o?.m === 'R' && o.z === z) {
              clearTimeout(timer);
              if (o.r !== 0 && process.env.DEBUG_LOAD) console.error('answer', o.r);
              resolve(o.r === 0 ? 'ok' : o.r === 3 ? 'answered3' : `answered${o.r}`);
            }
          });
          socket.on('error', () => resolve('socketError'));
          socket.bind(0, sourceHost(i), () =>
            socket.send(
              enc({ m: 'r', t: 'r', d: 'i', a: { natConeType: 'Full Cone' }, z }),
              target.port,
              target.host,
            ),
          );
        }),
      );
      sockets.push(socket);
    }
    for (const r of await Promise.all(done)) {
      if (r === 'ok') ok++;
      else why[r] = (why[r] ?? 0) + 1;
    }
    for (const s of sockets) s.close();
  }
  return { ok, failed: to - from - ok, why };
}

/**
 * Sequential g/i requests from one socket: latency in ms, p50/p99, and the peers per answer. Stops
 * after `n` requests, or when `until()` says so (then it paces them `gapMs` apart, beside a wave).
 */
async function giLatency(target, n, until = () => false, gapMs = 0, record = false) {
  const socket = dgram.createSocket('udp4');
  await new Promise((r) => socket.bind(0, '127.0.0.1', r));
  // As a Nance peer does: a ping for the address token, then `k` on every request (proven, so
  // the answers are not held to the anti-amplification budget of an unproven asker).
  const k = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 2000);
    socket.once('message', (msg) => {
      clearTimeout(timer);
      resolve(dec(msg)?.c?.nance?.k);
    });
    socket.send(enc({ m: 'p', z: randomUUID(), k: '0'.repeat(48) }), target.port, target.host);
  });
  const times = [];
  let listed = 0;
  for (let i = 0; i < n && !until(); i++) {
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    const z = randomUUID();
    const sentAt = wall();
    const t = process.hrtime.bigint();
    const answer = await new Promise((resolve) => {
      const timer = setTimeout(() => {
        socket.off('message', on);
        resolve(undefined);
      }, 2000);
      const on = (msg) => {
        const o = dec(msg);
        if (o?.z !== z) return;
        clearTimeout(timer);
        socket.off('message', on);
        resolve(o);
      };
      socket.on('message', on);
      socket.send(
        enc({ m: 'r', t: 'g', d: 'i', a: { maxPeersLength: 50 }, z, ...(k ? { k } : {}) }),
        target.port,
        target.host,
      );
    });
    if (answer) {
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (record) probe.trips.push([z, sentAt, wall()]);
      listed += answer.c?.peers?.length ?? 0;
    }
  }
  socket.close();
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? Number.NaN;
  return {
    p50: q(0.5),
    p99: q(0.99),
    answered: times.length,
    peersPerAnswer: listed / Math.max(1, times.length),
  };
}

/** Every registration stored, RSS and g/i p99 (after the wave) within the goal. */
function goalMet(row) {
  return row.failed === 0 && row.rssMb <= 200 && row.giP99Ms <= 5;
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nance-bootstrap-load-'));
const probeFile = path.join(dataDir, 'gi-probe.json');
const preload = probe ? `--require ${new URL('./gi-probe.cjs', import.meta.url).pathname}` : '';
const nodeOptions = [opt['node-options'], preload].filter(Boolean).join(' ');
if (nodeOptions) process.env.NODE_OPTIONS = nodeOptions;
if (probe) process.env.NANCE_GI_PROBE = probeFile;
const cli = await spawnCli({
  label: 'bootstrap',
  args: [
    '--bootstrap',
    '--no-stun',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--data-dir',
    dataDir,
    '--log-level',
    'error',
    ...(limits ? [] : ['--no-abuse-limits']),
  ],
});
const target = { host: '127.0.0.1', port: cli.ready.udp.port };
const pid = cli.ready.pid;
const rows = [];
try {
  const idle = procStats(pid);
  let registered = 0;
  let cpuBefore = idle.cpuMs;
  let failed = 0;
  for (const size of sizes) {
    const t = Date.now();
    const udpBefore = udpCounters();
    let waveDone = false;
    // g/i asked beside the wave, as joining peers do (each r/i is followed by a g/i).
    const during = giLatency(target, Number.POSITIVE_INFINITY, () => waveDone, 5);
    const r = await register(target, registered, size).finally(() => {
      waveDone = true;
    });
    const giDuring = await during;
    const udpAfter = udpCounters();
    failed += r.failed;
    const regSeconds = (Date.now() - t) / 1000;
    const after = procStats(pid);
    const cpuPerReg = (after.cpuMs - cpuBefore) / Math.max(1, size - registered);
    const schedBefore = { bootstrap: schedStats(pid), asker: schedStats(process.pid) };
    const gi = await giLatency(target, giCount, undefined, 0, probe !== undefined);
    if (probe)
      probe.sched = {
        bootstrap: schedDelta(schedBefore.bootstrap, schedStats(pid), gi.answered),
        asker: schedDelta(schedBefore.asker, schedStats(process.pid), gi.answered),
      };
    const end = procStats(pid);
    const row = {
      attempted: size,
      /** Answered 0: in the bootstrap's table. */
      registered: size - failed,
      failed,
      failedWhy: r.why,
      udpInErrors: udpAfter.inErrors - udpBefore.inErrors,
      udpRcvbufErrors: udpAfter.rcvbufErrors - udpBefore.rcvbufErrors,
      abuseLimits: limits,
      rssMb: +end.rssMb.toFixed(1),
      peakRssMb: +end.peakRssMb.toFixed(1),
      cpuMsPerRegistration: +cpuPerReg.toFixed(3),
      registrationsPerSec: Math.round((size - registered) / regSeconds),
      giP50Ms: +gi.p50.toFixed(2),
      giP99Ms: +gi.p99.toFixed(2),
      giAnswered: gi.answered,
      giDuringWaveP50Ms: +giDuring.p50.toFixed(2),
      giDuringWaveP99Ms: +giDuring.p99.toFixed(2),
      giDuringWaveAnswered: giDuring.answered,
      peersPerAnswer: +gi.peersPerAnswer.toFixed(1),
      storeBytes: dirBytes(dataDir),
      loadAvg1m: +os.loadavg()[0].toFixed(2),
    };
    row.goal = goalMet(row) ? 'PASS' : 'FAIL';
    rows.push(row);
    console.log(JSON.stringify(row));
    registered = size;
    cpuBefore = end.cpuMs;
  }
} finally {
  await cli.stop();
  if (probe) probe.inside = JSON.parse(readFileSync(probeFile, 'utf8'));
  rmSync(dataDir, { recursive: true, force: true });
}
if (probe) console.log(JSON.stringify(probeReport(probe)));
for (const row of rows) {
  console.log(
    `${row.goal} ${row.attempted} sent, ${row.registered} registered (abuse limits ${limits ? 'ON' : 'OFF'}, at most ${ratePerSec} registrations/s): ` +
      `RSS ${row.rssMb} MB (<= 200${opt['node-options'] ? `, bootstrap run with ${opt['node-options']}` : ''}), g/i p99 ${row.giP99Ms} ms (<= 5), during the wave ${row.giDuringWaveP99Ms} ms; load ${row.loadAvg1m}`,
  );
}
const hundredK = rows.find((r) => r.attempted >= 100_000);
console.log(
  `goal (100,000 registered: <= 200 MB RSS, g/i p99 <= 5 ms): ${hundredK ? hundredK.goal : 'not run (no size >= 100,000)'}`,
);
if (opt.json) writeFileSync(opt.json, JSON.stringify(rows, null, 2));

/** --probe: each after-wave round trip split by the bootstrap's own timestamps; the slowest told apart. */
function probeReport({ trips, gcs, inside, sched }) {
  const at = new Map(inside.served.map(([z, received, answered]) => [z, { received, answered }]));
  const parts = [];
  for (const [z, sent, got] of trips) {
    const s = at.get(z);
    if (s)
      parts.push({
        rtt: got - sent,
        toRead: s.received - sent,
        served: s.answered - s.received,
        back: got - s.answered,
        sent,
        got,
      });
  }
  const overlaps = (list, from, to) => list.some(([start, ms]) => start < to && start + ms > from);
  const q = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  const stat = (k) => ({
    p50: +q(
      parts.map((x) => x[k]),
      0.5,
    ).toFixed(3),
    p99: +q(
      parts.map((x) => x[k]),
      0.99,
    ).toFixed(3),
  });
  const slow = parts
    .slice()
    .sort((a, b) => b.rtt - a.rtt)
    .slice(0, Math.max(1, Math.ceil(parts.length / 100)));
  // Only what happened while these g/i ran (the probe saw the whole run).
  const from = Math.min(...parts.map((x) => x.sent));
  const to = Math.max(...parts.map((x) => x.got));
  const gcBoot = inside.gcs.filter(([start]) => start >= from && start <= to);
  const gcKinds = {};
  for (const [, ms, kind] of gcBoot) {
    gcKinds[kind] ??= { count: 0, ms: 0, maxMs: 0 };
    const k = gcKinds[kind];
    k.count++;
    k.ms = +(k.ms + ms).toFixed(2);
    k.maxMs = Math.max(k.maxMs, ms);
  }
  return {
    probe: 'after-wave g/i, ms (wall clock, same machine)',
    trips: parts.length,
    rtt: stat('rtt'),
    waitingToBeRead: stat('toRead'),
    servedInBootstrap: stat('served'),
    waitingInAsker: stat('back'),
    slowest1pct: slow.map((x) => ({
      rtt: +x.rtt.toFixed(2),
      toRead: +x.toRead.toFixed(2),
      served: +x.served.toFixed(2),
      back: +x.back.toFixed(2),
      bootstrapGc: overlaps(gcBoot, x.sent, x.got),
      askerGc: overlaps(gcs, x.sent, x.got),
      bootstrapLongCallback: inside.longCallbacks.find(
        ([start, ms]) => start < x.got && start + ms > x.sent,
      )?.[3],
    })),
    /** GC pauses in the bootstrap meanwhile, by kind (1 scavenge, 2 mark-compact, 4 incremental, 8 weak callbacks). */
    bootstrapGc: gcKinds,
    bootstrapLongCallbacks: inside.longCallbacks.filter(([start]) => start >= from && start <= to).length,
    bootstrapLoopDelay: inside.loopDelay,
    /** Main threads during the last size's after-wave g/i: CPU and run-queue wait per g/i. */
    sched,
  };
}
